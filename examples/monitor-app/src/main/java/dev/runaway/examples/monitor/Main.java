package dev.runaway.examples.monitor;

import dev.runaway.config.ConfigException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code runaway-monitor}: the standalone monitor's command line, with the commands {@code start}
 * (poll until stopped), {@code check} (test the setup), {@code demo} (the product in a minute,
 * without credentials), {@code resume} (undo a service's emergency stops) and {@code stopped}
 * (list them).
 *
 * <p>Exit codes: {@value #OK} ok, {@value #FAILURE} something configured does not work,
 * {@value #USAGE} bad usage or a broken config. A broken config is reported on standard error
 * with the file, the JSON path, the line and the column.
 *
 * <p>Each run builds its own command objects; {@link #run(PrintWriter, PrintWriter, String...)} may be
 * called from several threads at once.
 */
@Command(name = "runaway-monitor", mixinStandardHelpOptions = true, version = "runaway-monitor 0.1.0-SNAPSHOT",
    sortOptions = false, usageHelpAutoWidth = true, optionListHeading = "%nOptions:%n",
    description = {
        "Runaway Guard's standalone monitor: detects runaway processes burning through API tokens, credits"
            + " and cloud resources, alerts, and stops them where you allow it.",
        "",
        "Every monitoring_interval it polls the usage and billing APIs of the services in"
            + " config/monitor_config.json (OpenAI, GitHub Actions, Stripe, Supabase, Cloudflare R2, MongoDB Atlas,"
            + " Vercel, any REST API), checks their spend against the cost_thresholds and their usage against the"
            + " learned baseline, alerts on a usage spike (usage_spike_multiplier) and opens the circuit breaker of"
            + " a runaway (circuit_breaker.threshold_multiplier). Alerts go to Telegram and the log.",
        "",
        "It stops nothing by itself unless a service has emergency actions (services.<name>.on_runaway, off by"
            + " default, dry_run until confirm is \"auto\"): disable a looping GitHub workflow, pause a Vercel or"
            + " Supabase project, lower an OpenAI project's rate limits, call a webhook or a command. An embedded"
            + " RunawayGuard stops its own process's calls. 'resume <service>' undoes the stops; 'stopped' lists them."},
    commandListHeading = "%nCommands:%n",
    subcommands = {StartCommand.class, CheckCommand.class, DemoCommand.class, ResumeCommand.class,
        StoppedCommand.class},
    footerHeading = "%n",
    footer = {
        "Quick start:",
        "  cp config/monitor_config.example.json config/monitor_config.json",
        "  cp .env.example .env        # then fill in the credentials",
        "  runaway-monitor check       # config, credentials, one poll, a test alert",
        "  runaway-monitor start       # monitor until Ctrl-C",
        "",
        "Exit codes: 0 ok, 1 something configured fails, 2 bad usage or config."})
public final class Main implements Callable<Integer> {

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: something configured does not work. */
  public static final int FAILURE = 1;
  /** Exit code: bad usage or a broken config. */
  public static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the command line on the process's standard output and error, without exiting.
   *
   * @param args the arguments
   * @return the exit code
   */
  public static int run(String... args) {
    Charset cs = Charset.defaultCharset();
    return run(new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true),
        new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true), args);
  }

  /**
   * Runs the command line on the given writers, without exiting; for tests and embedding.
   *
   * @param out where results go
   * @param err where errors go
   * @param args the arguments
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.getCommandSpec().exitCodeOnInvalidInput(USAGE);
    cli.getCommandSpec().exitCodeOnExecutionException(FAILURE);
    cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      PrintWriter e = cmd.getErr();
      if (ex instanceof ConfigException && ((ConfigException) ex).problems().size() > 1) {
        // Every error found, one a line in file order, so that one run is enough to fix them all.
        java.util.List<ConfigException> problems = ((ConfigException) ex).problems();
        e.println("runaway-monitor " + cmd.getCommandName() + ": " + problems.size() + " config errors, in file"
            + " order:");
        problems.forEach(p -> e.println("  " + p.getMessage()));
        e.flush();
        return USAGE;
      }
      if (ex instanceof ConfigException) {
        e.println("runaway-monitor " + cmd.getCommandName() + ": config error: " + ex.getMessage());
        e.flush();
        return USAGE;
      }
      e.println("runaway-monitor " + cmd.getCommandName() + ": failed: " + describe(ex));
      e.flush();
      return FAILURE;
    });
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static String describe(Throwable t) {
    String msg = t.getMessage();
    return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
  }

  /** Without a command: the usage on standard error, and the bad-usage exit code. */
  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    err.println("runaway-monitor: a command is required: start, check, demo, resume or stopped.");
    err.println();
    spec.commandLine().usage(err);
    return USAGE;
  }
}
