package dev.runaway.stats;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The learned baseline of a {@link BurnRateMeter}, exported so that it survives a restart (a
 * crash-looping runaway must not reset its own baseline): the seasonal slots of both channels,
 * their weights, the global levels, the dispersion estimates, the warm-up progress and each
 * channel's seven-day record of held runs (which sets the held rule's hold, see
 * {@link DetectionSettings#runawayHold()}) and of its usual peaks (see
 * {@link DetectionSettings#alertOnUsualPeaks()}), the eight-day record of bursts that recur at the same
 * time of day (see {@link DetectionSettings#recurringBursts()}) and how far polled usage has been learned (so that a
 * restarted monitor, whose first poll reports the day so far again, does not learn that time
 * twice). It does not hold the current bucket, the evidence
 * accumulators or the episode: a restored meter starts a new bucket with no episode open, and a
 * held run in progress at export is not recorded.
 *
 * <p>{@link #toBytes()} gives a compact, versioned binary form (about 2.8 KB for
 * {@link Seasonality#WEEKLY}, plus 8 bytes per remembered bucket of a recurring burst, see
 * {@link DetectionSettings#recurringBursts()}); {@link #fromBytes(byte[])} reads it back and
 * rejects anything malformed with an {@link IllegalArgumentException}. It reads the previous
 * versions too: 1, without the record of held runs (a meter restored from it applies the full hold
 * until it has a week of record again), 2, without the record of recurring bursts (learned
 * again over two days), and 3, without the record of usual peaks (rises are alerted as every one
 * were the first until rises are recorded again).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class BaselineState {

  private static final int MAGIC = 0x52474253; // "RGBS"
  private static final int VERSION = 4;
  // Version 1: header, levels, dispersion sums, level variability, day slots, week slots.
  // Version 2: the same, then per channel the record of held runs (newest day, days kept, 7 runs),
  // then the end of the polled usage already learned (epoch nanos, Long.MIN_VALUE for none).
  // Version 3: the same, then the record of recurring bursts: a count, then that many longs
  // (bucket index << 16 | calls byte << 8 | cost byte), see stats.internal.RecurringBursts.
  // Version 4: the same, then per channel the record of usual peaks: 7 sustained-rise multiples,
  // then 7 spike multiples, on the days of the record of held runs.
  /** The most entries of recurring bursts a state may hold: two channels' 8 days of 15-second buckets. */
  private static final int MAX_RECURRING = 8 * 5_760;
  private static final int RECORD_DAYS = 7;

  private final long bucketNanos;
  private final Seasonality seasonality;
  private final long learnedBuckets;
  private final double[] levels;
  private final double levelWeight;
  private final double[][] dispersion;
  private final float[][] daySlots;
  private final float[] dayWeights;
  private final float[][] weekSlots;
  private final float[] weekWeights;
  private final double[] variability;
  private final long[] runDay;
  private final int[] runDays;
  private final double[][] dayRuns;
  private final long observedUntil;
  private final long[] recurring;
  private final double[][] dayRises;
  private final double[][] daySpikes;

  BaselineState(long bucketNanos, Seasonality seasonality, long learnedBuckets, double[] levels, double levelWeight,
      double[][] dispersion, float[][] daySlots, float[] dayWeights, float[][] weekSlots, float[] weekWeights,
      double[] variability, long[] runDay, int[] runDays, double[][] dayRuns, long observedUntil, long[] recurring,
      double[][] dayRises, double[][] daySpikes) {
    this.bucketNanos = bucketNanos;
    this.seasonality = seasonality;
    this.learnedBuckets = learnedBuckets;
    this.levels = levels.clone();
    this.levelWeight = levelWeight;
    this.dispersion = new double[][] {dispersion[0].clone(), dispersion[1].clone()};
    this.daySlots = new float[][] {daySlots[0].clone(), daySlots[1].clone()};
    this.dayWeights = dayWeights.clone();
    this.weekSlots = new float[][] {weekSlots[0].clone(), weekSlots[1].clone()};
    this.weekWeights = weekWeights.clone();
    this.variability = variability.clone();
    this.runDay = runDay.clone();
    this.runDays = runDays.clone();
    this.dayRuns = new double[][] {dayRuns[0].clone(), dayRuns[1].clone()};
    this.observedUntil = observedUntil;
    this.recurring = recurring.clone();
    this.dayRises = new double[][] {dayRises[0].clone(), dayRises[1].clone()};
    this.daySpikes = new double[][] {daySpikes[0].clone(), daySpikes[1].clone()};
  }

  /** The record of a meter with none yet (and of a version-1 state). */
  private static BaselineState withoutRecord(long bucketNanos, Seasonality seasonality, long learnedBuckets,
      double[] levels, double levelWeight, double[][] dispersion, float[][] daySlots, float[] dayWeights,
      float[][] weekSlots, float[] weekWeights, double[] variability) {
    return new BaselineState(bucketNanos, seasonality, learnedBuckets, levels, levelWeight, dispersion, daySlots,
        dayWeights, weekSlots, weekWeights, variability, new long[] {Long.MIN_VALUE, Long.MIN_VALUE}, new int[2],
        new double[2][RECORD_DAYS], Long.MIN_VALUE, new long[0], new double[2][RECORD_DAYS], new double[2][RECORD_DAYS]);
  }

  /**
   * Returns the bucket width the state was learned with; a meter restores it only with the same
   * bucket.
   *
   * @return the bucket width
   */
  public Duration bucket() {
    return Duration.ofNanos(bucketNanos);
  }

  /**
   * Returns the seasonality the state was learned with.
   *
   * @return the seasonality
   */
  public Seasonality seasonality() {
    return seasonality;
  }

  /**
   * Returns the number of buckets of history behind the state (warm-up progress).
   *
   * @return the bucket count
   */
  public long learnedBuckets() {
    return learnedBuckets;
  }

  /**
   * Returns the history behind the state as a duration.
   *
   * @return the learned history
   */
  public Duration history() {
    return Duration.ofNanos(Math.multiplyExact(learnedBuckets, bucketNanos));
  }

  /**
   * Encodes the state.
   *
   * @return a new byte array
   */
  public byte[] toBytes() {
    int floats = 2 * (daySlots[0].length + weekSlots[0].length) + dayWeights.length + weekWeights.length;
    ByteBuffer b = ByteBuffer.allocate(4 * 4 + 8 * 2 + 8 * 12 + 4 * floats + 2 * (8 + 4 + 8 * RECORD_DAYS) + 8 + 4
        + 8 * recurring.length + 2 * 2 * 8 * RECORD_DAYS);
    b.putInt(MAGIC).putInt(VERSION).putLong(bucketNanos).putInt(seasonality.ordinal()).putLong(learnedBuckets);
    b.putDouble(levels[0]).putDouble(levels[1]).putDouble(levelWeight);
    b.putDouble(dispersion[0][0]).putDouble(dispersion[0][1]).putDouble(dispersion[1][0]).putDouble(dispersion[1][1]);
    for (double v : variability) {
      b.putDouble(v);
    }
    b.putInt(dayWeights.length);
    put(b, dayWeights);
    put(b, daySlots[0]);
    put(b, daySlots[1]);
    put(b, weekWeights);
    put(b, weekSlots[0]);
    put(b, weekSlots[1]);
    for (int c = 0; c < 2; c++) {
      b.putLong(runDay[c]).putInt(runDays[c]);
      for (double r : dayRuns[c]) {
        b.putDouble(r);
      }
    }
    b.putLong(observedUntil);
    b.putInt(recurring.length);
    for (long e : recurring) {
      b.putLong(e);
    }
    for (int c = 0; c < 2; c++) {
      for (double r : dayRises[c]) {
        b.putDouble(r);
      }
      for (double r : daySpikes[c]) {
        b.putDouble(r);
      }
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  /**
   * Decodes a state written by {@link #toBytes()}.
   *
   * @param bytes the encoded state
   * @return the state
   * @throws IllegalArgumentException if the bytes are not a valid state of a known version
   */
  public static BaselineState fromBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    ByteBuffer b = ByteBuffer.wrap(bytes);
    try {
      if (b.getInt() != MAGIC) {
        throw new IllegalArgumentException("baseline state: not a baseline state (bad magic number)");
      }
      int version = b.getInt();
      if (version < 1 || version > VERSION) {
        throw new IllegalArgumentException("baseline state: unknown version " + version + ", expected 1 to " + VERSION);
      }
      long bucket = b.getLong();
      if (bucket < 1_000_000_000L || bucket > 3_600_000_000_000L) {
        throw new IllegalArgumentException("baseline state: bucket must be from 1s to 1h, got " + bucket + " ns");
      }
      int ordinal = b.getInt();
      if (ordinal < 0 || ordinal >= Seasonality.values().length) {
        throw new IllegalArgumentException("baseline state: unknown seasonality " + ordinal);
      }
      Seasonality s = Seasonality.values()[ordinal];
      long learned = b.getLong();
      if (learned < 0) {
        throw new IllegalArgumentException("baseline state: learnedBuckets must be >= 0, got " + learned);
      }
      double[] levels = {finite(b.getDouble(), "level"), finite(b.getDouble(), "level")};
      double levelWeight = finite(b.getDouble(), "levelWeight");
      double[][] disp = {{b.getDouble(), b.getDouble()}, {b.getDouble(), b.getDouble()}};
      for (double[] d : disp) {
        if (!Double.isFinite(d[0]) || !Double.isFinite(d[1]) || d[1] < 0) {
          throw new IllegalArgumentException("baseline state: dispersion sums must be finite, got " + Arrays.toString(d));
        }
      }
      double[] variability = new double[5];
      for (int i = 0; i < variability.length; i++) {
        variability[i] = b.getDouble();
        if (!Double.isFinite(variability[i]) || (i % 2 == 1 || i == 4) && variability[i] < 0) {
          throw new IllegalArgumentException("baseline state: level variability " + i + " is invalid: " + variability[i]);
        }
      }
      int days = b.getInt();
      if (days != s.dailySlots()) {
        throw new IllegalArgumentException("baseline state: " + s + " has " + s.dailySlots() + " day slots, got " + days);
      }
      float[] dayW = get(b, days, "day weight");
      float[][] day = {get(b, days, "day slot"), get(b, days, "day slot")};
      int weeks = s.weeklySlots();
      float[] weekW = get(b, weeks, "week weight");
      float[][] week = {get(b, weeks, "week slot"), get(b, weeks, "week slot")};
      BaselineState state;
      if (version == 1) {
        state = withoutRecord(bucket, s, learned, levels, levelWeight, disp, day, dayW, week, weekW, variability);
      } else {
        long[] runDay = new long[2];
        int[] runDays = new int[2];
        double[][] runs = new double[2][RECORD_DAYS];
        for (int c = 0; c < 2; c++) {
          runDay[c] = b.getLong();
          runDays[c] = b.getInt();
          if (runDays[c] < 0 || runDays[c] > RECORD_DAYS || (runDays[c] == 0) != (runDay[c] == Long.MIN_VALUE)) {
            throw new IllegalArgumentException("baseline state: record of held runs " + c + " covers " + runDays[c]
                + " days up to day " + runDay[c] + "; expected 0 to " + RECORD_DAYS + " days, and a day only with days");
          }
          for (int i = 0; i < RECORD_DAYS; i++) {
            runs[c][i] = finite(b.getDouble(), "held run");
          }
        }
        long observed = b.getLong();
        long[] recurring = new long[0];
        if (version >= 3) {
          int n = b.getInt();
          if (n < 0 || n > MAX_RECURRING) {
            throw new IllegalArgumentException("baseline state: " + n + " entries of recurring bursts; expected 0 to "
                + MAX_RECURRING);
          }
          recurring = new long[n];
          for (int i = 0; i < n; i++) {
            recurring[i] = b.getLong();
            if ((recurring[i] & 0x8080L) != 0) {
              throw new IllegalArgumentException("baseline state: recurring burst entry " + i + " is invalid");
            }
          }
        }
        double[][] rises = new double[2][RECORD_DAYS];
        double[][] spikes = new double[2][RECORD_DAYS];
        if (version >= 4) {
          for (int c = 0; c < 2; c++) {
            for (int i = 0; i < RECORD_DAYS; i++) {
              rises[c][i] = peak(b.getDouble());
            }
            for (int i = 0; i < RECORD_DAYS; i++) {
              spikes[c][i] = peak(b.getDouble());
            }
          }
        }
        state = new BaselineState(bucket, s, learned, levels, levelWeight, disp, day, dayW, week, weekW, variability,
            runDay, runDays, runs, observed, recurring, rises, spikes);
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException("baseline state: " + b.remaining() + " unexpected trailing bytes");
      }
      return state;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("baseline state: truncated (" + bytes.length + " bytes)", e);
    }
  }

  long bucketNanos() {
    return bucketNanos;
  }

  double[] levels() {
    return levels.clone();
  }

  double levelWeight() {
    return levelWeight;
  }

  double[][] dispersion() {
    return new double[][] {dispersion[0].clone(), dispersion[1].clone()};
  }

  float[][] daySlots() {
    return new float[][] {daySlots[0].clone(), daySlots[1].clone()};
  }

  float[] dayWeights() {
    return dayWeights.clone();
  }

  float[][] weekSlots() {
    return new float[][] {weekSlots[0].clone(), weekSlots[1].clone()};
  }

  float[] weekWeights() {
    return weekWeights.clone();
  }

  double[] variability() {
    return variability.clone();
  }

  long[] runDay() {
    return runDay.clone();
  }

  int[] runDays() {
    return runDays.clone();
  }

  double[][] dayRuns() {
    return new double[][] {dayRuns[0].clone(), dayRuns[1].clone()};
  }

  long observedUntil() {
    return observedUntil;
  }

  long[] recurring() {
    return recurring.clone();
  }

  double[][] dayRises() {
    return new double[][] {dayRises[0].clone(), dayRises[1].clone()};
  }

  double[][] daySpikes() {
    return new double[][] {daySpikes[0].clone(), daySpikes[1].clone()};
  }

  private static double peak(double v) {
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException("baseline state: a usual peak must be a finite multiple >= 0, got " + v);
    }
    return v;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof BaselineState)) {
      return false;
    }
    BaselineState s = (BaselineState) o;
    return bucketNanos == s.bucketNanos && seasonality == s.seasonality && learnedBuckets == s.learnedBuckets
        && Arrays.equals(levels, s.levels) && Double.compare(levelWeight, s.levelWeight) == 0
        && Arrays.deepEquals(dispersion, s.dispersion) && Arrays.deepEquals(daySlots, s.daySlots)
        && Arrays.equals(dayWeights, s.dayWeights) && Arrays.deepEquals(weekSlots, s.weekSlots)
        && Arrays.equals(weekWeights, s.weekWeights) && Arrays.equals(variability, s.variability)
        && Arrays.equals(runDay, s.runDay) && Arrays.equals(runDays, s.runDays) && Arrays.deepEquals(dayRuns, s.dayRuns) && observedUntil == s.observedUntil
        && Arrays.equals(recurring, s.recurring) && Arrays.deepEquals(dayRises, s.dayRises)
        && Arrays.deepEquals(daySpikes, s.daySpikes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bucketNanos, seasonality, learnedBuckets, Arrays.hashCode(levels), levelWeight,
        Arrays.deepHashCode(daySlots), Arrays.hashCode(dayWeights), Arrays.deepHashCode(weekSlots));
  }

  @Override
  public String toString() {
    return "BaselineState[bucket=" + bucket() + ", seasonality=" + seasonality + ", history=" + history()
        + ", callsPerBucket=" + levels[0] + ", costNanosPerBucket=" + levels[1] + "]";
  }

  private static void put(ByteBuffer b, float[] a) {
    for (float f : a) {
      b.putFloat(f);
    }
  }

  private static float[] get(ByteBuffer b, int n, String what) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      float f = b.getFloat();
      if (!Float.isFinite(f) || f < 0) {
        throw new IllegalArgumentException("baseline state: " + what + " " + i + " must be finite and >= 0, got " + f);
      }
      a[i] = f;
    }
    return a;
  }

  private static double finite(double d, String what) {
    if (!Double.isFinite(d) || d < 0) {
      throw new IllegalArgumentException("baseline state: " + what + " must be finite and >= 0, got " + d);
    }
    return d;
  }
}
