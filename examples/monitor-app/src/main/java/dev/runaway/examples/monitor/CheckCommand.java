package dev.runaway.examples.monitor;

import dev.runaway.alert.Alert;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import dev.runaway.monitor.internal.MonitorHooks;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code runaway-monitor check}: the seed's test setup. Validates the config, reports every
 * credential found or missing by variable name (never a value), polls each service once, and
 * sends a test alert through each configured notifier.
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Test the setup: config, credentials, one poll per service, a test alert.",
    description = {
        "Test the setup: validate the config, report every credential found or missing (by variable name, never"
            + " its value), poll each service's usage API once, and send a test alert through each configured"
            + " notifier (Telegram: the bot token with getMe, then a test message to TELEGRAM_CHANNEL_ID).",
        "Alerts raised by the test poll are printed, not sent."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:everything configured works", "1:a credential is missing, or a service or notifier failed"
        + " (each is named)", "2:bad usage or a broken config (file, JSON path and line on stderr)"})
final class CheckCommand implements Callable<Integer> {

  @Mixin
  ConfigFiles files;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "How long one poll or test alert may take (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (timeoutSeconds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be 1 or more, got "
          + timeoutSeconds);
    }
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    MonitorConfig config = files.load();

    Credentials credentials = files.credentials();
    List<Alert> raised = new CopyOnWriteArrayList<>();
    List<String> problems = new ArrayList<>();
    List<ConfiguredNotifiers.Entry> notifiers = List.of();
    RunawayMonitor built;
    try {
      built = RunawayMonitor.builder()
          .config(config)
          .secrets(credentials.source())
          .providers(RecordingProviders.load(credentials))
          .actionProviders(RecordingProviders.actions(credentials))
          .alertSink(raised::add)
          .pollTimeout(timeout)
          .minPollSpacing(Duration.ZERO)
          .keepBaselines(false) // a one-off poll: leave state_dir to the running monitor
          .dryRunStops(true) // a check never stops anything: on_runaway only says what it would do
          .build();
    } catch (ConfigException e) {
      // The services' settings are wrong: the notifiers' are checked too, so one run names all.
      throw ConfigFiles.all(ConfigFiles.withNotifierProblems(e.problems(), config, credentials));
    }
    // Its table shows the services it cannot poll: no WARN saying so in the middle of it.
    MonitorHooks.skippedServicesShownByCaller(built);
    try (RunawayMonitor monitor = built) {
      // Only now is the config known to be valid: building the monitor checks every provider's
      // settings, and creating the notifiers checks theirs; a ConfigException from either must not
      // follow a line saying "valid".
      notifiers = ConfiguredNotifiers.create(config, credentials);
      out.printf(Locale.ROOT, "Config %s: valid; %d service%s, monitoring_interval %d s, notifications: %s%n",
          files.config, config.services().size(), config.services().size() == 1 ? "" : "s",
          config.monitoringInterval().toSeconds(),
          config.notifications().isEmpty() ? "none (alerts go to the log)" : String.join(", ",
              config.notifications().keySet()));
      config.warnings().forEach(w -> out.println("  warning: " + w));

      out.println();
      out.println("Credentials (looked for in " + credentials.describe() + "):");
      List<Credentials.Lookup> lookups = credentials.lookups();
      if (lookups.isEmpty()) {
        out.println("  none needed");
      }
      int ownerWidth = 0;
      int nameWidth = 0;
      for (Credentials.Lookup l : lookups) {
        ownerWidth = Math.max(ownerWidth, l.owner().length());
        nameWidth = Math.max(nameWidth, l.name().length());
      }
      for (Credentials.Lookup l : lookups) {
        out.printf(Locale.ROOT, "  %-" + ownerWidth + "s  %-" + nameWidth + "s  %s%n", l.owner(), l.name(),
            l.found() ? "found (" + l.foundIn() + ")" : needed(l, monitor.status(), notifiers) ? "MISSING"
                : "not set (not needed)");
      }

      out.println();
      out.println("Services (one poll each):");
      Map<String, UsageReport> reports = monitor.pollOnce();
      for (MonitorStatus s : monitor.status().values()) {
        UsageReport r = reports.get(s.service());
        String line;
        if (r != null) {
          line = "OK      " + describe(r);
        } else if (s.health() == MonitorStatus.Health.SKIPPED) {
          line = "SKIPPED " + s.lastError();
          problems.add(problem(s.service(), s.lastError()));
        } else {
          String why = s.lastError() != null ? s.lastError() : "no report (" + s.health() + ")";
          line = "FAILED  " + why;
          problems.add(problem(s.service(), why));
        }
        out.printf(Locale.ROOT, "  %-20s %-14s %s%n", s.service(), s.type(), line);
      }
      if (monitor.status().isEmpty()) {
        out.println("  none configured");
      }
      for (Alert a : raised) {
        out.printf(Locale.ROOT, "  alert raised by the poll (not sent): %s %s %s: %s%n", a.severity(), a.type(),
            a.service(), a.title());
      }

      config.stateDir().map(CheckCommand::stateDirProblem).ifPresent(why -> problems.add(config.locate(
          new ConfigException(config.file().orElse(null), "state_dir", 0, 0, why, null)).getMessage()));

      out.println();
      out.println("Notifiers (one test alert each):");
      if (notifiers.isEmpty()) {
        out.println("  none configured: alerts go to the log. Add \"notifications\": {\"telegram\": {}} and set"
            + " TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL_ID to get them on Telegram.");
      }
      for (ConfiguredNotifiers.Entry n : notifiers) {
        String line;
        if (n.notifier() == null) {
          line = "SKIPPED " + n.problem();
          problems.add(ConfiguredNotifiers.owner(n.type()) + ": " + n.problem());
        } else {
          ConfiguredNotifiers.TestResult t = ConfiguredNotifiers.test(n.notifier(), timeout);
          // A notifier of your own may quote its credential when it fails, as the monitor's own
          // delivery errors are masked.
          String detail = credentials.redact(t.detail());
          line = (t.ok() ? "OK      " : "FAILED  ") + detail;
          if (!t.ok()) {
            problems.add(ConfiguredNotifiers.owner(n.type()) + ": " + detail);
          }
        }
        out.printf(Locale.ROOT, "  %-20s %s%n", n.type(), line);
      }
    } finally {
      ConfiguredNotifiers.closeAll(notifiers);
    }

    out.println();
    if (problems.isEmpty()) {
      out.println("Everything configured works.");
      out.flush();
      return Main.OK;
    }
    out.println(problems.size() + (problems.size() == 1 ? " problem:" : " problems:"));
    problems.forEach(p -> out.println("  " + p));
    out.flush();
    return Main.FAILURE;
  }

  /**
   * Tells why the monitor could not keep its state in {@code dir}, or {@code null} when it can:
   * {@code start} then keeps spend and baselines in memory only, with one WARN, so a check that
   * passed would hide that they are lost at every restart.
   */
  static String stateDirProblem(Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    String lost = ": spend and learned baselines would be kept in memory only and lost at every restart";
    if (existing == null) {
      return dir + " cannot be created (no part of the path exists)" + lost;
    }
    if (!Files.isDirectory(existing)) {
      return (existing.equals(dir.toAbsolutePath()) ? dir + " is a file, not a folder"
          : dir + " cannot be created: " + existing + " is a file, not a folder") + lost
          + "; name a folder, such as \"state\" (resolved against the config file's folder)";
    }
    if (!Files.isWritable(existing)) {
      return (existing.equals(dir.toAbsolutePath()) ? dir + " is not writable"
          : dir + " cannot be created: " + existing + " is not writable") + lost
          + "; give the monitor's user write access or name another folder";
    }
    return null;
  }

  /**
   * Whether a credential looked for and not found is needed: a provider that accepts either of two
   * credentials (MongoDB Atlas: an API key or a service account) looks for both, and a detector or
   * notifier that was created did without what it did not find. Listing those as MISSING told an
   * API-key user to set a service account too (nu42 trial).
   */
  private static boolean needed(Credentials.Lookup l, Map<String, MonitorStatus> status,
      List<ConfiguredNotifiers.Entry> notifiers) {
    MonitorStatus s = status.get(l.owner());
    if (s != null) {
      if (s.health() != MonitorStatus.Health.SKIPPED) {
        return false;
      }
      String why = s.lastError() == null ? "" : s.lastError();
      return !why.startsWith("missing credential") || why.contains(l.name());
    }
    for (ConfiguredNotifiers.Entry n : notifiers) {
      if (ConfiguredNotifiers.owner(n.type()).equals(l.owner())) {
        return n.problem() != null && n.problem().contains(l.name());
      }
    }
    return true;
  }

  /** Names the service once, also when the message already starts with it. */
  private static String problem(String service, String message) {
    return message.startsWith(service + ":") ? message : service + ": " + message;
  }

  private static String describe(UsageReport r) {
    StringBuilder sb = new StringBuilder();
    sb.append(r.cost()).append(" from ").append(r.from().truncatedTo(ChronoUnit.SECONDS)).append(" to ")
        .append(r.to().truncatedTo(ChronoUnit.SECONDS));
    List<String> units = new ArrayList<>();
    r.units().forEach((k, v) -> {
      if (units.size() < 4) {
        units.add(k + "=" + (v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) (double) v)
            : String.format(Locale.ROOT, "%.3f", v)));
      }
    });
    if (!units.isEmpty()) {
      sb.append(" (").append(String.join(", ", units)).append(')');
    }
    return sb.toString();
  }
}
