package dev.runaway.alert.internal;

import dev.runaway.alert.LogNotifier;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import java.util.Map;

/**
 * Provides {@link LogNotifier} under the type {@code log}, which takes no settings.
 *
 * <p>Stateless and thread-safe.
 */
public final class LogNotifierProvider implements NotifierProvider {

  /** Creates the provider; called by the service loader. */
  public LogNotifierProvider() {}

  @Override
  public String type() {
    return "log";
  }

  @Override
  public Notifier create(Map<String, Object> settings, SecretSource secrets) {
    if (settings != null && !settings.isEmpty()) {
      throw new ConfigException(null, "notifications.log", 0, 0,
          "the log notifier takes no settings, got " + settings.keySet(), null);
    }
    return new LogNotifier();
  }
}
