package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class CoarseTickerTest {

  private final AtomicLong source = new AtomicLong(5_000_000L);
  private final CoarseTicker ticker = new CoarseTicker(source::get);

  @Test
  void nanoTime_holdsTheReadingUntilTheNextUpdate() {
    source.addAndGet(300_000L);
    assertThat(ticker.nanoTime()).isEqualTo(5_000_000L);

    ticker.update();
    assertThat(ticker.nanoTime()).isEqualTo(5_300_000L);
  }

  @Test
  void nanoTime_resolutionIsOneUpdate() {
    for (int i = 1; i <= 1000; i++) {
      source.addAndGet(CoarseTicker.RESOLUTION_NANOS);
      ticker.update();
      // Read between two updates: at most one update period behind the precise clock.
      assertThat(source.get() - ticker.nanoTime()).isEqualTo(0);
      source.addAndGet(CoarseTicker.RESOLUTION_NANOS - 1);
      assertThat(source.get() - ticker.nanoTime()).isLessThan(CoarseTicker.RESOLUTION_NANOS);
      ticker.update();
    }
  }

  @Test
  void nanoTime_neverGoesBackwardsEvenIfTheSourceDoes() {
    source.set(9_000_000L);
    ticker.update();
    source.set(8_000_000L);
    ticker.update();
    assertThat(ticker.nanoTime()).isEqualTo(9_000_000L);

    source.set(9_000_001L);
    ticker.update();
    assertThat(ticker.nanoTime()).isEqualTo(9_000_001L);
  }

  @Test
  void nanoTime_isMonotonicAcrossTheOriginWrap() {
    // nanoTime has an arbitrary origin: readings are compared by difference, which survives
    // the wrap from Long.MAX_VALUE to Long.MIN_VALUE.
    source.set(Long.MAX_VALUE - 10);
    ticker.update();
    source.set(Long.MIN_VALUE + 10);
    ticker.update();
    assertThat(ticker.nanoTime()).isEqualTo(Long.MIN_VALUE + 10);
  }

  @Test
  void coarse_isOneSharedTickerWithOneDaemonUpdater() {
    Ticker a = Ticker.coarse();
    Ticker b = Ticker.coarse();
    assertThat(a).isSameAs(b).hasToString("Ticker.coarse()");
    // The reading was taken from System.nanoTime() no later than now.
    assertThat(a.nanoTime()).isLessThanOrEqualTo(System.nanoTime());
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(t -> t.getName().equals("runaway-coarse-ticker"))
        .hasSize(1)
        .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
  }
}
