package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.stats.internal.StripedCounter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: a key's recent spend read from its account's spend counter (the built-in ledger's:
 * no add of its own per call) says exactly what the counter of its own said: the current bucket
 * and the fading share of the previous one, across gaps and bucket ends.
 */
final class RecentSpendTest {

  private static final long BUCKET = 60_000_000_000L;

  @Test
  void readFromTheAccountsCounter_sameAsCountedByItself() {
    SplittableRandom r = new SplittableRandom(19);
    for (int run = 0; run < 50; run++) {
      ServiceRuntime.RecentSpend own = new ServiceRuntime.RecentSpend(BUCKET, null);
      StripedCounter account = new StripedCounter(run % 2 == 0 ? 1 : 4);
      // Spend the account had before the key's first call here (a key seen again after eviction).
      account.add(r.nextLong(1_000_000));
      ServiceRuntime.RecentSpend shared = new ServiceRuntime.RecentSpend(BUCKET, account);
      long now = r.nextLong(-BUCKET * 100, BUCKET * 100);
      assertThat(shared.recent(now)).isZero();
      for (int i = 0; i < 400; i++) {
        // Steps from nothing to several buckets: same bucket, the next one, and gaps.
        now += r.nextInt(10) < 8 ? r.nextLong(BUCKET / 4) : r.nextLong(3 * BUCKET);
        long amount = r.nextLong(5_000_000);
        own.add(now, amount);
        shared.add(now, amount);
        account.add(amount); // the ledger's commit, after the guard's add
        for (long probe = now; probe < now + 2 * BUCKET; probe += BUCKET / 7) {
          assertThat(shared.recent(probe)).as("run %d call %d at +%d", run, i, probe - now)
              .isEqualTo(own.recent(probe));
        }
      }
    }
  }
}
