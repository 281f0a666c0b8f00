package dev.runaway.benchmarks.detection;

import java.util.SplittableRandom;

/**
 * Random variates for the synthetic traffic: Poisson (inversion for small means, Hörmann's
 * transformed rejection PTRS for large ones), gamma (Marsaglia and Tsang), and sums of log-normal
 * per-call costs.
 *
 * <p>Not thread-safe: one sampler per simulated run.
 */
final class Sampler {

  private static final double[] LOG_FACTORIAL = new double[256];

  static {
    for (int i = 1; i < LOG_FACTORIAL.length; i++) {
      LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1] + Math.log(i);
    }
  }

  private final SplittableRandom random;

  Sampler(long seed) {
    this.random = new SplittableRandom(seed);
  }

  double uniform() {
    return random.nextDouble();
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  double gaussian() {
    return random.nextGaussian();
  }

  /** A Poisson variate with mean {@code mean}. */
  long poisson(double mean) {
    if (!(mean > 0)) {
      return 0;
    }
    if (mean < 12) {
      double limit = Math.exp(-mean);
      double p = random.nextDouble();
      long k = 0;
      while (p > limit) {
        p *= random.nextDouble();
        k++;
      }
      return k;
    }
    double slam = Math.sqrt(mean);
    double loglam = Math.log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      double u = random.nextDouble() - 0.5;
      double v = random.nextDouble();
      double us = 0.5 - Math.abs(u);
      long k = (long) Math.floor((2 * a / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) {
        return k;
      }
      if (k < 0 || us < 0.013 && v > us) {
        continue;
      }
      if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) {
        return k;
      }
    }
  }

  /** A gamma variate with the given shape (at least 1) and scale. */
  double gamma(double shape, double scale) {
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = random.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v * scale;
      }
    }
  }

  /**
   * The total cost of {@code n} calls with log-normal costs of the given mean and log-sd: exact
   * sums for up to 30 calls, the normal approximation with matching mean and variance above.
   */
  long costOf(long n, double mean, double sigma) {
    if (n <= 0) {
      return 0;
    }
    if (n <= 30) {
      double mu = Math.log(mean) - sigma * sigma / 2;
      double sum = 0;
      for (long i = 0; i < n; i++) {
        sum += Math.exp(mu + sigma * random.nextGaussian());
      }
      return Math.round(sum);
    }
    double var = mean * mean * (Math.exp(sigma * sigma) - 1);
    double sum = n * mean + Math.sqrt(n * var) * random.nextGaussian();
    return Math.max(0, Math.round(sum));
  }

  static double logFactorial(long k) {
    if (k < LOG_FACTORIAL.length) {
      return LOG_FACTORIAL[(int) k];
    }
    double x = k;
    return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x) + 1 / (12 * x) - 1 / (360 * x * x * x);
  }
}
