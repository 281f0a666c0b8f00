package dev.runaway.examples.monitor;

import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.StoppedService;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code runaway-monitor stopped}: lists the services the monitor stopped with emergency actions
 * and that are not resumed, since when, why, and how to undo.
 */
@Command(name = "stopped", aliases = "status", mixinStandardHelpOptions = true, sortOptions = false,
    header = "List the services stopped by emergency actions, since when, and how to undo.",
    description = "Read the record of emergency stops in state_dir and list each stopped service with since when,"
        + " why, what was stopped and how to undo it ('runaway-monitor resume <service>').")
final class StoppedCommand implements Callable<Integer> {

  @Mixin
  ConfigFiles files;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(files.load())
        .secrets(files.credentials().source()).keepBaselines(false).build()) {
      Map<String, StoppedService> stopped = monitor.stopped();
      if (stopped.isEmpty()) {
        out.println("No service is stopped.");
        return Main.OK;
      }
      for (StoppedService s : stopped.values()) {
        out.println(s.service() + ": stopped since " + s.since() + " (" + s.reason() + ")");
        s.actions().forEach(a -> out.println("  stopped: " + a));
        s.failed().forEach(a -> out.println("  FAILED:  " + a));
        s.undo().forEach(a -> out.println("  undo by hand: " + a));
        out.println("  resume: runaway-monitor resume " + s.service());
      }
      return Main.OK;
    }
  }
}
