package dev.runaway.examples.custom;

import dev.runaway.config.ServiceSettings;
import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * The {@link dev.runaway.monitor.DetectorProvider} of type {@code render_farm}: with this jar on the class path, a
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
 * {@value #DEFAULT_TOKEN_ENV}), and the keys every HTTP detector takes ({@code timeout_seconds},
 * default 30, {@code allow_insecure_http}, ...: {@link dev.runaway.providers.http.HttpDetector#COMMON_KEYS}).
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class RenderFarmDetectorProvider extends HttpDetectorProvider {

  /** The variable holding the farm's API token, unless {@code token_env} names another. */
  public static final String DEFAULT_TOKEN_ENV = "RENDER_FARM_TOKEN";

  /**
   * Creates the provider of type {@code render_farm}, which needs the token's variable (so the
   * monitor reports it by name when it is missing); called by {@link java.util.ServiceLoader}.
   */
  public RenderFarmDetectorProvider() {
    super("render_farm", settings -> List.of(tokenEnv(settings)),
        (settings, secrets) -> new RenderFarmDetector(settings, secrets.require(tokenEnv(settings))));
  }

  private static String tokenEnv(ServiceSettings settings) {
    return settings.string("token_env").orElse(DEFAULT_TOKEN_ENV);
  }
}
