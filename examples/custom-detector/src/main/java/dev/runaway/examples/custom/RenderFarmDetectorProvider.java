package dev.runaway.examples.custom;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The {@link DetectorProvider} of type {@code render_farm}: with this jar on the class path, a
 * service such as
 *
 * <pre>{@code
 * "services": {
 *   "render": {"type": "render_farm", "base_url": "https://farm.internal.example.com", "price_per_gpu_hour": 2.5}
 * }
 * }</pre>
 *
 * <p>is polled by the monitor like any built-in one. Registered in
 * {@code META-INF/services/dev.runaway.monitor.DetectorProvider}.
 *
 * <p>Settings: {@code base_url} (required: the farm's API root), {@code price_per_gpu_hour}
 * (USD, default 2.50), {@code token_env} (the variable holding the API token, default
 * {@value #DEFAULT_TOKEN_ENV}), {@code timeout_seconds} (default 30).
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class RenderFarmDetectorProvider implements DetectorProvider {

  /** The variable holding the farm's API token, unless {@code token_env} names another. */
  public static final String DEFAULT_TOKEN_ENV = "RENDER_FARM_TOKEN";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RenderFarmDetectorProvider() {}

  /** Returns {@code render_farm}. */
  @Override
  public String type() {
    return "render_farm";
  }

  /** Returns the token's variable, so the monitor reports it by name when it is missing. */
  @Override
  public List<String> requiredSecrets(ServiceSettings settings) {
    return List.of(tokenEnv(settings));
  }

  /**
   * Creates the detector of one configured service.
   *
   * @throws ConfigException naming the setting that is missing or wrong
   */
  @Override
  public Detector create(ServiceSettings settings, SecretSource secrets) {
    if (!settings.values().containsKey("base_url")) {
      throw settings.error("base_url", "is required: the render farm's API root, such as"
          + " https://farm.internal.example.com");
    }
    URI base = settings.baseUrl("https://invalid.example");
    double price = settings.nonNegative("price_per_gpu_hour", 2.50);
    double timeout = settings.nonNegative("timeout_seconds", 30);
    if (timeout < 1) {
      throw settings.error("timeout_seconds", "must be at least 1, got " + timeout);
    }
    for (String key : settings.values().keySet()) {
      if (!List.of("type", "base_url", "price_per_gpu_hour", "token_env", "timeout_seconds").contains(key)) {
        throw settings.error(key, "unknown setting; allowed: base_url, price_per_gpu_hour, token_env,"
            + " timeout_seconds");
      }
    }
    String tokenEnv = tokenEnv(settings);
    return new RenderFarmDetector(settings.name(), base, BigDecimal.valueOf(price), tokenEnv,
        secrets.require(tokenEnv), Duration.ofMillis((long) (timeout * 1000)));
  }

  private static String tokenEnv(ServiceSettings settings) {
    return settings.string("token_env").orElse(DEFAULT_TOKEN_ENV);
  }
}
