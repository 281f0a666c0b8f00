package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Closing a guard interrupts its fleet thread; a Redis command cut short by that interrupt is the
 * close, not an outage. Seen in a new-user trial: about one shutdown in six raised "Fleet breaker:
 * Redis unreachable" (RedisCommandInterruptedException), a WARNING alert sent to Telegram by a
 * process that was merely stopping.
 */
final class FleetCloseTest {

  @Test
  void close_whileTheFleetThreadIsInACommand_raisesNoOutageAlert() throws Exception {
    int port = RedisSupport.port();
    for (int i = 0; i < 40; i++) {
      String prefix = "fc" + UUID.randomUUID().toString().substring(0, 8) + ":";
      List<Alert> alerts = new CopyOnWriteArrayList<>();
      // A 1 ms poll keeps the fleet thread in a Redis command most of the time, where the close's
      // interrupt lands.
      RedisFleet fleet = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("c" + i)
          .pollInterval(Duration.ofMillis(1)).build();
      RunawayGuard guard = RunawayGuard.builder()
          .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("10"))))
          .fleet(fleet).alertSink(alerts::add).build();
      fleet.pollNow();
      Thread.sleep(i % 5);
      guard.close();
      assertThat(alerts).as("close number %d", i).noneMatch(a -> a.type() == AlertType.SERVICE_STATUS);
      assertThat(fleet.isAvailable()).as("close number %d", i).isTrue();
    }
  }
}
