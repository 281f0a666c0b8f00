package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Issue 19: a guarded call reads the monotonic clock once, whatever path it takes. */
final class OneClockReadTest {

  /** Counts the monotonic reads made by the thread that created it (the guard's clock thread may read too). */
  private static final class CountingTicker implements Ticker {
    final ManualTicker inner = ManualTicker.create();
    final Thread owner = Thread.currentThread();
    final AtomicLong reads = new AtomicLong();

    @Override
    public long nanoTime() {
      if (Thread.currentThread() == owner) {
        reads.incrementAndGet();
      }
      return inner.nanoTime();
    }

    @Override
    public Instant instant() {
      return inner.instant();
    }
  }

  private final CountingTicker ticker = new CountingTicker();
  private final RunawayGuard guard = RunawayGuard.builder()
      .service("plain", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000")))
          .budget(Budget.daily(Cost.usd("1000"))))
      .service("keyed", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000")))
          .perKeyBudget(Budget.daily(Cost.usd("1000"))).perKeyDetection(true))
      .service("extracted", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000")))
          .estimate(Cost.usd("0.01")).costExtractor(r -> Cost.usd("0.02")))
      .ticker(ticker)
      .alertSink(a -> { })
      .build();

  /** Clock reads per call, over many calls spread across several meter buckets. */
  private double readsPerCall(Runnable call) {
    call.run(); // the first call opens the meter's first bucket
    long before = ticker.reads.get();
    int calls = 600;
    for (int i = 0; i < calls; i++) {
      call.run();
      ticker.inner.advance(Duration.ofMillis(500));
    }
    return (ticker.reads.get() - before) / (double) calls;
  }

  @Test
  void call_withEstimateReadsTheClockOnce() {
    assertThat(readsPerCall(() -> guard.call("plain", Cost.usd("0.01"), () -> "ok"))).isEqualTo(1.0);
  }

  @Test
  void call_withExtractorReadsTheClockOnce() {
    assertThat(readsPerCall(() -> guard.call("extracted", () -> "ok"))).isEqualTo(1.0);
  }

  @Test
  void call_forAKeyReadsTheClockOnce() {
    ServiceGuard tenant = guard.service("keyed").forKey("tenant-1");
    assertThat(readsPerCall(() -> tenant.call(Cost.usd("0.01"), () -> "ok"))).isEqualTo(1.0);
    assertThat(readsPerCall(() -> guard.service("keyed").forKey("tenant-2").call(Cost.usd("0.01"), () -> "ok")))
        .isEqualTo(1.0);
  }

  @Test
  void reserveAndCommit_readTheClockOnce() {
    assertThat(readsPerCall(() -> {
      try (Reservation r = guard.reserve("plain", Cost.usd("0.01"))) {
        r.commit(Cost.usd("0.02"));
      }
    })).isEqualTo(1.0);
  }

  @Test
  void call_thatThrowsReadsTheClockOnce() {
    assertThat(readsPerCall(() -> {
      try {
        guard.call("plain", Cost.usd("0.01"), () -> {
          throw new IllegalStateException("boom");
        });
      } catch (IllegalStateException expected) {
        // the call's own failure
      }
    })).isEqualTo(1.0);
  }

  @Test
  void call_refusedByAnOpenBreakerReadsTheClockOnce() {
    // Forced open: it stays open for the whole run (a trip would half-open and close meanwhile,
    // and the transitions' alerts read the clock, off the refused calls' path).
    guard.breaker("plain").forceOpen("test");
    assertThat(readsPerCall(() -> {
      try {
        guard.call("plain", Cost.usd("0.01"), () -> "never");
      } catch (CircuitOpenException expected) {
        // refused
      }
    })).isEqualTo(1.0);
  }

  @Test
  void commit_chargesTheSpendAtTheAdmissionsTime() {
    Reservation r = guard.reserve("plain", Cost.usd("0.50"));
    ticker.inner.advance(Duration.ofMinutes(30));
    r.commit(Cost.usd("0.40"));
    assertThat(guard.snapshot("plain").windows().get(0).spent()).isEqualTo(Cost.usd("0.40"));
  }
}
