package dev.runaway.examples.monitor;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code runaway-monitor}: the standalone monitor's command line.
 *
 * <p>Exit codes: 0 ok, 2 bad usage or config, 1 failure.
 */
@Command(name = "runaway-monitor", mixinStandardHelpOptions = true, version = "runaway-monitor 0.1.0-SNAPSHOT",
    description = "Stops runaway processes from burning through API tokens, credits and cloud resources.",
    subcommands = {DemoCommand.class})
public final class Main implements Runnable {

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: something configured does not work. */
  public static final int FAILURE = 1;
  /** Exit code: bad usage or a broken config. */
  public static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * Runs the command line.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the command line without exiting, for tests.
   *
   * @param args the arguments
   * @return the exit code
   */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExitCodeExceptionMapper(e -> FAILURE);
    cli.getCommandSpec().exitCodeOnInvalidInput(USAGE);
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
