package dev.runaway.benchmarks.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runaway.benchmarks.detection.NabData.Profile;
import dev.runaway.benchmarks.detection.NabData.Series;
import dev.runaway.benchmarks.detection.NabScorer.FileScore;
import dev.runaway.benchmarks.detection.NabScorer.Labelled;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class NabScorerTest {

  private static NabData data;

  @BeforeAll
  static void load() {
    Path dir = NabData.locate().orElse(null);
    if (dir != null) {
      data = NabData.load(dir);
    }
  }

  private static void requireData() {
    Assumptions.assumeTrue(data != null,
        "NAB data not found: expected shared/data/nab beside the repository (or -Dnab.dir / NAB_DIR); skipping");
  }

  @ParameterizedTest
  @CsvSource({"-1,0.986614", "-0.5,0.848284", "0,0", "0.75,-0.954045", "3,-1", "3.5,-1"})
  void sigma_matchesNab(double x, double expected) {
    assertThat(NabScorer.sigma(x)).isCloseTo(expected, within(1e-6));
  }

  @Test
  void scorerTestExample_matchesNabsIntegrationTest() {
    // NAB tests/integration/scorer_test.py::testScoringAllMetrics: 100 points, windows [30..34]
    // and [65..69], no probation, all weights 1, detections at 30, 31 and 37.
    LocalDateTime t0 = LocalDateTime.of(2015, 1, 1, 0, 0);
    List<LocalDateTime> ts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ts.add(t0.plusMinutes(5L * i));
    }
    List<LocalDateTime[]> windows = List.of(new LocalDateTime[] {ts.get(30), ts.get(34)},
        new LocalDateTime[] {ts.get(65), ts.get(69)});
    Profile ones = new Profile("ones", 1, 1, 1);
    Labelled l = NabScorer.label("example", ts, windows, ones, 0);
    double[] scores = new double[100];
    scores[30] = 1;
    scores[31] = 1;
    scores[37] = 1;
    FileScore fs = NabScorer.score(l, scores, 0.5, ones);

    assertThat(fs.score()).isCloseTo(1 - 1 + NabScorer.sigma(0.75), within(1e-12)).isCloseTo(-0.95405, within(1e-5));
    assertThat(fs.tp()).isEqualTo(2);
    assertThat(fs.fp()).isEqualTo(1);
    assertThat(fs.fn()).isEqualTo(8);
    assertThat(fs.tn()).isEqualTo(89);
  }

  @Test
  void falsePositiveBeforeAnyWindow_costsTheFullFpWeight_andAMissCostsTheFnWeight() {
    LocalDateTime t0 = LocalDateTime.of(2015, 1, 1, 0, 0);
    List<LocalDateTime> ts = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ts.add(t0.plusMinutes(i));
    }
    List<LocalDateTime[]> windows = List.<LocalDateTime[]>of(new LocalDateTime[] {ts.get(40), ts.get(44)});
    Profile lowFn = new Profile("reward_low_FN_rate", 1, 0.11, 2);
    double[] scores = new double[50];
    scores[3] = 1;
    FileScore fs = NabScorer.score(NabScorer.label("x", ts, windows, lowFn, 0), scores, 0.5, lowFn);

    assertThat(fs.score()).isCloseTo(-0.11 - 2, within(1e-12));
  }

  @Test
  void fixtures_reproduceNabsPublishedFileScores() {
    requireData();
    Profile standard = data.profile("standard");
    int checked = 0;
    for (Series s : data.series) {
      Double expected = NabStudy.FIXTURES.get(s.name());
      if (expected != null) {
        double got = NabScorer.score(NabScorer.label(s, standard), data.publishedScores("numenta", s),
            NabStudy.FIXTURE_THRESHOLD, standard).score();
        assertThat(got).as(s.name()).isCloseTo(expected, within(1e-9));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(3);
  }

  @Test
  void subset_hasFortyOneFilesAndNinetySixScorableWindows() {
    requireData();
    assertThat(data.series).hasSize(41);
    assertThat(data.series.stream().mapToInt(s -> NabScorer.label(s, data.profile("standard")).scorableWindows()).sum())
        .isEqualTo(96);
  }

  @Test
  void nullDetector_scoresZero_andPerfectDetector_scoresHundred_underEveryProfile() {
    requireData();
    for (Profile p : data.profiles) {
      List<Labelled> labelled = new ArrayList<>();
      List<double[]> zeros = new ArrayList<>();
      List<double[]> perfect = new ArrayList<>();
      double rawZero = 0;
      double rawPerfect = 0;
      int windows = 0;
      for (Series s : data.series) {
        Labelled l = NabScorer.label(s, p);
        labelled.add(l);
        double[] z = new double[s.size()];
        double[] best = new double[s.size()];
        for (int[] b : l.bounds) {
          best[b[0]] = 1;
        }
        zeros.add(z);
        perfect.add(best);
        rawZero += NabScorer.score(l, z, 0.5, p).score();
        rawPerfect += NabScorer.score(l, best, 0.5, p).score();
        windows += l.scorableWindows();
      }
      assertThat(NabScorer.normalise(rawZero, windows, p)).as(p.name()).isEqualTo(0.0);
      assertThat(NabScorer.normalise(rawPerfect, windows, p)).as(p.name()).isCloseTo(100.0, within(1e-9));
      assertThat(NabScorer.normalise(NabScorer.sweep(labelled, perfect, p).score(), windows, p)).isCloseTo(100.0,
          within(1e-9));
      assertThat(NabScorer.sweep(labelled, zeros, p).threshold()).isEqualTo(1.1);
    }
  }

  @ParameterizedTest
  @CsvSource({"numenta,69.3", "windowedGaussian,39.5", "earthgeckoSkyline,59.5"})
  void normalisation_reproducesTheSubsetScoreboard(String detector, double expected) {
    requireData();
    Profile standard = data.profile("standard");
    Map<String, Double> scores = data.publishedFileScores(detector, "standard");
    double raw = scores.values().stream().mapToDouble(Double::doubleValue).sum();

    assertThat(scores).hasSize(41);
    assertThat(NabScorer.normalise(raw, 96, standard)).isCloseTo(expected, within(0.05));
  }

  @Test
  void sweep_atTheFixtureThreshold_agreesWithFixedThresholdScoring() {
    requireData();
    Profile standard = data.profile("standard");
    List<Labelled> labelled = new ArrayList<>();
    List<double[]> scores = new ArrayList<>();
    for (Series s : data.series) {
      if (NabStudy.FIXTURES.containsKey(s.name())) {
        labelled.add(NabScorer.label(s, standard));
        scores.add(data.publishedScores("numenta", s));
      }
    }
    double fixed = 0;
    for (int i = 0; i < labelled.size(); i++) {
      fixed += NabScorer.score(labelled.get(i), scores.get(i), NabStudy.FIXTURE_THRESHOLD, standard).score();
    }
    NabScorer.Sweep sweep = NabScorer.sweep(labelled, scores, standard);

    assertThat(sweep.score()).isGreaterThanOrEqualTo(fixed - 1e-9);
  }
}
