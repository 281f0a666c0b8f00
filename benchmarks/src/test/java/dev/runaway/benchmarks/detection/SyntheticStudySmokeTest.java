package dev.runaway.benchmarks.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A small run of the synthetic protocol, so that `mvn verify` keeps the harness working. */
final class SyntheticStudySmokeTest {

  @Test
  void smallStudy_detectsAHundredfoldStepAndStaysQuietOnNullDays() {
    SyntheticStudy.Config c = new SyntheticStudy.Config();
    c.cellSeeds = 1;
    c.nullSeeds = 1;
    c.threads = 1;
    c.variants = List.of(SyntheticStudy.Variant.POISSON);
    c.rates = new double[] {50};
    c.ks = new double[] {100};
    c.shapes = List.of(Modifier.Shape.STEP);
    c.nuisances = List.of(Modifier.Nuisance.BATCH);
    SyntheticStudy.Results r = new SyntheticStudy(c).run();

    assertThat(r.runaways).hasSize(1);
    SyntheticStudy.RunawayRecord run = r.runaways.get(0);
    assertThat(run.alert).isLessThan(1);
    assertThat(run.trip).isLessThan(1);
    assertThat(run.oracle).isEqualTo(1);
    assertThat(r.nulls).hasSize(1);
    assertThat(r.nulls.get(0).trips).isZero();
    assertThat(r.nuisances.get(0).trips).isZero();
    SyntheticReport report = new SyntheticReport(c, r);
    assertThat(report.targets()).contains("median alert delay 100x <= 1 min");
    assertThat(report.runawayTable()).contains("| Poisson | 50 | 100 | step |");
  }

  @Test
  void sampler_poissonAndGammaHaveTheRightMoments() {
    Sampler s = new Sampler(42);
    for (double mean : new double[] {0.3, 5, 40, 800}) {
      double sum = 0;
      double sq = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        long x = s.poisson(mean);
        sum += x;
        sq += (double) x * x;
      }
      double m = sum / n;
      double v = sq / n - m * m;
      assertThat(m).isCloseTo(mean, org.assertj.core.data.Offset.offset(4 * Math.sqrt(mean / n) + 1e-9));
      assertThat(v / mean).isBetween(0.93, 1.07);
    }
    double sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += s.gamma(10, 0.1);
    }
    assertThat(sum / 20_000).isBetween(0.99, 1.01);
  }
}
