package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A clean close of a guard on the Redis ledger and the Redis fleet logs nothing at WARN or above:
 * Lettuce warned "Connection is already closed" on every shutdown, a warning a user could do
 * nothing about.
 */
final class RedisCloseLogTest {

  @Test
  void close_ofAGuardOnTheRedisLedgerAndFleet_logsNoWarning() throws Exception {
    int port = RedisSupport.port();
    for (int i = 0; i < 5; i++) {
      String prefix = "cl" + UUID.randomUUID().toString().substring(0, 8) + ":";
      RedisLedger ledger = RedisLedger.builder().port(port).keyPrefix(prefix).timeout(Duration.ofSeconds(1)).build();
      RedisFleet fleet = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("c" + i).build();
      RunawayGuard guard = RunawayGuard.builder()
          .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("10"))))
          .ledger(ledger).fleet(fleet).alertSink(a -> { }).build();
      guard.call("svc", Cost.usd("0.01"), () -> "ok");
      fleet.pollNow();
      assertThat(ledger.isAvailable()).isTrue();
      assertThat(fleet.isAvailable()).isTrue();

      int mark = LogCapture.mark();
      guard.close();
      List<String> loud = LogCapture.since(mark).stream()
          .filter(e -> e.level() == Level.WARN || e.level() == Level.ERROR)
          .filter(e -> e.logger().startsWith("io.lettuce") || e.logger().startsWith("io.netty")
              || e.logger().startsWith("dev.runaway"))
          // Not the leftovers of another test's Redis (a killed server's reconnection, logged with its address).
          .filter(e -> !e.fullText().contains("127.0.0.1:") || e.fullText().contains("127.0.0.1:" + port))
          .map(e -> e.level() + " " + e.logger() + " [" + e.thread() + "] " + e.fullText()).toList();
      assertThat(loud).as("close number %d", i).isEmpty();
    }
  }
}
