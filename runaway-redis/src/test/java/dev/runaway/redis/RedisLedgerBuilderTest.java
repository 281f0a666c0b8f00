package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Cost;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The builder names the field, the rule and the value it refused; no Redis needed. */
final class RedisLedgerBuilderTest {

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.port(0), "port must be from 1 to 65535, got 0"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.port(70000), "port must be from 1 to 65535, got 70000"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.host(" "), "host must not be blank"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.database(-1), "database must not be negative, got -1"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.keyPrefix(""), "keyPrefix must not be blank"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.leaseSize(Cost.usd("-1")),
            "leaseSize must not be negative, got"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.leaseFraction(0.7),
            "leaseFraction must be from 0 to 0.5, got 0.7"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.leaseFraction(Double.NaN),
            "leaseFraction must be from 0 to 0.5, got NaN"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.timeout(Duration.ZERO), "timeout must be positive, got PT0S"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.leaseTtl(Duration.ofSeconds(-1)),
            "leaseTtl must be positive, got PT-1S"),
        Arguments.of((Consumer<RedisLedger.Builder>) b -> b.probeInterval(Duration.ZERO),
            "probeInterval must be positive, got PT0S"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  void builder_rejectsInvalidSettingsWithAPreciseMessage(Consumer<RedisLedger.Builder> setting, String message) {
    assertThatThrownBy(() -> setting.accept(RedisLedger.builder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
  }
}
