package dev.runaway.examples.monitor;

import dev.runaway.Ticker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code runaway-monitor start}: polls every configured service each {@code monitoring_interval}
 * until stopped, printing a status table after each round. Ctrl-C or SIGTERM closes the monitor
 * through a shutdown hook: running polls are interrupted and pending alerts delivered within a bound.
 */
@Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Start monitoring until Ctrl-C: one round every monitoring_interval.",
    description = {
        "Start monitoring (the seed's monitor.py --start): every monitoring_interval, poll the usage and billing"
            + " API of each service in the config, check the spend against its cost_thresholds and the usage"
            + " against its baseline, send alerts, and print a status table. Runs until Ctrl-C or SIGTERM.",
        "A service whose credentials are missing is reported by variable name and skipped; the others are"
            + " monitored."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped cleanly", "1:no configured service can be monitored",
        "2:bad usage or a broken config (file, JSON path and line on stderr)"})
final class StartCommand implements Callable<Integer> {

  @Mixin
  ConfigFiles files;

  @Option(names = "--rounds", paramLabel = "N",
      description = "Stop after N rounds instead of running until stopped (for a smoke test or a cron job).")
  Integer rounds;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (rounds != null && rounds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be 1 or more, got " + rounds);
    }
    MonitorConfig config = files.load();
    config.warnings().forEach(w -> err.println("warning: " + w));
    if (config.services().isEmpty()) {
      err.println("runaway-monitor start: " + files.config + " names no service to monitor; add some under"
          + " \"services\" or \"cost_thresholds\" (see config/monitor_config.example.json).");
      return Main.USAGE;
    }
    Credentials credentials = files.credentials();
    RunawayMonitor monitor = RunawayMonitor.builder().config(config).secrets(credentials.source()).build();

    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      monitor.close();
      try {
        finished.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "runaway-monitor-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      List<String> skipped = new ArrayList<>();
      for (MonitorStatus s : monitor.status().values()) {
        if (s.health() == MonitorStatus.Health.SKIPPED) {
          skipped.add(s.service() + " (" + s.lastError() + ")");
        }
      }
      if (monitor.services().isEmpty()) {
        err.println("runaway-monitor start: no configured service can be monitored: " + String.join("; ", skipped)
            + ". Run 'runaway-monitor check' for the details.");
        return Main.FAILURE;
      }
      out.printf(Locale.ROOT, "Monitoring %s every %d s. Stop with Ctrl-C.%n", String.join(", ", monitor.services()),
          config.monitoringInterval().toSeconds());
      if (!skipped.isEmpty()) {
        out.println("Not monitored: " + String.join("; ", skipped));
      }
      out.flush();
      int round = 0;
      do {
        try {
          monitor.pollOnce();
        } catch (IllegalStateException e) {
          break; // closed by the shutdown hook while polling
        }
        round++;
        if (stop.getCount() > 0) {
          StatusTable.print(out, monitor, Ticker.system().instant(), round);
          monitor.stopped().values().forEach(s -> out.printf(Locale.ROOT,
              "STOPPED %s since %s: %s (undo: runaway-monitor resume %s)%n", s.service(), s.since(),
              String.join("; ", s.actions()), s.service()));
        }
        if (rounds != null && round >= rounds) {
          break;
        }
      } while (!stop.await(config.monitoringInterval().toMillis(), TimeUnit.MILLISECONDS));
      out.println(stop.getCount() == 0 ? "Stopped." : "Stopped after " + round + " round" + (round == 1 ? "." : "s."));
      out.flush();
      return Main.OK;
    } finally {
      monitor.close();
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down: the hook is running.
      }
    }
  }
}
