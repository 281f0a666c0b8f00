package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Cost;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The builders name the field, the rule and the value they refused; no Redis needed. */
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

  /** The connection setters both builders have, so that one case runs against each. */
  private record Connection(IntConsumer port, Consumer<String> host, IntConsumer database, Consumer<Duration> timeout) {
    static Connection of(RedisLedger.Builder b) {
      return new Connection(b::port, b::host, b::database, b::timeout);
    }

    static Connection of(RedisFleet.Builder b) {
      return new Connection(b::port, b::host, b::database, b::timeout);
    }
  }

  static Stream<Arguments> invalidConnection() {
    return Stream.of(
        Arguments.of((Consumer<Connection>) c -> c.port().accept(0), "port must be from 1 to 65535, got 0"),
        Arguments.of((Consumer<Connection>) c -> c.port().accept(65536), "port must be from 1 to 65535, got 65536"),
        Arguments.of((Consumer<Connection>) c -> c.host().accept(" "), "host must not be blank"),
        Arguments.of((Consumer<Connection>) c -> c.database().accept(-2), "database must not be negative, got -2"),
        Arguments.of((Consumer<Connection>) c -> c.timeout().accept(Duration.ofMillis(-5)),
            "timeout must be positive, got PT-0.005S"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalidConnection")
  void ledgerAndFleetBuilders_refuseTheSameConnectionSettingsWithTheSameMessage(Consumer<Connection> setting,
      String message) {
    assertThatThrownBy(() -> setting.accept(Connection.of(RedisLedger.builder())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    assertThatThrownBy(() -> setting.accept(Connection.of(RedisFleet.builder())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  void builder_rejectsInvalidSettingsWithAPreciseMessage(Consumer<RedisLedger.Builder> setting, String message) {
    assertThatThrownBy(() -> setting.accept(RedisLedger.builder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
  }
}
