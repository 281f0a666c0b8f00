package dev.runaway.providers.stop;

import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The skeleton of an emergency action that calls the service's API with one token: its type, its
 * keys (checked with a did-you-mean through {@link Settings}), the token's variable
 * ({@code token_env} when the action allows it, else a default that may depend on the service's
 * settings) and the creation from the validated settings and the token.
 *
 * <p>Stateless and thread-safe as long as the default-variable function is.
 */
abstract class TokenActionProvider implements EmergencyActionProvider {

  private final String type;
  private final List<String> keys;
  private final Function<ServiceSettings, String> defaultTokenEnv;

  TokenActionProvider(String type, List<String> keys, Function<ServiceSettings, String> defaultTokenEnv) {
    this.type = Objects.requireNonNull(type, "type");
    this.keys = List.copyOf(keys);
    this.defaultTokenEnv = Objects.requireNonNull(defaultTokenEnv, "defaultTokenEnv");
  }

  @Override
  public final String type() {
    return type;
  }

  @Override
  public final List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
    return List.of(tokenEnv(service, action));
  }

  private String tokenEnv(ServiceSettings service, Map<String, Object> action) {
    Object v = keys.contains("token_env") ? action.get("token_env") : null;
    return v instanceof String ? (String) v : defaultTokenEnv.apply(service);
  }

  @Override
  public final EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
      SecretSource secrets) {
    Settings settings = new Settings(service, action, path, keys);
    return create(settings, secrets.require(tokenEnv(service, action)));
  }

  /**
   * Creates the action.
   *
   * @param settings the action's validated settings
   * @param token the token
   * @return the action
   */
  abstract EmergencyAction create(Settings settings, Secret token);
}
