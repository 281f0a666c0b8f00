package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.Reservation;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Review (nu82): threads that commit below their estimates, release, fail and throw, on keys
 * that the guard keeps evicting (maxKeys 3 of 12), never admit past the service's or a key's
 * limit, and the ledger ends holding exactly what was committed (held on 30 of 30 repetitions in
 * review; 10 a CI run).
 */
final class MixedSettlementStressReviewTest {

  private static final int THREADS = 8;
  private static final int KEYS = 12;

  @RepeatedTest(10)
  void overEstimatesReleasesAndFailures_onEvictedKeys_neverPassALimit() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    Cost limit = Cost.usd("1000");
    Cost keyLimit = Cost.usd("120");
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(limit)).budget(Budget.calendarDay(limit, ZoneId.of("UTC")))
            .perKeyBudget(Budget.hourly(keyLimit)).maxKeys(3).budgetHorizon(Duration.ZERO).breakerEnabled(false))
        .ticker(ticker).alertSink(a -> { }).build();
    AtomicLong committed = new AtomicLong();
    AtomicLongArray perKey = new AtomicLongArray(KEYS);
    Race.run(THREADS, t -> {
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      int refusedInARow = 0;
      while (refusedInARow < 3000) {
        int key = rnd.nextInt(KEYS);
        ServiceGuard g = guard.service("svc").forKey("k" + key);
        // Estimates from $0.001 to $0.008: most of them leased (a call up to $0.0078 on this budget).
        long est = Cost.usd("0.001").nanos() * (1 + rnd.nextInt(8));
        long actual = rnd.nextLong(est + 1);
        int mode = rnd.nextInt(5);
        try {
          switch (mode) {
            case 0 -> {
              g.call(Cost.ofNanos(est), () -> "x");
              committed.addAndGet(est);
              perKey.addAndGet(key, est);
            }
            case 1 -> {
              try {
                g.call(Cost.ofNanos(est), () -> {
                  throw new IllegalStateException("boom");
                });
              } catch (IllegalStateException expected) {
                // released
              }
            }
            case 2 -> {
              try (Reservation r = g.reserve(Cost.ofNanos(est))) {
                r.commit(Cost.ofNanos(actual));
                committed.addAndGet(actual);
                perKey.addAndGet(key, actual);
              }
            }
            case 3 -> {
              Reservation r = g.reserve(Cost.ofNanos(est));
              r.close(); // without a commit: released
              r.close();
            }
            default -> {
              Reservation r = g.reserve(Cost.ofNanos(est));
              r.fail(new RuntimeException("failed"));
              r.commit(Cost.ofNanos(est)); // no effect after fail
            }
          }
          refusedInARow = 0;
        } catch (RunawayException refused) {
          refusedInARow++;
        }
      }
    });
    assertThat(committed.get()).as("service spend admitted").isLessThanOrEqualTo(limit.nanos());
    for (int k = 0; k < KEYS; k++) {
      assertThat(perKey.get(k)).as("key k%d spend admitted", k).isLessThanOrEqualTo(keyLimit.nanos());
    }
    assertThat(guard.snapshot("svc").windows().get(0).spent()).isEqualTo(Cost.ofNanos(committed.get()));
    assertThat(guard.snapshot("svc").windows().get(1).spent()).isEqualTo(Cost.ofNanos(committed.get()));
    assertThat(guard.snapshot("svc").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    for (int k = 0; k < KEYS; k++) {
      assertThat(guard.snapshot("svc", "k" + k).windows().get(0).spent()).as("key k%d", k)
          .isEqualTo(Cost.ofNanos(perKey.get(k)));
    }
    // The budget was really used up (refusals were for want of room).
    assertThat(committed.get()).isGreaterThan(limit.nanos() - Cost.usd("1").nanos());
    guard.close();
  }
}
