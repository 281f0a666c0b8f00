package dev.runaway.examples.monitor;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import dev.runaway.config.internal.ConfigReading;
import dev.runaway.config.internal.Secrets;
import dev.runaway.monitor.RunawayMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The options naming the config file and the {@code .env} file, shared by {@code start} and {@code check}. */
final class ConfigFiles {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigFiles.class);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "config/monitor_config.json",
      description = "The monitor config: monitoring_interval, cost_thresholds, usage_spike_multiplier,"
          + " circuit_breaker, services, notifications, state_dir (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = {"-e", "--env"}, paramLabel = "FILE", defaultValue = ".env",
      description = "Credentials such as OPENAI_ADMIN_KEY and TELEGRAM_BOT_TOKEN, read after the environment;"
          + " a missing file is fine (default: ${DEFAULT-VALUE}).")
  Path envFile;

  /**
   * Reads and validates the config. When it has errors, the settings of its valid services and
   * notifiers are checked by their providers too, so that one run names every error it can find.
   *
   * @throws ConfigException naming the file, the JSON path, the line and the column of every
   *     error found, in file order
   */
  MonitorConfig load() {
    if (!Files.exists(config)) {
      // The example is in the project's folder; the jar run from elsewhere has none to copy (nu42 trial).
      Path example = Path.of("config", "monitor_config.example.json");
      throw new ConfigException(config, null, 0, 0, "no such file (looked for " + config.toAbsolutePath() + "); "
          + (Files.isRegularFile(example) ? "copy " + example + " to " + config + " and edit it"
              : "create it: {} is a valid config (every key is optional), and the project's " + example
                  + " shows every setting")
          + ", or name another file with --config", null);
    }
    ConfigReading.Outcome read = ConfigReading.readAll(config);
    if (read.problems().isEmpty()) {
      return read.config();
    }
    List<ConfigException> problems = new ArrayList<>(read.problems());
    if (read.config() != null) {
      problems.addAll(providerProblems(read.config()));
    }
    throw all(problems);
  }

  /**
   * The problems the providers find in the settings of a config's valid sections: a monitor is
   * built (no poll, no state kept, no stop taken, no alert sent) and closed, and the notifiers are
   * created and closed. A missing credential is no config error here, as it is none for a valid
   * config: {@code check} lists it in its table.
   */
  private List<ConfigException> providerProblems(MonitorConfig valid) {
    Credentials credentials;
    try {
      credentials = credentials();
    } catch (ConfigException e) {
      return e.problems(); // a malformed .env: named beside the config's errors
    }
    List<ConfigException> found = new ArrayList<>();
    try {
      // alertSink: the notifiers are checked below, where a missing credential is told from a
      // wrong setting (the core's notifier loader takes both for config errors).
      RunawayMonitor.builder().config(valid).secrets(credentials.source()).alertSink(a -> { })
          .keepBaselines(false).dryRunStops(true).build().close();
    } catch (ConfigException e) {
      found.addAll(e.problems());
    } catch (RuntimeException e) {
      LOG.debug("The providers' settings could not be checked beside the config's errors", e);
    }
    return withNotifierProblems(found, valid, credentials);
  }

  /**
   * Returns {@code problems} with those of the notifiers' settings added; a notifier whose
   * credential is missing adds none.
   */
  static List<ConfigException> withNotifierProblems(List<ConfigException> problems, MonitorConfig config,
      Credentials credentials) {
    List<ConfigException> all = new ArrayList<>(problems);
    try {
      ConfiguredNotifiers.closeAll(ConfiguredNotifiers.create(config, credentials));
    } catch (ConfigException e) {
      all.addAll(e.problems());
    } catch (RuntimeException e) {
      LOG.debug("The notifiers' settings could not be checked beside the config's errors", e);
    }
    return all;
  }

  /** One exception for every problem: the problem itself when there is one. */
  static ConfigException all(List<ConfigException> problems) {
    return problems.size() == 1 ? problems.get(0) : new ConfigException(problems);
  }

  /**
   * Returns where credentials are found: the environment, then the {@code .env} file, then the
   * source of every {@link SecretSourceProvider} on the class path (in class-name order), as
   * {@link SecretSource#defaults()} does for an embedded monitor. A provider that cannot be
   * loaded, throws from {@code create()} or returns {@code null} is reported at WARN and skipped.
   *
   * @throws ConfigException if the {@code .env} file is malformed (naming its line, never its value)
   */
  Credentials credentials() {
    return new Credentials(SecretSource.environment(), SecretSource.dotEnv(envFile), envFile,
        Secrets.plugged(ConfigFiles.class.getClassLoader()));
  }
}
