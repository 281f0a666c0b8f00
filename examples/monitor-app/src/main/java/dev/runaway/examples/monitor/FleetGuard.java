package dev.runaway.examples.monitor;

import dev.runaway.RunawayGuard;
import dev.runaway.config.ConfigException;
import dev.runaway.config.FleetSettings;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.redis.RedisFleet;
import java.time.Duration;
import java.util.Optional;

/**
 * Joins the monitor to a fleet-wide breaker when the config has a {@code fleet} section: a guard
 * holding one breaker per monitored service, attached to the monitor (which trips it) and to a
 * {@link RedisFleet} that only announces (the monitor never takes the applications' trips, so no
 * emergency stop fires on another's judgement).
 */
final class FleetGuard {

  private FleetGuard() {}

  /**
   * Builds the guard, or none without a {@code fleet} section.
   *
   * @param config the config
   * @param secrets where {@code fleet.redis_url_env} is looked up
   * @param instance the name shown in fleet alerts
   * @param notifier where the fleet's alerts go besides the log, or {@code null}
   * @return the guard with its fleet, or empty
   * @throws ConfigException if {@code redis_url_env} is not set
   */
  static Optional<Joined> of(MonitorConfig config, SecretSource secrets, String instance,
      dev.runaway.alert.Notifier notifier) {
    Optional<FleetSettings> fleet = config.fleet();
    if (fleet.isEmpty()) {
      return Optional.empty();
    }
    FleetSettings f = fleet.get();
    Secret url = f.url(secrets).orElseThrow(() -> new ConfigException("fleet.redis_url_env names "
        + f.redisUrlEnv() + ", which is not set (looked in: " + secrets.describe() + "); set it to the Redis URL"
        + " the applications' RedisFleet uses, e.g. redis://:password@host:6379/0"));
    RedisFleet redis = RedisFleet.builder().url(url).keyPrefix(f.keyPrefix()).instanceName(instance).follow(false)
        .build();
    // The fleet's one alert per episode goes to the log (the guard's default) and the notifier.
    RunawayGuard.Builder b = RunawayGuard.builder().fleet(redis);
    if (notifier != null) {
      b.notifier(notifier);
    }
    for (String service : config.services().keySet()) {
      b.service(service, s -> s.budgetHorizon(Duration.ZERO));
    }
    return Optional.of(new Joined(b.build(), redis));
  }

  /** The monitor's guard and its fleet. */
  record Joined(RunawayGuard guard, RedisFleet fleet) {}
}
