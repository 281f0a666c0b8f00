package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.LedgerUnavailableException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Redis stops in the middle of a run (killed: connection refused; or paused with SIGSTOP: no
 * answer at all): every call returns within the timeout, in the configured failure mode, and a
 * paused Redis that comes back is charged what was spent meanwhile.
 */
final class RedisOutageTest {

  /** Roomy for a loaded CI machine before the outage; the bound below is what matters. */
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  /** No call may take longer: the timeout once (marking Redis down), with room for a loaded machine. */
  private static final Duration NO_HANG = Duration.ofSeconds(3);
  private static final Cost LEASE = Cost.usd("0.01");
  private static final Cost CALL = Cost.usd("0.001");

  @ParameterizedTest(name = "{0} when Redis is {1}")
  @CsvSource({"FAIL_CLOSED, KILL", "FAIL_CLOSED, STOP", "FAIL_OPEN, KILL", "FAIL_OPEN, STOP"})
  void redisStopsMidRun_theConfiguredFailureModeAndNoHang(RedisLedger.FailureMode mode, String how) throws Exception {
    ManualTicker ticker = ManualTicker.startingAt(Instant.now());
    ManualScheduler scheduler = ManualScheduler.executingInline(ticker);
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    String prefix = "o" + UUID.randomUUID().toString().substring(0, 8);
    try (RedisSupport.OwnServer server = new RedisSupport.OwnServer()) {
      RedisLedger ledger = RedisLedger.builder().port(server.port).keyPrefix(prefix).leaseSize(LEASE)
          .timeout(TIMEOUT).failureMode(mode).ticker(ticker).scheduler(scheduler).alerts(alerts::add).build();
      RunawayGuard guard = RunawayGuard.builder().service("svc", s -> s.budgetHorizon(java.time.Duration.ZERO).budget(Budget.hourly(Cost.usd("0.5"))))
          .ticker(ticker).ledger(ledger).alertSink(a -> { }).build();
      long admitted = 0;
      for (int i = 0; i < 25; i++) {
        guard.call("svc", CALL, () -> "ok");
        admitted++;
      }
      assertThat(alerts).isEmpty();
      assertThat(ledger.isAvailable()).isTrue();

      if (how.equals("KILL")) {
        server.kill();
      } else {
        server.signal("STOP");
      }
      long admittedDuring = 0;
      long refused = 0;
      long slowest = 0;
      for (int i = 0; i < 600; i++) {
        long t0 = System.nanoTime();
        try {
          guard.call("svc", CALL, () -> "ok");
          admittedDuring++;
        } catch (BudgetExceededException | LedgerUnavailableException e) {
          // Fail-closed refusals say the ledger is unavailable (issue 17); fail-open ones exhaust the local copy.
          refused++;
        }
        slowest = Math.max(slowest, System.nanoTime() - t0);
      }

      assertThat(Duration.ofNanos(slowest)).as("slowest call while Redis is down").isLessThan(NO_HANG);
      assertThat(ledger.isAvailable()).isFalse();
      assertThat(alerts).singleElement().satisfies(a -> {
        assertThat(a.type()).isEqualTo(AlertType.SERVICE_STATUS);
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains(mode == RedisLedger.FailureMode.FAIL_OPEN ? "fail-open" : "fail-closed");
      });
      if (mode == RedisLedger.FailureMode.FAIL_CLOSED) {
        // Only what this instance already held in its pool is spent: at most 1.5 leases plus a call.
        assertThat(admittedDuring * CALL.nanos()).isLessThanOrEqualTo(LEASE.nanos() * 3 / 2 + CALL.nanos());
        assertThat(refused).isGreaterThan(0);
      } else {
        // Admitted against this instance's own copy of the budget: its full $0.50, never more.
        assertThat((admitted + admittedDuring) * CALL.nanos()).isEqualTo(Cost.usd("0.5").nanos());
        assertThat(refused).isEqualTo(600 - admittedDuring);
      }

      if (how.equals("STOP")) {
        server.signal("CONT");
        scheduler.runPeriodic(); // the probe finds it back
        assertThat(ledger.isAvailable()).isTrue();
        assertThat(alerts).hasSize(2).last().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.INFO));
        scheduler.runPeriodic(); // spend made while it was away is charged
        guard.close();
        long spent = (admitted + admittedDuring) * CALL.nanos();
        long inRedis = Long.parseLong(RedisSupport.get(server.port, prefix + ":{svc}:s3600000x60:t"));
        // A request that timed out may still have been applied when Redis woke up: an over-count of
        // at most one lease, never an under-count.
        assertThat(inRedis).isBetween(spent, spent + LEASE.nanos() + CALL.nanos());
      } else {
        guard.close();
      }
    }
  }
}
