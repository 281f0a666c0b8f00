package dev.runaway.examples.monitor;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import dev.runaway.config.internal.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options naming the config file and the {@code .env} file, shared by {@code start} and {@code check}. */
final class ConfigFiles {

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
    return new Credentials(SecretSource.environment(), SecretSource.dotEnv(envFile), envFile,
        Secrets.plugged(ConfigFiles.class.getClassLoader()));
  }
}
