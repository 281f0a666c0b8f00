package dev.runaway.benchmarks.detection;

import java.util.Arrays;

/** Small statistics helpers for the reports. Stateless. */
final class Stats {

  private Stats() {}

  /**
   * The q-quantile (linear interpolation between order statistics) of values where NaN means
   * "never" and sorts as +infinity.
   */
  static double quantile(double[] values, double q) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = new double[values.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = Double.isNaN(values[i]) ? Double.POSITIVE_INFINITY : values[i];
    }
    Arrays.sort(v);
    double pos = q * (v.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(v.length - 1, lo + 1);
    if (Double.isInfinite(v[hi]) || Double.isInfinite(v[lo])) {
      return pos - lo < 0.5 || lo == hi ? v[lo] : v[hi];
    }
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
  }

  /** The share of NaN ("never") values. */
  static double missRate(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    int n = 0;
    for (double d : values) {
      if (Double.isNaN(d)) {
        n++;
      }
    }
    return n / (double) values.length;
  }

  /**
   * The one-sided 95% upper confidence bound of a Poisson mean given {@code count} events
   * (exact: the mean at which P(X <= count) = 0.05).
   */
  static double poissonUpper95(long count) {
    double lo = count;
    double hi = count + 10 + 10 * Math.sqrt(count + 1);
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (poissonCdf(count, mid) > 0.05) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  static double poissonCdf(long k, double mean) {
    double term = Math.exp(-mean);
    double sum = term;
    for (long i = 1; i <= k; i++) {
      term *= mean / i;
      sum += term;
    }
    return sum;
  }
}
