package dev.runaway.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import java.util.List;

/**
 * Creates {@link Detector}s for one {@code type} of the config's services. Discovered with
 * {@link java.util.ServiceLoader}: a custom detector is a class plus one line in
 * {@code META-INF/services/dev.runaway.monitor.DetectorProvider}.
 *
 * <p>Lifecycle: instantiated by the service loader; {@link #create} is called once per
 * configured service of its type when the monitor is built, from one thread.
 */
public interface DetectorProvider {

  /**
   * Returns the config's {@code type} this provider handles, such as {@code openai},
   * {@code github_actions}, {@code stripe}, {@code rest}.
   *
   * @return the type
   */
  String type();

  /**
   * Returns the names of the credentials the detector needs, so the monitor can report a missing
   * one by name before creating it. The default is none.
   *
   * @param settings the service's settings
   * @return environment variable names
   */
  default List<String> requiredSecrets(ServiceSettings settings) {
    return List.of();
  }

  /**
   * Checks a service's settings without its credentials. The monitor calls it, instead of
   * {@link #create}, only when a credential named by {@link #requiredSecrets} is missing, so that
   * a wrong setting is reported in the same run as the missing credential rather than only once
   * the credential is set. It must do no I/O. The default checks nothing.
   *
   * @param settings the service's settings
   * @throws dev.runaway.config.ConfigException naming the setting that is wrong
   */
  default void checkSettings(ServiceSettings settings) {}

  /**
   * Creates a detector.
   *
   * @param settings the service's settings
   * @param secrets where to find credentials
   * @return the detector
   * @throws dev.runaway.config.ConfigException if settings or credentials are missing or wrong
   */
  Detector create(ServiceSettings settings, SecretSource secrets);
}
