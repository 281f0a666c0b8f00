package dev.runaway.stats.internal;

/**
 * Tail bounds and likelihood ratios for counts that are Poisson or negative binomial (Poisson with
 * gamma-distributed rate, variance {@code m + phi * m^2}).
 *
 * <p>The significance test uses the Chernoff (large-deviation) bound {@code P(X >= x) <= exp(-I(x))}
 * where {@code I} is the rate function of the distribution. The bound holds for every mean, however
 * small, needs no special functions, and is an <em>upper</em> bound on the true tail: a threshold
 * derived from it is conservative (the true false-alarm probability is lower, typically by a factor
 * of 5 to 20 at the levels we use). {@code I(x)} is also the largest log-likelihood ratio of any
 * rate against {@code m}, and half the deviance.
 *
 * <p>Stateless and thread-safe.
 */
public final class Tails {

  /** Below this dispersion the Poisson formulas are used (they are the limit as phi goes to 0). */
  static final double POISSON_PHI = 1e-12;

  private Tails() {}

  /**
   * {@code ln(1 + z)} for {@code z > -1}: {@link Math#log} (an intrinsic) where it is accurate, a
   * short series for tiny {@code |z|}; {@link Math#log1p} is several times slower.
   */
  static double log1p(double z) {
    if (z > 1e-4 || z < -1e-4) {
      return Math.log(1 + z);
    }
    return z * (1 - z * (0.5 - z * (1.0 / 3 - z * 0.25)));
  }

  /**
   * Returns the rate function {@code I(x)} for mean {@code m} and dispersion {@code phi}: zero for
   * {@code x <= m}, otherwise the Chernoff exponent of {@code P(X >= x)}.
   *
   * @param x the observed amount, in effective units
   * @param m the expected amount, positive
   * @param phi the dispersion, zero for Poisson
   * @return the exponent in nats
   */
  public static double rate(double x, double m, double phi) {
    if (!(x > m)) {
      return 0;
    }
    double lx = Math.log(x / m);
    if (phi < POISSON_PHI) {
      return x * lx - (x - m);
    }
    // ln((x + r) / (m + r)) with r = 1 / phi, written to stay accurate as phi goes to 0.
    double l = log1p(phi * (x - m) / (1 + phi * m));
    return x * (lx - l) - l / phi;
  }

  /**
   * Returns the smallest amount whose rate function reaches {@code target}: amounts at or above
   * it have a tail probability bound of at most {@code exp(-target)}.
   *
   * @param m the expected amount, positive
   * @param phi the dispersion
   * @param target the exponent in nats, positive
   * @return the threshold amount, above {@code m}
   */
  public static double inverse(double m, double phi, double target) {
    return atLeast(m, phi, target, m);
  }

  /**
   * Returns the smallest amount, not below {@code floor}, whose rate function reaches
   * {@code target}: {@code max(floor, inverse(m, phi, target))}, but cheaper when the floor
   * already reaches the target (one evaluation instead of a search).
   *
   * @param m the expected amount, positive
   * @param phi the dispersion
   * @param target the exponent in nats, positive
   * @param floor the lower bound of the answer
   * @return the threshold amount
   */
  public static double atLeast(double m, double phi, double target, double floor) {
    if (floor > m && rate(floor, m, phi) >= target) {
      return floor;
    }
    double var = m * (1 + phi * m);
    // The Gaussian guess with a skewness correction lies near the root; Newton's method on this
    // convex, increasing function converges monotonically after at most one overshoot.
    double x = m + Math.sqrt(2 * target * var) + (2 * target / 3) * (1 + 2 * phi * m) + 1e-9 * (1 + m);
    boolean poisson = phi < POISSON_PHI;
    for (int i = 0; i < 60; i++) {
      double lx = Math.log(x / m);
      double l = poisson ? 0 : log1p(phi * (x - m) / (1 + phi * m));
      double f = (poisson ? x * lx - (x - m) : x * (lx - l) - l / phi) - target;
      double slope = lx - l;
      if (!(slope > 0)) {
        x = 2 * x + 1;
        continue;
      }
      double next = x - f / slope;
      if (next <= m) {
        next = (x + m) / 2;
      }
      if (Math.abs(next - x) <= 1e-6 * next + 1e-9) {
        return Math.max(floor, next);
      }
      x = next;
    }
    return Math.max(floor, x);
  }

  /** The derivative of {@link #rate} in {@code x}, for {@code x > m}. */
  static double slope(double x, double m, double phi) {
    double lx = Math.log(x / m);
    if (phi < POISSON_PHI) {
      return lx;
    }
    return lx - log1p(phi * (x - m) / (1 + phi * m));
  }

  /**
   * Returns the amount in one step that lifts a CUSUM of the log-likelihood ratio of "the mean is
   * {@code k * m}" against "the mean is {@code m}" from {@code s} to {@code h}: the solution of
   * {@code s + a * x - b = h} (see {@link #llrSlope} and {@link #llrIntercept}).
   *
   * @param h the CUSUM's threshold
   * @param s the CUSUM's current value
   * @param m the null mean, positive
   * @param phi the dispersion
   * @param k the alternative's multiple, above 1
   * @param lnK {@code ln(k)}, precomputed
   * @return the amount
   */
  public static double cusumAmount(double h, double s, double m, double phi, double k, double lnK) {
    if (phi < POISSON_PHI) {
      return (h - s + (k - 1) * m) / lnK;
    }
    double l = log1p((k - 1) * phi * m / (1 + phi * m));
    return (h - s + l / phi) / (lnK - l);
  }

  /**
   * Returns the log-likelihood ratio of an amount {@code x} for "the mean is {@code k * m}"
   * against "the mean is {@code m}".
   *
   * @param x the amount
   * @param m the null mean, positive
   * @param phi the dispersion
   * @param k the alternative's multiple, above 1
   * @param lnK {@code ln(k)}, precomputed
   * @return the log-likelihood ratio in nats
   */
  public static double llr(double x, double m, double phi, double k, double lnK) {
    if (phi < POISSON_PHI) {
      return x * lnK - (k - 1) * m;
    }
    double l = log1p((k - 1) * phi * m / (1 + phi * m));
    return x * (lnK - l) - l / phi;
  }

  /**
   * Returns the slope {@code a} of the log-likelihood ratio {@code a * x - b} of "the mean is
   * {@code k * m}" against "the mean is {@code m}" at dispersion {@code phi}.
   *
   * @param m the null mean, positive
   * @param phi the dispersion
   * @param k the alternative's multiple of the mean, above 1
   * @return the slope in nats per effective unit
   */
  public static double llrSlope(double m, double phi, double k) {
    if (phi < POISSON_PHI) {
      return Math.log(k);
    }
    return Math.log(k) - log1p((k - 1) * phi * m / (1 + phi * m));
  }

  /**
   * Returns the intercept {@code b} of the log-likelihood ratio {@code a * x - b}; see
   * {@link #llrSlope}.
   *
   * @param m the null mean, positive
   * @param phi the dispersion
   * @param k the alternative's multiple of the mean, above 1
   * @return the intercept in nats
   */
  public static double llrIntercept(double m, double phi, double k) {
    if (phi < POISSON_PHI) {
      return (k - 1) * m;
    }
    return log1p((k - 1) * phi * m / (1 + phi * m)) / phi;
  }
}
