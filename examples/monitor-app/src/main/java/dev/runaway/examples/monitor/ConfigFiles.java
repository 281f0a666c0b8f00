package dev.runaway.examples.monitor;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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
   * Reads and validates the config.
   *
   * @throws ConfigException naming the file, the JSON path, the line and the column
   */
  MonitorConfig load() {
    if (!Files.exists(config)) {
      throw new ConfigException(config, null, 0, 0, "no such file; copy config/monitor_config.example.json to "
          + config + " and edit it, or name another file with --config", null);
    }
    return MonitorConfig.load(config);
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
    return new Credentials(SecretSource.environment(), SecretSource.dotEnv(envFile), envFile, pluggedSources());
  }

  private static List<SecretSource> pluggedSources() {
    List<SecretSourceProvider> providers = new ArrayList<>(
        Plugins.load(SecretSourceProvider.class, "secret source provider"));
    providers.sort(Comparator.comparing(p -> p.getClass().getName()));
    List<SecretSource> out = new ArrayList<>();
    for (SecretSourceProvider p : providers) {
      SecretSource s;
      try {
        s = p.create();
      } catch (RuntimeException | LinkageError e) {
        // The exception's message is not logged: a secret manager that failed may quote what it
        // was given, and no other credential source knows that value to mask it.
        LOG.warn("SecretSourceProvider {} failed to create its source ({}), which is skipped",
            p.getClass().getName(), e.getClass().getName());
        continue;
      }
      if (s == null) {
        LOG.warn("SecretSourceProvider {} returned no source (null), which is skipped", p.getClass().getName());
        continue;
      }
      out.add(s);
    }
    return out;
  }
}
