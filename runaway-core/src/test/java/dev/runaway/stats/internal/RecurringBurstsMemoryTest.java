package dev.runaway.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * A key's meter keeps a record of recurring bursts, and a guard may keep 100,000 keys: the record
 * of a key with an ordinary burst a day must cost bytes in the hundreds, not a dense table of every
 * bucket of eight days (23 KiB per key, 2.3 GB for 100,000 keys).
 */
final class RecurringBurstsMemoryTest {

  private static final long MINUTE = 60_000_000_000L;

  @Test
  void eightDaysOfADailyThreeMinuteBurst_allocateUnderTwoKilobytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    // Warm up the code paths, so that what is measured is the record's own arrays.
    feed(RecurringBursts.forBucket(MINUTE));
    long before = threads.getCurrentThreadAllocatedBytes();
    RecurringBursts r = feed(RecurringBursts.forBucket(MINUTE));
    long after = threads.getCurrentThreadAllocatedBytes();
    assertThat(r.factor(0, 8 * 1440 * MINUTE)).as("the burst is learned").isGreaterThan(1);
    assertThat(after - before).as("bytes allocated by the record").isLessThan(2_048);
  }

  /** Eight days of one-minute buckets: a 10x burst in the first three of each day, nothing elsewhere. */
  private static RecurringBursts feed(RecurringBursts r) {
    for (long b = 0; b < 8 * 1440; b++) {
      boolean burst = b % 1440 < 3;
      r.record(b * MINUTE, burst ? 10 : 0, 0);
    }
    return r;
  }
}
