package dev.runaway.benchmarks.detection;

import dev.runaway.ManualTicker;
import dev.runaway.benchmarks.detection.NabData.Profile;
import dev.runaway.benchmarks.detection.NabData.Series;
import dev.runaway.benchmarks.detection.NabScorer.FileScore;
import dev.runaway.benchmarks.detection.NabScorer.Labelled;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores detectors on the NAB files: ours through the meter's polled-usage path, the null
 * detector, a sliding z-test baseline, and (for checking the scorer) NAB's published results.
 *
 * <p><b>Our adapter.</b> NAB values are not calls or costs; each row's value (negative values
 * clamped to 0) is fed as the call amount of one polled interval {@code [t, t + step)} through
 * {@link BurnRateMeter#observe}, where {@code step} is the file's median sampling interval and the
 * meter's bucket is that step (clamped to 1 s..1 h). Everything else is
 * {@link DetectionSettings#defaults()}: the same configuration for every file, chosen on synthetic
 * data only. A row is a detection (score 1) when {@code observe} returns a spike or a runaway,
 * which happens once per episode (and once more on escalation); every other row scores 0. The
 * detector is one-sided (rises only), has no look-ahead and does not know the file's length.
 *
 * <p>Stateless apart from the data it is given.
 */
final class NabStudy {

  static final double FIXTURE_THRESHOLD = 0.5421876907348634;
  static final Map<String, Double> FIXTURES = Map.of(
      "realKnownCause/nyc_taxi.csv", 2.43572773247,
      "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv", 1.27956648491,
      "realTraffic/speed_7578.csv", 3.19572468045);

  private final NabData data;
  /** Our detector's fixed-threshold NAB score per profile, from the last {@link #run}. */
  final Map<String, Double> ourScores = new LinkedHashMap<>();

  NabStudy(NabData data) {
    this.data = data;
  }

  /** Our detector's scores (0 or 1) for one series. */
  static double[] ours(Series s, DetectionSettings base) {
    Duration step = step(s);
    DetectionSettings settings = base.toBuilder().bucket(step).build();
    Instant first = s.timestamps().get(0).toInstant(ZoneOffset.UTC);
    BurnRateMeter meter = BurnRateMeter.create(settings, ManualTicker.startingAt(first));
    double[] out = new double[s.size()];
    for (int i = 0; i < s.size(); i++) {
      Instant from = s.timestamps().get(i).toInstant(ZoneOffset.UTC);
      MeterEvent e = meter.observe(from, from.plus(step), Math.max(0, s.values()[i]), 0);
      out[i] = e != MeterEvent.NONE && e != MeterEvent.RESOLVED ? 1 : 0;
    }
    return out;
  }

  /** The file's median sampling interval, clamped to the meter's bucket range. */
  static Duration step(Series s) {
    long[] gaps = new long[s.size() - 1];
    for (int i = 1; i < s.size(); i++) {
      gaps[i - 1] = Duration.between(s.timestamps().get(i - 1), s.timestamps().get(i)).getSeconds();
    }
    Arrays.sort(gaps);
    long median = gaps.length == 0 ? 300 : gaps[gaps.length / 2];
    return Duration.ofSeconds(Math.max(1, Math.min(3600, median)));
  }

  /**
   * A simple reference: a two-sided z-test of each value against the mean and standard deviation
   * of the preceding 6,400 values (like NAB's windowed Gaussian), alarming at |z| > 4, binary.
   */
  static double[] slidingZ(Series s) {
    int w = 6400;
    double[] v = s.values();
    double[] out = new double[v.length];
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < v.length; i++) {
      int n = Math.min(i, w);
      if (n >= 30) {
        double mean = sum / n;
        double sd = Math.sqrt(Math.max(0, sq / n - mean * mean));
        out[i] = sd > 0 && Math.abs(v[i] - mean) / sd > 4 ? 1 : 0;
      }
      sum += v[i];
      sq += v[i] * v[i];
      if (i >= w) {
        sum -= v[i - w];
        sq -= v[i - w] * v[i - w];
      }
    }
    return out;
  }

  /** Checks the scorer against the published per-file scores of the three fixture files. */
  String conformance() {
    Profile standard = data.profile("standard");
    StringBuilder b = new StringBuilder("| fixture | published score | our scorer | difference |\n|---|---|---|---|\n");
    for (Series s : data.series) {
      Double expected = FIXTURES.get(s.name());
      if (expected == null) {
        continue;
      }
      double got = NabScorer.score(NabScorer.label(s, standard), data.publishedScores("numenta", s), FIXTURE_THRESHOLD,
          standard).score();
      b.append(String.format(Locale.ROOT, "| %s | %.11f | %.11f | %.1e |%n", s.name(), expected, got, got - expected));
    }
    b.append("\n| published detector (subset, standard, from its per-file Score column) | normalised |\n|---|---|\n");
    int windows = data.series.stream().mapToInt(s -> NabScorer.label(s, standard).scorableWindows()).sum();
    for (String det : List.of("numenta", "windowedGaussian", "earthgeckoSkyline", "null")) {
      Map<String, Double> scores = data.publishedFileScores(det, "standard");
      double raw = scores.values().stream().mapToDouble(Double::doubleValue).sum();
      b.append(String.format(Locale.ROOT, "| %s (%d files) | %.1f |%n", det, scores.size(),
          NabScorer.normalise(raw, windows, standard)));
    }
    return b.toString();
  }

  /** Runs our detector, the null detector and the z-test baseline; returns the report section. */
  String run(DetectionSettings settings) {
    Map<String, List<double[]>> detectors = new LinkedHashMap<>();
    List<double[]> oursScores = new ArrayList<>();
    List<double[]> nullScores = new ArrayList<>();
    List<double[]> zScores = new ArrayList<>();
    for (Series s : data.series) {
      oursScores.add(ours(s, settings));
      nullScores.add(new double[s.size()]);
      zScores.add(slidingZ(s));
    }
    detectors.put("ours (BurnRateMeter, defaults)", oursScores);
    detectors.put("null", nullScores);
    detectors.put("sliding z-test |z| > 4 (reference)", zScores);

    StringBuilder b = new StringBuilder();
    b.append("| detector | profile | raw at θ=0.5 | NAB score (θ fixed) | θ* | NAB score at θ* |\n|---|---|---|---|---|---|\n");
    for (Map.Entry<String, List<double[]>> d : detectors.entrySet()) {
      for (Profile p : data.profiles) {
        List<Labelled> labelled = label(p);
        double raw = 0;
        int windows = 0;
        for (int f = 0; f < labelled.size(); f++) {
          raw += NabScorer.score(labelled.get(f), d.getValue().get(f), 0.5, p).score();
          windows += labelled.get(f).scorableWindows();
        }
        NabScorer.Sweep sw = NabScorer.sweep(labelled, d.getValue(), p);
        if (d.getValue() == oursScores) {
          ourScores.put(p.name(), NabScorer.normalise(raw, windows, p));
        }
        b.append(String.format(Locale.ROOT, "| %s | %s | %.3f | **%.1f** | %s | %.1f |%n", d.getKey(), p.name(), raw,
            NabScorer.normalise(raw, windows, p), sw.threshold() > 1 ? "none" : String.valueOf(sw.threshold()),
            NabScorer.normalise(sw.score(), windows, p)));
      }
    }
    b.append("\n").append(categories(oursScores)).append("\n").append(directions(oursScores)).append("\n")
        .append(perFile(oursScores));
    return b.toString();
  }

  private List<Labelled> label(Profile p) {
    List<Labelled> out = new ArrayList<>();
    for (Series s : data.series) {
      out.add(NabScorer.label(s, p));
    }
    return out;
  }

  private String categories(List<double[]> scores) {
    Profile p = data.profile("standard");
    Map<String, double[]> byCat = new LinkedHashMap<>();
    for (int f = 0; f < data.series.size(); f++) {
      Series s = data.series.get(f);
      Labelled l = NabScorer.label(s, p);
      double[] acc = byCat.computeIfAbsent(s.category(), c -> new double[2]);
      acc[0] += NabScorer.score(l, scores.get(f), 0.5, p).score();
      acc[1] += l.scorableWindows();
    }
    StringBuilder b = new StringBuilder("| category (standard, θ=0.5) | windows | NAB score |\n|---|---|---|\n");
    for (Map.Entry<String, double[]> e : byCat.entrySet()) {
      b.append(String.format(Locale.ROOT, "| %s | %d | %.1f |%n", e.getKey(), (int) e.getValue()[1],
          NabScorer.normalise(e.getValue()[0], (int) e.getValue()[1], p)));
    }
    return b.toString();
  }

  /** Up-window and down-window recall, and detection lags (standard profile, θ = 0.5). */
  private String directions(List<double[]> scores) {
    Profile p = data.profile("standard");
    int[] windows = new int[2];
    int[] hits = new int[2];
    List<Double> lagStart = new ArrayList<>();
    List<Double> lagLabel = new ArrayList<>();
    for (int f = 0; f < data.series.size(); f++) {
      Series s = data.series.get(f);
      Labelled l = NabScorer.label(s, p);
      FileScore fs = NabScorer.score(l, scores.get(f), 0.5, p);
      for (int w = 0; w < l.scorable.length; w++) {
        if (!l.scorable[w]) {
          continue;
        }
        int dir = isUp(s.values(), l.bounds[w][0], l.bounds[w][1]) ? 0 : 1;
        windows[dir]++;
        if (fs.detected()[w]) {
          hits[dir]++;
          int first = fs.firstDetection()[w];
          lagStart.add(Duration.between(s.timestamps().get(l.bounds[w][0]), s.timestamps().get(first)).toMinutes() / 60.0);
          if (w < s.labels().size()) {
            lagLabel.add(Duration.between(s.labels().get(w), s.timestamps().get(first)).toMinutes() / 60.0);
          }
        }
      }
    }
    return String.format(Locale.ROOT, "| windows (standard, θ=0.5) | count | detected | recall |%n|---|---|---|---|%n"
        + "| upward excursions | %d | %d | %.0f%% |%n| downward excursions | %d | %d | %.0f%% |%n%n"
        + "Median detection lag over detected windows: %.1f h after the window start, %.1f h after the labelled point "
        + "(negative: before it).%n", windows[0], hits[0], 100.0 * hits[0] / Math.max(1, windows[0]), windows[1], hits[1],
        100.0 * hits[1] / Math.max(1, windows[1]), median(lagStart), median(lagLabel));
  }

  /**
   * The crude direction heuristic of DETECTION.md section 2 (caveat 6): a window is an upward
   * excursion when its maximum lies further above the median of the 500 preceding points than its
   * minimum lies below it (in units of their MAD).
   */
  static boolean isUp(double[] v, int left, int right) {
    int from = Math.max(0, left - 500);
    double[] before = Arrays.copyOfRange(v, from, Math.max(from + 1, left));
    double med = medianOf(before);
    double[] dev = new double[before.length];
    for (int i = 0; i < dev.length; i++) {
      dev[i] = Math.abs(before[i] - med);
    }
    double mad = Math.max(1e-12, medianOf(dev));
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (int i = left; i <= right; i++) {
      max = Math.max(max, v[i]);
      min = Math.min(min, v[i]);
    }
    return (max - med) / mad >= (med - min) / mad;
  }

  private String perFile(List<double[]> scores) {
    Profile p = data.profile("standard");
    StringBuilder b = new StringBuilder("| file | windows | detected | detections outside windows | raw score (standard, θ=0.5) |\n"
        + "|---|---|---|---|---|\n");
    for (int f = 0; f < data.series.size(); f++) {
      Series s = data.series.get(f);
      Labelled l = NabScorer.label(s, p);
      FileScore fs = NabScorer.score(l, scores.get(f), 0.5, p);
      int det = 0;
      for (boolean d : fs.detected()) {
        det += d ? 1 : 0;
      }
      b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.3f |%n", s.name(), l.scorableWindows(), det, fs.fp(),
          fs.score()));
    }
    return b.toString();
  }

  private static double median(List<Double> xs) {
    return xs.isEmpty() ? Double.NaN : medianOf(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static double medianOf(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    int n = c.length;
    return n == 0 ? 0 : n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
  }
}
