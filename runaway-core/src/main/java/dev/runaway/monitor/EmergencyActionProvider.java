package dev.runaway.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import java.util.List;
import java.util.Map;

/**
 * Creates {@link EmergencyAction}s of one {@code type} (the {@code type} of an entry of
 * {@code services.<name>.on_runaway.actions}, such as {@code github_disable_workflow},
 * {@code webhook} or {@code command}). Discovered with {@link java.util.ServiceLoader}: a custom
 * action is a class plus one line in
 * {@code META-INF/services/dev.runaway.monitor.EmergencyActionProvider}.
 *
 * <p>Lifecycle: instantiated by the service loader; {@link #create} is called once per configured
 * action when the monitor is built, from one thread.
 */
public interface EmergencyActionProvider {

  /**
   * Returns the action type this provider handles.
   *
   * @return the type
   */
  String type();

  /**
   * Returns the names of the credentials the action needs; a missing one fails the monitor's
   * build, naming it. The default is none.
   *
   * @param service the settings of the service the action stops ({@code base_url}, ...)
   * @param action the action's own settings
   * @return environment variable names
   */
  default List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
    return List.of();
  }

  /**
   * Creates an action.
   *
   * @param service the settings of the service the action stops; its
   *     {@link ServiceSettings#error} locates errors in the config
   * @param action the action's own settings (JSON-like values), {@code type} included
   * @param path the JSON path of the action, such as {@code on_runaway.actions[0]}, relative to
   *     the service, for {@link ServiceSettings#error}
   * @param secrets where to find credentials
   * @return the action
   * @throws dev.runaway.config.ConfigException if settings or credentials are missing or wrong
   */
  EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path, SecretSource secrets);
}
