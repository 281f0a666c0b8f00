package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Review (nu83): ab0f1ae rounded the core sliding window's bucket width up, so that a window of
 * 61 s in 60 buckets never admits its limit twice within 61 s. The Redis ledger computes its own
 * width, still rounded down (FleetAccount: window / 1000 / buckets micros): 60 buckets of
 * 1,016,666 us span 60.99996 s, and a second instance of the fleet is admitted the whole limit
 * again 60.99997 s after the first spent it. (One instance alone is held by its local account,
 * which now rounds up: the two ledgers of one fleet disagree on when spend leaves.)
 */
final class FleetBucketRoundingReviewTest {

  @Test
  void aWindowOf61sIn60Buckets_neverAdmitsItsLimitTwiceWithin61s_acrossTheFleet() throws Exception {
    int port = RedisSupport.port();
    String prefix = "r" + UUID.randomUUID().toString().substring(0, 8);
    long bucketMicros = 61_000_000L / 60; // the fleet's width today: 1,016,666 us
    // The first spend is made 1 us before a bucket of the fleet's ring ends.
    long x = Instant.now().getEpochSecond() * 1_000_000L / bucketMicros + 10;
    long spendMicros = (x + 1) * bucketMicros - 1;
    ManualTicker ticker = ManualTicker.startingAt(Instant.EPOCH.plusNanos(spendMicros * 1000));
    ManualScheduler scheduler = ManualScheduler.executingInline(ticker);
    List<Budget> budgets = List.of(Budget.of(Cost.usd("1"), Duration.ofSeconds(61)));
    long limit = Cost.usd("1").nanos();
    try (RedisLedger a = RedisLedger.builder().port(port).keyPrefix(prefix).leaseSize(Cost.ZERO).ticker(ticker)
            .scheduler(scheduler).alerts(al -> { }).timeout(Duration.ofSeconds(2)).build();
        RedisLedger b = RedisLedger.builder().port(port).keyPrefix(prefix).leaseSize(Cost.ZERO).ticker(ticker)
            .scheduler(scheduler).alerts(al -> { }).timeout(Duration.ofSeconds(2)).build();
        RedisLedger c = RedisLedger.builder().port(port).keyPrefix(prefix).leaseSize(Cost.ZERO).ticker(ticker)
            .scheduler(scheduler).alerts(al -> { }).timeout(Duration.ofSeconds(2)).build()) {
      LedgerAccount first = a.account("svc", null, budgets);
      LedgerAccount second = b.account("svc", null, budgets);
      LedgerAccount control = c.account("svc", null, budgets);
      long now = ticker.nanoTime();
      assertThat(first.tryReserve(limit, now)).isEqualTo(LedgerAccount.ADMITTED);
      first.commit(limit, limit, now);

      // Control (a third instance, since a refusal is remembered): 60.99995 s later the fleet refuses it.
      ticker.advance(Duration.ofNanos(60_999_950_000L));
      assertThat(control.tryReserve(limit, ticker.nanoTime())).isNotEqualTo(LedgerAccount.ADMITTED);
      // 60.99997 s later: still within the 61 s window of that spend.
      ticker.advance(Duration.ofNanos(20_000L));
      int got = second.tryReserve(limit, ticker.nanoTime());
      assertThat(got)
          .as("a second $1 of a $1 budget over 61 s admitted by another instance %d us after the first $1",
              60_999_970L)
          .isNotEqualTo(LedgerAccount.ADMITTED);
    }
  }
}
