package dev.runaway.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class TailsTest {

  /** log P(X = x) for the negative binomial with mean m and dispersion phi (Poisson at phi 0). */
  private static double logPmf(long x, double m, double phi) {
    if (phi == 0) {
      return x * Math.log(m) - m - logFactorial(x);
    }
    double r = 1 / phi;
    return logGamma(x + r) - logGamma(r) - logFactorial(x) + r * Math.log(r / (r + m)) + x * Math.log(m / (r + m));
  }

  private static double upperTail(long x, double m, double phi) {
    double sum = 0;
    for (long k = x; k < x + 100_000; k++) {
      double term = Math.exp(logPmf(k, m, phi));
      sum += term;
      if (term < sum * 1e-17 && k > m) {
        break;
      }
    }
    return sum;
  }

  private static double logFactorial(long n) {
    return logGamma(n + 1.0);
  }

  /** Lanczos approximation, accurate to about 1e-13 for positive arguments. */
  private static double logGamma(double z) {
    double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};
    if (z < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
    }
    z -= 1;
    double a = g[0];
    double t = z + 7.5;
    for (int i = 1; i < 9; i++) {
      a += g[i] / (z + i);
    }
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
  }

  @ParameterizedTest
  @CsvSource({"0.01,0", "0.3,0", "2,0", "25,0", "400,0", "0.3,0.1", "5,0.1", "50,0.1", "500,0.1", "5,2", "80,0.5"})
  void inverse_isConservative_theExactTailIsBelowTheTarget(double m, double phi) {
    double target = Math.log(1e6);
    double x = Tails.inverse(m, phi, target);
    long threshold = (long) Math.ceil(x);

    assertThat(Tails.rate(x, m, phi)).isCloseTo(target, within(1e-3));
    assertThat(upperTail(threshold, m, phi)).isLessThanOrEqualTo(1e-6);
    // ...and not absurdly so: one count lower is within a factor 1e4 of the target.
    assertThat(upperTail(threshold - 1, m, phi)).isGreaterThan(1e-10);
  }

  @ParameterizedTest
  @CsvSource({"7,3,0,2", "20,10,0.1,2", "0,4,0.05,1.5", "300,100,0.02,10"})
  void llr_matchesTheDifferenceOfLogLikelihoods(long x, double m, double phi, double k) {
    double expected = logPmf(x, k * m, phi) - logPmf(x, m, phi);

    assertThat(Tails.llr(x, m, phi, k, Math.log(k))).isCloseTo(expected, within(1e-8));
    assertThat(x * Tails.llrSlope(m, phi, k) - Tails.llrIntercept(m, phi, k)).isCloseTo(expected, within(1e-8));
  }

  @ParameterizedTest
  @CsvSource({"3,0,2,10,2", "20,0.1,2,10,5", "1,0.5,1.25,7,0"})
  void cusumAmount_liftsTheCusumExactlyToTheThreshold(double m, double phi, double k, double h, double s) {
    double x = Tails.cusumAmount(h, s, m, phi, k, Math.log(k));

    assertThat(s + Tails.llr(x, m, phi, k, Math.log(k))).isCloseTo(h, within(1e-9));
  }

  @ParameterizedTest
  @CsvSource({"0", "1e-6", "1e-5", "2e-4", "0.5", "3"})
  void log1p_isAccurate(double z) {
    assertThat(Tails.log1p(z)).isCloseTo(Math.log1p(z), within(1e-15 + 1e-13 * Math.log1p(z)));
  }
}
