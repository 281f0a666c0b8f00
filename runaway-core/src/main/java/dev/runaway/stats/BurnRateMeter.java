package dev.runaway.stats;

import dev.runaway.Ticker;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Aggregates calls and spend of one service (or one key) into fixed buckets and compares the
 * current rate to a learned baseline.
 *
 * <p><b>Placeholder rule</b> (to be replaced by the seasonal, significance-tested detector): the
 * baseline is an exponentially weighted mean of closed buckets; the current partial bucket is
 * compared with {@code multiplier x baseline x elapsed fraction}, and needs at least 20 calls
 * and 30 closed buckets of history.
 *
 * <p>Thread-safe. {@link #onCall(long)} and {@link #onCost(long, long)} are lock-free and do not
 * allocate.
 */
public final class BurnRateMeter {

  private final DetectionSettings settings;
  private final long bucketNanos;
  private final AtomicLong bucketStart = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong cost = new AtomicLong();
  private final AtomicLong level = new AtomicLong();
  private volatile double baseCalls = Double.NaN;
  private volatile double baseCost = Double.NaN;
  private volatile int closed;

  private BurnRateMeter(DetectionSettings settings) {
    this.settings = settings;
    this.bucketNanos = settings.bucket().toNanos();
  }

  /**
   * Creates a meter.
   *
   * @param settings the detection settings
   * @param ticker the ticker, read for hour-of-day when a bucket closes
   * @return the meter
   */
  public static BurnRateMeter create(DetectionSettings settings, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    return new BurnRateMeter(Objects.requireNonNull(settings, "settings"));
  }

  /**
   * Counts one call.
   *
   * @param nowNanos the ticker's reading
   * @return what to do
   */
  public MeterEvent onCall(long nowNanos) {
    roll(nowNanos);
    long c = calls.incrementAndGet();
    return judge(c, baseCalls, nowNanos, false);
  }

  /**
   * Adds the cost of a finished call.
   *
   * @param nowNanos the ticker's reading
   * @param costNanos the cost in nano-dollars
   * @return what to do
   */
  public MeterEvent onCost(long nowNanos, long costNanos) {
    roll(nowNanos);
    long c = cost.addAndGet(costNanos);
    return judge(c, baseCost, nowNanos, true);
  }

  /**
   * Adds polled usage covering {@code [from, to)}.
   *
   * @param from start of the span
   * @param to end of the span
   * @param callCount calls in the span
   * @param costNanos spend in the span
   * @return what to do
   */
  public MeterEvent observe(Instant from, Instant to, double callCount, long costNanos) {
    return MeterEvent.NONE;
  }

  /**
   * Reads the meter.
   *
   * @param nowNanos the ticker's reading
   * @return the snapshot
   */
  public MeterSnapshot snapshot(long nowNanos) {
    double perHour = 3_600_000_000_000L / (double) bucketNanos;
    boolean warm = closed >= 30;
    return new MeterSnapshot(cost.get() / 1e9 * perHour, warm ? baseCost / 1e9 * perHour : Double.NaN,
        calls.get() * perHour / 60, warm ? baseCalls * perHour / 60 : Double.NaN, warm, level.get() > 0);
  }

  private void roll(long now) {
    long start = bucketStart.get();
    if (start != Long.MIN_VALUE && now - start < bucketNanos) {
      return;
    }
    long newStart = now - Math.floorMod(now, bucketNanos);
    if (bucketStart.compareAndSet(start, newStart) && start != Long.MIN_VALUE) {
      long c = calls.getAndSet(0);
      long k = cost.getAndSet(0);
      baseCalls = Double.isNaN(baseCalls) ? c : 0.95 * baseCalls + 0.05 * c;
      baseCost = Double.isNaN(baseCost) ? k : 0.95 * baseCost + 0.05 * k;
      closed++;
      if (level.get() > 0 && c <= 2 * baseCalls) {
        level.set(0);
      }
    }
  }

  private MeterEvent judge(long value, double base, long now, boolean costChannel) {
    if (closed < 30 || !(base > 0) || (!costChannel && value < 20)) {
      return MeterEvent.NONE;
    }
    double ratio = value / base;
    if (settings.breakerEnabled() && ratio > settings.breakerMultiplier() && level.compareAndSet(1, 2)
        || ratio > settings.breakerMultiplier() && settings.breakerEnabled() && level.compareAndSet(0, 2)) {
      return costChannel ? MeterEvent.COST_RUNAWAY : MeterEvent.CALL_RUNAWAY;
    }
    if (ratio > settings.spikeMultiplier() && level.compareAndSet(0, 1)) {
      return costChannel ? MeterEvent.COST_SPIKE : MeterEvent.CALL_SPIKE;
    }
    return MeterEvent.NONE;
  }
}
