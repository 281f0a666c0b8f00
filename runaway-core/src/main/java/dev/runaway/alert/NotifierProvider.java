package dev.runaway.alert;

import dev.runaway.config.SecretSource;
import java.util.Map;

/**
 * Creates {@link Notifier}s named in the config's {@code notifications} section. Discovered with
 * {@link java.util.ServiceLoader}: a provider is a class with a public no-argument constructor
 * plus one line in {@code META-INF/services/dev.runaway.alert.NotifierProvider}.
 *
 * <p>Lifecycle: instantiated by the service loader; {@link #create} is called once for each
 * configured notifier of its {@link #type()}, from one thread.
 */
public interface NotifierProvider {

  /**
   * Returns the key under {@code notifications} this provider handles, such as {@code telegram}.
   *
   * @return the type
   */
  String type();

  /**
   * Creates a notifier.
   *
   * @param settings the notifier's settings from the config (may be empty)
   * @param secrets where to find credentials
   * @return the notifier
   * @throws dev.runaway.config.ConfigException if settings or credentials are missing or wrong
   */
  Notifier create(Map<String, Object> settings, SecretSource secrets);
}
