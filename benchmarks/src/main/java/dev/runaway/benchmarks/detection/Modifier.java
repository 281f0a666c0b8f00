package dev.runaway.benchmarks.detection;

/**
 * What happens to the rate from a given minute on: a runaway of one of three shapes, or one of the
 * legitimate nuisances of DETECTION.md section 5b.
 *
 * <p>Immutable.
 */
final class Modifier {

  /** Runaway shapes. */
  enum Shape {
    /** The rate jumps to k times normal. */
    STEP("step"),
    /** The multiple grows linearly to k over 30 minutes. */
    RAMP("ramp 30 min"),
    /** The multiple doubles every 5 minutes, capped at k (retry storms, agent loops). */
    EXPONENTIAL("exp x2/5 min");

    final String label;

    Shape(String label) {
      this.label = label;
    }
  }

  /** Legitimate changes that must not trip the breaker. */
  enum Nuisance {
    /** A permanent legitimate 1.5x level shift. */
    LEVEL_SHIFT("1.5x level shift"),
    /** A 10-minute 3x batch burst. */
    BATCH("10-min 3x batch"),
    /** The daily pattern moves one hour (daylight saving time in the users' zone). */
    DST("1 h DST shift"),
    /** 30 minutes without calls, then the backlog catches up over 10 minutes (4x). */
    GAP_CATCH_UP("30-min gap + catch-up"),
    /** The process restarts: counters back to zero, the meter restored from its exported baseline. */
    RESTART("counter reset (restart)");

    final String label;

    Nuisance(String label) {
      this.label = label;
    }
  }

  final double onset;
  final double k;
  final Shape shape;
  final Nuisance nuisance;

  private Modifier(double onset, double k, Shape shape, Nuisance nuisance) {
    this.onset = onset;
    this.k = k;
    this.shape = shape;
    this.nuisance = nuisance;
  }

  static Modifier runaway(double onset, double k, Shape shape) {
    return new Modifier(onset, k, shape, null);
  }

  static Modifier nuisance(double onset, Nuisance nuisance) {
    return new Modifier(onset, 1, null, nuisance);
  }

  /** The multiple of the normal rate at {@code minute}. */
  double multiplier(double minute) {
    double dt = minute - onset;
    if (dt < 0) {
      return 1;
    }
    if (nuisance != null) {
      switch (nuisance) {
        case LEVEL_SHIFT:
          return 1.5;
        case BATCH:
          return dt < 10 ? 3 : 1;
        case GAP_CATCH_UP:
          return dt < 30 ? 0 : dt < 40 ? 4 : 1;
        default:
          return 1;
      }
    }
    switch (shape) {
      case STEP:
        return k;
      case RAMP:
        return 1 + (k - 1) * Math.min(1, dt / 30);
      default:
        return Math.min(k, Math.pow(2, dt / 5));
    }
  }
}
