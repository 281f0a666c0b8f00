package dev.runaway.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.Race;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class StripedCounterTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 8, 64, 1000})
  void stripes_roundUpToAPowerOfTwoAtMost64(int asked) {
    int got = new StripedCounter(asked).stripes();
    assertThat(Integer.bitCount(got)).isEqualTo(1);
    assertThat(got).isBetween(Math.min(asked, 64), 64);
  }

  @Test
  void oneStripe_addReturnsTheSumAndTheCheckIsExact() {
    StripedCounter c = new StripedCounter(1);
    assertThat(c.add(5)).isEqualTo(5);
    assertThat(c.add(3)).isEqualTo(8);
    assertThat(c.mayReach(8, 9)).isFalse();
    assertThat(c.mayReach(8, 8)).isTrue();
    assertThat(c.getAndSet(0)).isEqualTo(8);
    assertThat(c.get()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aView_writesNothingAndReadsItsSourcesGrowthSinceItsLastReset(int stripes) {
    // A view's add (the meter's cost, read from the account's spend) says what the caller's stripe
    // will hold once the holder adds to the source; the view itself keeps no count.
    StripedCounter source = new StripedCounter(stripes);
    source.add(100);
    StripedCounter view = StripedCounter.viewOf(source);
    assertThat(view.get()).isZero();
    assertThat(view.add(7)).isEqualTo(7);
    assertThat(view.get()).as("nothing written by the view's add").isZero();
    source.add(7);
    assertThat(view.get()).isEqualTo(7);
    assertThat(view.add(5)).isEqualTo(12);
    source.add(5);
    assertThat(view.getAndSet(0)).isEqualTo(12);
    assertThat(view.get()).isZero();
    assertThat(source.get()).isEqualTo(112);
  }

  @Test
  void oneThread_seesEveryCrossingAtOnceWithManyStripes() {
    // One thread adds to one stripe: the stripe is the sum, so the check (stripe >= t/stripes,
    // then the sum) never misses the add that crosses t.
    StripedCounter c = new StripedCounter(8);
    long threshold = 1000;
    for (int i = 1; i <= 2000; i++) {
      long stripe = c.add(1);
      boolean crossed = c.mayReach(stripe, threshold) && c.get() >= threshold;
      assertThat(crossed).isEqualTo(i >= threshold);
    }
  }

  @RepeatedTest(5)
  void threads_addExactlyAndTheResetLosesNothing() throws Exception {
    StripedCounter c = new StripedCounter(4);
    int threads = 4;
    int adds = 200_000;
    AtomicLong taken = new AtomicLong();
    Race.run(threads + 1, t -> {
      if (t < threads) {
        for (int i = 0; i < adds; i++) {
          c.add(1);
        }
      } else {
        // A roller empties the counter while the adds run, as a bucket roll-over does.
        for (int i = 0; i < 1000; i++) {
          taken.addAndGet(c.getAndSet(0));
        }
      }
    });
    // Invariant: every add lands once, either in what a reset took or in what is left.
    assertThat(taken.get() + c.get()).isEqualTo((long) threads * adds);
  }

  @RepeatedTest(5)
  void threads_aCrossingIsSeenByTheTimeOneStripeHoldsItsShare() throws Exception {
    StripedCounter c = new StripedCounter(2);
    long threshold = 10_000;
    int threads = 2;
    AtomicLong firstSeenAt = new AtomicLong(Long.MAX_VALUE);
    Race.run(threads, t -> {
      for (int i = 0; i < 20_000; i++) {
        long stripe = c.add(1);
        if (c.mayReach(stripe, threshold)) {
          long sum = c.get();
          if (sum >= threshold) {
            firstSeenAt.accumulateAndGet(sum, Math::min);
          }
        }
      }
    });
    // Seen, and no later than the bound of two stripes (threshold + threshold / 2: when the sum
    // crosses, one stripe already holds half; the other can grow by at most half before its own
    // check fires), plus the adds the other thread makes while one reads the sum.
    assertThat(firstSeenAt.get()).isBetween(threshold, threshold + threshold / c.stripes() + 1_000);
  }

  @RepeatedTest(5)
  void manyThreadsOnFewStripes_ownersAndTheOthersAddExactlyAndTheResetLosesNothing() throws Exception {
    // Eight threads on two stripes: the first thread on each stripe adds with plain stores (its
    // own part), the others atomically (the shared part), while a roller resets; every add lands
    // once. A view of the counter, reset by the roller too, sees the same total.
    StripedCounter c = new StripedCounter(2);
    StripedCounter view = StripedCounter.viewOf(c);
    int threads = 8;
    int adds = 100_000;
    AtomicLong taken = new AtomicLong();
    AtomicLong seen = new AtomicLong();
    Race.run(threads + 1, t -> {
      if (t < threads) {
        for (int i = 0; i < adds; i++) {
          c.add(t + 1);
        }
      } else {
        for (int i = 0; i < 2000; i++) {
          taken.addAndGet(c.getAndSet(0));
          seen.addAndGet(view.getAndSet(0));
        }
      }
    });
    long expected = (long) adds * threads * (threads + 1) / 2;
    assertThat(taken.get() + c.get()).isEqualTo(expected);
    assertThat(seen.get() + view.get()).isEqualTo(expected);
  }

  @Test
  void aResetLeavesTheNewValue() {
    StripedCounter c = new StripedCounter(4);
    c.add(7);
    assertThat(c.getAndSet(5)).isEqualTo(7);
    assertThat(c.get()).isEqualTo(5);
    c.add(1);
    assertThat(c.get()).isEqualTo(6);
    assertThat(c.getAndSet(0)).isEqualTo(6);
    assertThat(c.get()).isZero();
  }

  @Test
  void aStripeWhoseOwnerEndedKeepsItsCountAndTakesOtherThreadsAdds() throws Exception {
    // The stripe's owner (its first thread) ends; later threads on the same stripe add to its
    // shared part: nothing the owner added is lost, and the stripe's value is both parts.
    StripedCounter c = new StripedCounter(2);
    Thread first = new Thread(() -> c.add(100));
    first.start();
    first.join();
    long stripeOfFirst = first.getId() & 1;
    long added = 0;
    for (int made = 0; made < 8; made++) {
      long[] got = new long[1];
      Thread t = new Thread(() -> got[0] = c.add(3));
      t.start();
      t.join();
      added += 3;
      if ((t.getId() & 1) == stripeOfFirst) {
        // This thread's stripe also holds the ended owner's 100 (and any earlier adds there).
        assertThat(got[0]).isGreaterThanOrEqualTo(103);
      }
    }
    assertThat(c.get()).isEqualTo(100 + added);
    assertThat(c.getAndSet(0)).isEqualTo(100 + added);
    assertThat(c.get()).isZero();
  }

  @Test
  void aThreadOnTheStripeOfAnEndedOwnerTakesItOver() throws Exception {
    // A stripe kept by an ended owner left every later thread there on the atomic path for the
    // counter's life (a new pool each round, a thread per task: slower than before owners). The
    // next thread on the stripe now takes it over and continues from the part's last value.
    StripedCounter c = new StripedCounter(2);
    boolean[] owned = new boolean[2];
    Thread first = new Thread(() -> {
      c.add(100);
      owned[0] = c.owns(Thread.currentThread());
    });
    first.start();
    first.join();
    assertThat(owned[0]).isTrue();
    long stripe = first.getId() & 1;
    Thread next;
    do {
      next = new Thread(() -> {
        c.add(5);
        c.add(7);
        owned[1] = c.owns(Thread.currentThread());
      });
    } while ((next.getId() & 1) != stripe);
    next.start();
    next.join();
    assertThat(owned[1]).as("the later thread owns the ended owner's stripe").isTrue();
    assertThat(c.get()).isEqualTo(112);
  }

  @Test
  void aStripeWhoseOwnerIsAliveIsNotTakenOver() throws Exception {
    StripedCounter c = new StripedCounter(2);
    CountDownLatch added = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    Thread first = new Thread(() -> {
      addAndWait(c, added, end);
      c.add(1);
    });
    first.start();
    added.await();
    Thread other;
    do {
      other = new Thread(() -> c.add(10));
    } while ((other.getId() & 1) != (first.getId() & 1));
    other.start();
    other.join();
    assertThat(c.owns(first)).isTrue();
    assertThat(c.owns(other)).isFalse();
    end.countDown();
    first.join();
    assertThat(c.get()).isEqualTo(12);
  }

  @Test
  void anOwnerThatOverridesGetStateDoesNotRunItsCodeInOtherThreadsAdds() throws Exception {
    // Thread.getState() is not final: asking a live owner whether it ended ran the owner's
    // override in every add of another thread on its stripe (here it throws, and the add with
    // it). On JDK 21+ a running virtual thread's getState() also takes a lock.
    StripedCounter c = new StripedCounter(2);
    CountDownLatch added = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    AtomicLong asked = new AtomicLong();
    Thread first = new Thread(() -> addAndWait(c, added, end)) {
      @Override
      public State getState() {
        asked.incrementAndGet();
        throw new UnsupportedOperationException("getState");
      }
    };
    first.start();
    added.await();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread other;
    do {
      other = new Thread(() -> {
        try {
          for (int i = 0; i < 1000; i++) {
            c.add(1);
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
    } while ((other.getId() & 1) != (first.getId() & 1));
    other.start();
    other.join();
    end.countDown();
    first.join();
    assertThat(failed.get()).isNull();
    assertThat(asked.get()).isZero();
    assertThat(c.owns(other)).isFalse();
    assertThat(c.get()).isEqualTo(1001);
  }

  /** A live owner: adds 1 to {@code c} (claiming its stripe), says so, and waits for {@code end}. */
  private static void addAndWait(StripedCounter c, CountDownLatch added, CountDownLatch end) {
    c.add(1);
    added.countDown();
    try {
      end.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @RepeatedTest(5)
  void shortLivedThreadsTakingStripesOverAddExactlyWhileTheCounterIsReset() throws Exception {
    // Waves of short-lived threads (a thread per task): each wave's threads take over the stripes
    // the last wave's ended threads own, with their first add atomic, while a roller resets the
    // counter and a view of it. Every add lands once.
    StripedCounter c = new StripedCounter(2);
    StripedCounter view = StripedCounter.viewOf(c);
    AtomicLong taken = new AtomicLong();
    AtomicLong seen = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    Thread roller = new Thread(() -> {
      while (!done.get()) {
        taken.addAndGet(c.getAndSet(0));
        seen.addAndGet(view.getAndSet(0));
      }
    });
    roller.start();
    int waves = 40;
    int perWave = 3;
    int adds = 20_000;
    for (int w = 0; w < waves; w++) {
      Thread[] ts = new Thread[perWave];
      for (int i = 0; i < perWave; i++) {
        ts[i] = new Thread(() -> {
          for (int k = 0; k < adds; k++) {
            c.add(1);
          }
        });
        ts[i].start();
      }
      for (Thread t : ts) {
        t.join();
      }
    }
    done.set(true);
    roller.join();
    long expected = (long) waves * perWave * adds;
    assertThat(taken.get() + c.get()).isEqualTo(expected);
    assertThat(seen.get() + view.get()).isEqualTo(expected);
  }

  @Test
  void amountsWrapLikeALongAndTheDifferencesStayExact() {
    // The stripes only grow (mod 2^64); the counter's value is their growth since the base.
    StripedCounter c = new StripedCounter(2);
    c.add(Long.MAX_VALUE);
    assertThat(c.getAndSet(0)).isEqualTo(Long.MAX_VALUE);
    c.add(Long.MAX_VALUE);
    c.add(10);
    assertThat(c.getAndSet(0)).isEqualTo(Long.MAX_VALUE + 10);
    c.add(4);
    assertThat(c.get()).isEqualTo(4);
  }

  @RepeatedTest(5)
  void threadsThatReportTheSameId_addExactly() throws Exception {
    // Thread.getId() is not final (JDK 19 deprecated it for that reason) and, before JDK 19, an
    // id could be reused once its thread ended: a pool may number its workers, so that worker 1
    // of two pools reports the same id. Such threads fall on one stripe; only one may add there
    // with a plain store, or their read-add-store sequences overwrite each other's adds.
    StripedCounter c = new StripedCounter(2);
    int adds = 2_000_000;
    assertThat(addOnBoth(c, adds, w -> reportingId(1, w), w -> reportingId(1, w))).isEqualTo(2L * adds);
  }

  @RepeatedTest(5)
  void aThreadThatReportsIdZero_doesNotTakeAStripeNoThreadClaimed() throws Exception {
    // An unclaimed stripe's owner field read 0: threads whose getId() answers 0 took that for
    // their own claim, and all of them added with plain stores to a stripe none had claimed.
    StripedCounter c = new StripedCounter(2);
    int adds = 2_000_000;
    assertThat(addOnBoth(c, adds, w -> reportingId(0, w), w -> reportingId(0, w))).isEqualTo(2L * adds);
  }

  /**
   * Runs {@code adds} adds of 1 on each of the two threads made by {@code a} and {@code b},
   * released together, and returns the counter's sum once both ended.
   */
  private static long addOnBoth(StripedCounter c, int adds, Function<Runnable, Thread> a,
      Function<Runnable, Thread> b) throws Exception {
    CyclicBarrier go = new CyclicBarrier(2);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Runnable work = () -> {
      try {
        go.await();
        for (int i = 0; i < adds; i++) {
          c.add(1);
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    };
    Thread[] threads = {a.apply(work), b.apply(work)};
    for (Thread t : threads) {
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failed.get()).isNull();
    return c.get();
  }

  /** A thread whose getId() answers {@code id}, as a pool that numbers its workers makes. */
  private static Thread reportingId(long id, Runnable work) {
    return new Thread(work) {
      @Override
      @SuppressWarnings("deprecation")
      public long getId() {
        return id;
      }
    };
  }

  @RepeatedTest(5)
  void aReadDuringAResetIsNeverBelowZero() throws Exception {
    // A reset moves each stripe's base to what the stripe holds. A reader that took a stripe
    // before the reset read it and its base after the reset moved it subtracted adds it never
    // counted: the sum of a counter that is only added to read below zero (a bucket's calls). Two
    // threads add, the roller resets (as the meter's roll does) and reads, and so do two readers.
    StripedCounter c = new StripedCounter(4);
    StripedCounter view = StripedCounter.viewOf(c);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong lowest = new AtomicLong();
    Race.run(5, t -> {
      if (t < 2) {
        for (int i = 0; i < 10_000_000; i++) {
          c.add(1);
        }
        done.set(true);
      } else if (t == 2) {
        while (!done.get()) {
          c.getAndSet(0);
          view.getAndSet(0);
        }
      } else {
        long low = 0;
        while (!done.get()) {
          low = Math.min(low, Math.min(c.get(), view.get()));
        }
        lowest.accumulateAndGet(low, Math::min);
      }
    });
    assertThat(lowest.get()).isZero();
  }

  @Test
  void aStripedViewsAddDuringAResetIsNeverBelowWhatItAdds() throws Exception {
    // A striped view's add (the meter's cost) answers the caller's stripe of the source, and the
    // meter reads the sum only when that stripe may hold its share of a threshold (mayReach).
    // Read stripe first, base second, a reset between the two reads moved the base past adds this
    // read had not counted (another thread's, on the same stripe): the add answered below its own
    // amount (as low as -2,636,591 in runs of this race), and the meter skipped the sum. Read base
    // first, as get() reads them, it answers at least its amount. The caller and another thread
    // report one id (so share a stripe), the other adds to the source (as its holder does), a
    // third resets the view (as the meter's roll does). A round takes 20 to 60 ms; 11 of 20
    // rounds answered below the amount with the stripe read first.
    long lowest = Long.MAX_VALUE;
    for (int round = 0; round < 20 && lowest >= 1; round++) {
      lowest = Math.min(lowest, lowestViewAddDuringResets(2, 3_000_000));
    }
    assertThat(lowest).isGreaterThanOrEqualTo(1);
  }

  /**
   * The lowest answer of {@code adds} adds of 1 to a view of a counter of {@code stripes}
   * stripes, made while another thread on the caller's stripe adds to the source and a third
   * resets the view.
   */
  private static long lowestViewAddDuringResets(int stripes, int adds) throws Exception {
    StripedCounter source = new StripedCounter(stripes);
    StripedCounter view = StripedCounter.viewOf(source);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    CyclicBarrier go = new CyclicBarrier(3);
    Thread caller = reportingId(1, () -> {
      try {
        go.await();
        long low = Long.MAX_VALUE;
        for (int i = 0; i < adds; i++) {
          low = Math.min(low, view.add(1));
        }
        lowest.set(low);
      } catch (Throwable e) {
        failed.set(e);
      } finally {
        done.set(true);
      }
    });
    Thread holder = reportingId(1, () -> {
      try {
        go.await();
        while (!done.get()) {
          source.add(1);
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    Thread roller = new Thread(() -> {
      try {
        go.await();
        while (!done.get()) {
          view.getAndSet(0);
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    Thread[] threads = {caller, holder, roller};
    for (Thread t : threads) {
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failed.get()).isNull();
    return lowest.get();
  }
}
