package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.LedgerUnavailableException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Redis restarts (killed, then started again on the same port, empty): the ledger admits calls
 * through Redis again at its first probe after Redis is back, and the fleet shares breakers again
 * at its first poll, as the docs promise (probe and poll every second by default). They used to
 * wait for Lettuce's own reconnection, whose delay doubles while Redis is away (up to 30 s): after
 * a 5 s outage, 4.1 to 4.5 s passed between Redis answering again and the first call admitted (the
 * fleet: 4.8 s), after a 10 s one about 8 s.
 */
final class RedisRestartTest {

  private static final Duration OUTAGE = Duration.ofSeconds(5);
  /** The promise is one probe (1 s); the rest is room for a loaded machine. */
  private static final Duration BACK_WITHIN = Duration.ofMillis(2_000);
  private static final Cost CALL = Cost.usd("0.001");

  @Test
  void restart_callsAreAdmittedThroughRedisAgainAtTheFirstProbe_andTheFleetAtItsFirstPoll() throws Exception {
    String prefix = "rr" + UUID.randomUUID().toString().substring(0, 8) + ":";
    RedisSupport.OwnServer first = new RedisSupport.OwnServer();
    int port = first.port;
    ManualTicker ticker = ManualTicker.startingAt(Instant.now());
    ManualScheduler scheduler = ManualScheduler.executingInline(ticker);
    // Leases off: every call asks Redis, so an admitted call is one Redis answered.
    RunawayGuard manual = RunawayGuard.builder().ticker(ticker).alertSink(a -> { })
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("10"))))
        .ledger(RedisLedger.builder().port(port).keyPrefix(prefix + "m").leaseSize(Cost.ZERO)
            .timeout(Duration.ofSeconds(1)).ticker(ticker).scheduler(scheduler).build())
        .build();
    // Not called during the outage: its ledger never learns Redis was away, until a call would.
    RunawayGuard idle = RunawayGuard.builder().ticker(ticker).alertSink(a -> { })
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("10"))))
        .ledger(RedisLedger.builder().port(port).keyPrefix(prefix + "i").leaseSize(Cost.ZERO)
            .timeout(Duration.ofSeconds(1)).ticker(ticker).scheduler(scheduler).build())
        .build();
    RedisLedger ledger = RedisLedger.builder().port(port).keyPrefix(prefix + "r").leaseSize(Cost.ZERO)
        .timeout(Duration.ofSeconds(1)).build();
    RedisFleet fleet = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("r").build();
    RunawayGuard real = RunawayGuard.builder().alertSink(a -> { })
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("10"))))
        .ledger(ledger).fleet(fleet).build();
    RedisSupport.OwnServer second = null;
    try {
      manual.call("svc", CALL, () -> "ok");
      idle.call("svc", CALL, () -> "ok");
      real.call("svc", CALL, () -> "ok");
      fleet.pollNow();
      assertThat(fleet.isAvailable()).isTrue();

      first.kill();
      long killed = System.nanoTime();
      assertThatThrownBy(() -> manual.call("svc", CALL, () -> "ok")).isInstanceOf(LedgerUnavailableException.class);
      assertThatThrownBy(() -> real.call("svc", CALL, () -> "ok")).isInstanceOf(LedgerUnavailableException.class);
      fleet.pollNow();
      assertThat(fleet.isAvailable()).isFalse();
      // The outage itself lasts a few seconds of real time: Lettuce's reconnection backs off in
      // real time, not on the guard's ticker, and a restart takes that long in production.
      while (System.nanoTime() - killed < OUTAGE.toNanos()) {
        first.process.waitFor(OUTAGE.toNanos() - (System.nanoTime() - killed), TimeUnit.NANOSECONDS);
      }

      second = new RedisSupport.OwnServer(port);
      long back = System.nanoTime(); // the new server answers PING from here on

      scheduler.runPeriodic(); // the first probe after Redis is back
      manual.call("svc", CALL, () -> "ok");
      idle.call("svc", CALL, () -> "ok"); // its lost connection was replaced by the probe too

      // Real time, bounded: the ledger's own scheduler probes and the fleet thread polls every
      // second; this waits for those real network events, measuring when they happened.
      long admittedAfter = -1;
      long fleetAfter = -1;
      while ((admittedAfter < 0 || fleetAfter < 0) && System.nanoTime() - back < TimeUnit.SECONDS.toNanos(40)) {
        if (admittedAfter < 0) {
          try {
            real.call("svc", CALL, () -> "ok");
            admittedAfter = System.nanoTime() - back;
          } catch (LedgerUnavailableException stillDown) {
            // not yet
          }
        }
        if (fleetAfter < 0 && fleet.isAvailable()) {
          fleetAfter = System.nanoTime() - back;
        }
        second.process.waitFor(5, TimeUnit.MILLISECONDS);
      }
      System.err.printf("Redis back after a %d s outage: first call admitted after %d ms, fleet after %d ms%n",
          OUTAGE.toSeconds(), admittedAfter / 1_000_000, fleetAfter / 1_000_000);
      assertThat(admittedAfter).as("ns from Redis back to the first admitted call").isBetween(0L, BACK_WITHIN.toNanos());
      assertThat(fleetAfter).as("ns from Redis back to the fleet available").isBetween(0L, BACK_WITHIN.toNanos());
    } finally {
      manual.close();
      idle.close();
      real.close();
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }
}
