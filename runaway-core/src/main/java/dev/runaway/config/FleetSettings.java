package dev.runaway.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The config's {@code fleet} section: how the standalone monitor joins a fleet-wide breaker on
 * Redis (see {@code dev.runaway.redis.RedisFleet}), so that its trips open the breakers of every
 * application instance sharing that Redis and its {@code resume} closes them.
 *
 * <pre>{@code
 * "fleet": {"redis_url": "redis://127.0.0.1:6379/0", "key_prefix": "myapp:"}
 * "fleet": {"redis_url_env": "RUNAWAY_FLEET_REDIS_URL"}     // a URL with a password: from the environment
 * }</pre>
 *
 * <p>{@code redis_url} may not hold a password (the file is not a secret store); a URL with one is
 * given through the variable named by {@code redis_url_env}, read from the monitor's
 * {@link SecretSource}. {@code key_prefix} defaults to {@code runaway:}, the applications'
 * default. Immutable.
 *
 * @param redisUrl the URL written in the file, or {@code null}
 * @param redisUrlEnv the variable holding the URL, or {@code null}
 * @param keyPrefix the fleet's key prefix
 */
public record FleetSettings(String redisUrl, String redisUrlEnv, String keyPrefix) {

  /** The default {@code key_prefix}, that of {@code RedisFleet.builder()}. */
  public static final String DEFAULT_KEY_PREFIX = "runaway:";

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException unless exactly one of the URL and its variable is given
   */
  public FleetSettings {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if ((redisUrl == null) == (redisUrlEnv == null)) {
      throw new IllegalArgumentException("fleet needs exactly one of redis_url and redis_url_env");
    }
  }

  /**
   * Finds the Redis URL: the one in the file, or the secret named by {@code redis_url_env}.
   *
   * @param secrets where the variable is looked up
   * @return the URL as a secret (it may hold a password), or empty when the variable is not set
   */
  public Optional<Secret> url(SecretSource secrets) {
    if (redisUrl != null) {
      return Optional.of(Secret.of("fleet.redis_url", redisUrl));
    }
    return secrets.get(redisUrlEnv);
  }

  @Override
  public String toString() {
    return "FleetSettings[" + (redisUrl != null ? "redis_url=" + redisUrl : "redis_url_env=" + redisUrlEnv)
        + ", keyPrefix=" + keyPrefix + "]";
  }
}
