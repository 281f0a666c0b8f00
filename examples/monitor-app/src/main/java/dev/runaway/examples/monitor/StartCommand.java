package dev.runaway.examples.monitor;

import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.examples.monitor.web.AlertLog;
import dev.runaway.examples.monitor.web.StatusHistory;
import dev.runaway.examples.monitor.web.StatusServer;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.runaway.config.MonitorConfig;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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

  /** The environment variable holding the status page's bearer token. */
  static final String TOKEN_VARIABLE = "RUNAWAY_MONITOR_TOKEN";

  @Mixin
  ConfigFiles files;

  @Option(names = "--rounds", paramLabel = "N",
      description = "Stop after N rounds instead of running until stopped (for a smoke test or a cron job).")
  Integer rounds;

  @Option(names = "--http", paramLabel = "[HOST:]PORT",
      description = "Also serve a status page (burn rate vs baseline over 24 h, budgets, breakers, alerts),"
          + " /api/status (JSON) and /metrics (Prometheus) on this address; HOST defaults to 127.0.0.1."
          + " Set RUNAWAY_MONITOR_TOKEN to require 'Authorization: Bearer <token>' (a browser opens /?token=<token>).")
  String http;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private InetSocketAddress httpAddress(String spec) {
    int colon = spec.lastIndexOf(':');
    String host = colon < 0 ? "127.0.0.1" : spec.substring(0, colon);
    String port = colon < 0 ? spec : spec.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, p);
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(spec().commandLine(),
          "--http must be [HOST:]PORT with PORT 0-65535, got '" + spec + "'");
    }
  }

  private CommandLine.Model.CommandSpec spec() {
    return spec;
  }

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
    AlertLog alertLog = new AlertLog();
    StatusHistory history = new StatusHistory();
    InetSocketAddress httpAddress = http == null ? null : httpAddress(http);
    RunawayMonitor.Builder mb = RunawayMonitor.builder().config(config).secrets(credentials.source())
        .notifier(alertLog);
    // The fleet's alerts go through the monitor's alerting: Telegram and the status page, as its own.
    Optional<FleetGuard.Joined> fleet = FleetGuard.of(config, credentials.source(), "runaway-monitor", mb.relay());
    fleet.ifPresent(f -> mb.guard(f.guard()));
    RunawayMonitor monitor = closeGuardWith(mb, fleet);
    // The fleet's guard first: closing it delivers its last alerts through the monitor's alerting,
    // which must still be open. Both closes are idempotent (the shutdown hook and finally both run).
    Runnable closeAll = () -> {
      try {
        fleet.ifPresent(f -> f.guard().close());
      } finally {
        monitor.close();
      }
    };
    StatusServer web = null;
    if (httpAddress != null) {
      String token = System.getenv(TOKEN_VARIABLE);
      if (token != null && token.isBlank()) {
        token = null;
      }
      if (token == null && !httpAddress.getAddress().isLoopbackAddress()) {
        err.println("warning: --http " + http + " is reachable from other hosts and " + TOKEN_VARIABLE
            + " is not set: anyone who can reach it sees your spend.");
      }
      try {
        web = StatusServer.start(httpAddress, token, monitor, history, alertLog, config.usageSpikeMultiplier(),
            config.circuitBreaker().thresholdMultiplier(), Ticker.system());
      } catch (java.io.IOException e) {
        closeAll.run();
        err.println("runaway-monitor start: cannot serve on " + http + ": " + e.getMessage());
        return Main.FAILURE;
      }
      out.printf(Locale.ROOT, "Status page on http://%s:%d/%s%n", httpAddress.getHostString(), web.address().getPort(),
          token == null ? "" : " (bearer token required)");
    }
    StatusServer webServer = web;

    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      closeAll.run();
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
          Map<String, ServiceSnapshot> snaps = new LinkedHashMap<>();
          for (String service : monitor.services()) {
            snaps.put(service, monitor.snapshot(service));
          }
          history.record(snaps, Ticker.system().instant());
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
      if (webServer != null) {
        webServer.close();
      }
      closeAll.run();
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down: the hook is running.
      }
    }
  }

  /** Builds the monitor, closing the fleet's guard if that fails (the caller closes both otherwise). */
  private static RunawayMonitor closeGuardWith(RunawayMonitor.Builder b, Optional<FleetGuard.Joined> fleet) {
    try {
      return b.build();
    } catch (RuntimeException e) {
      fleet.ifPresent(f -> f.guard().close());
      throw e;
    }
  }
}
