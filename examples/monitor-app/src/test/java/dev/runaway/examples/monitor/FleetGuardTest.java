package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The monitor's {@code fleet} section becomes a guard joined to a RedisFleet, or a clear error. */
final class FleetGuardTest {

  @Test
  void noFleetSection_noGuard() {
    assertThat(FleetGuard.of(MonitorConfig.parse("{}"), SecretSource.of(Map.of()), "m", null)).isEmpty();
  }

  @Test
  void unsetUrlVariable_isAConfigErrorNamingIt() {
    MonitorConfig config = MonitorConfig.parse("{\"cost_thresholds\": {\"openai\": {\"hourly\": 1.0}},"
        + " \"fleet\": {\"redis_url_env\": \"RUNAWAY_FLEET_REDIS_URL\"}}");
    assertThatThrownBy(() -> FleetGuard.of(config, SecretSource.of(Map.of()), "m", null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("RUNAWAY_FLEET_REDIS_URL");
  }

  @Test
  void fleetSection_givesABreakerPerMonitoredService() {
    MonitorConfig config = MonitorConfig.parse("{\"cost_thresholds\": {\"openai\": {\"hourly\": 1.0}},"
        + " \"fleet\": {\"redis_url_env\": \"FLEET\", \"key_prefix\": \"app:\"}}");
    // An unreachable loopback port: the guard is built all the same, and Redis is retried.
    FleetGuard.Joined j = FleetGuard.of(config, SecretSource.of(Map.of("FLEET", "redis://:pw@127.0.0.1:1/0")), "m",
        null).orElseThrow();
    try {
      assertThat(j.guard().services()).containsExactly("openai");
      assertThat(j.guard().breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(j.fleet().toString()).contains("app:").doesNotContain("pw");
    } finally {
      j.guard().close();
    }
  }
}
