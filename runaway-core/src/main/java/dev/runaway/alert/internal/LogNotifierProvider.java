package dev.runaway.alert.internal;

import dev.runaway.alert.LogNotifier;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;

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
  public Notifier create(SettingsReader settings, SecretSource secrets) {
    if (!settings.keys().isEmpty()) {
      throw settings.error("the log notifier takes no settings, got " + settings.keys());
    }
    return new LogNotifier();
  }
}
