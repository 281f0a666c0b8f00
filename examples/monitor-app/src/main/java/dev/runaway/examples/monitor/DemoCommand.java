package dev.runaway.examples.monitor;

import dev.runaway.examples.monitor.demo.Demo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runaway-monitor demo}: the product in a minute, with no credentials. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Simulates an app whose agent loop runs away against a stub LLM API on loopback, "
        + "and shows the guard detect it, alert and trip. Needs no credentials.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--fast", description = "Do not slow the runaway phase down to human speed.")
  boolean fast;

  @Override
  public Integer call() throws Exception {
    Demo.Result r = new Demo(System.out, !fast, DemoPricing.extractor(), List.of()).run();
    return r.detectionDelay() == null ? Main.FAILURE : Main.OK;
  }
}
