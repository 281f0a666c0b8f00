package dev.runaway.benchmarks.detection;

import dev.runaway.benchmarks.detection.NabData.Profile;
import dev.runaway.benchmarks.detection.NabData.Series;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The NAB scorer, written from DETECTION.md section 5a (NAB's sweeper at ea702d7): per-point
 * weights from the scaled sigmoid, probation, per-window credit for the earliest detection,
 * per-point cost of detections outside windows, the threshold sweep, and normalisation against
 * the null and perfect detectors.
 *
 * <p>Stateless; the labelled files it returns are immutable.
 */
final class NabScorer {

  /** Window index of a point outside every window. */
  static final int NONE = -1;
  /** Window index of a probationary point (never scored). */
  static final int PROBATION = -2;

  private NabScorer() {}

  /** NAB's scaled sigmoid: {@code 2 / (1 + e^(5x)) - 1}, and -1 from {@code x >= 3}. */
  static double sigma(double x) {
    if (x >= 3.0) {
      return -1.0;
    }
    return 2 / (1 + Math.exp(5 * x)) - 1;
  }

  /** One file's points labelled for one profile. */
  static final class Labelled {
    final String name;
    final double[] weight;
    final int[] window;
    /** For each window, whether it has a non-probation point. */
    final boolean[] scorable;
    /** For each window, its first and last point index. */
    final int[][] bounds;

    Labelled(String name, double[] weight, int[] window, boolean[] scorable, int[][] bounds) {
      this.name = name;
      this.weight = weight;
      this.window = window;
      this.scorable = scorable;
      this.bounds = bounds;
    }

    int scorableWindows() {
      int n = 0;
      for (boolean b : scorable) {
        n += b ? 1 : 0;
      }
      return n;
    }
  }

  /** The probation length of a file of {@code n} rows: {@code min(floor(0.15 n), 750)}. */
  static double probation(int n, double percent) {
    return Math.min(Math.floor(percent * n), percent * 5000);
  }

  /** Labels a file: step 1 of the algorithm. */
  static Labelled label(Series s, Profile p) {
    return label(s.name(), s.timestamps(), s.windows(), p, 0.15);
  }

  static Labelled label(String name, List<LocalDateTime> ts, List<LocalDateTime[]> windows, Profile p,
      double probationPercent) {
    int n = ts.size();
    Map<LocalDateTime, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      index.putIfAbsent(ts.get(i), i);
    }
    double[] weight = new double[n];
    int[] window = new int[n];
    int[][] bounds = new int[windows.size()][];
    boolean[] scorable = new boolean[windows.size()];
    double maxTp = sigma(-1.0);
    double prob = probation(n, probationPercent);
    int next = 0;
    int cur = -1;
    int curRight = -1;
    double curWidth = 0;
    int prevRight = -1;
    double prevWidth = 0;
    for (int i = 0; i < n; i++) {
      LocalDateTime t = ts.get(i);
      if (cur < 0 && next < windows.size() && t.equals(windows.get(next)[0])) {
        cur = next++;
        Integer r = index.get(windows.get(cur)[1]);
        if (r == null) {
          throw new IllegalArgumentException(name + ": window end " + windows.get(cur)[1] + " is not a row");
        }
        curRight = r;
        curWidth = curRight - i + 1;
        bounds[cur] = new int[] {i, curRight};
      }
      if (cur >= 0) {
        double position = -(curRight - i + 1) / curWidth;
        weight[i] = sigma(position) * p.tp() / maxTp;
      } else {
        double position = prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1);
        weight[i] = sigma(position) * p.fp();
      }
      if (i < prob) {
        window[i] = PROBATION;
      } else {
        window[i] = cur >= 0 ? cur : NONE;
        if (cur >= 0) {
          scorable[cur] = true;
        }
      }
      if (cur >= 0 && t.equals(windows.get(cur)[1])) {
        prevRight = i;
        prevWidth = curWidth;
        cur = -1;
      }
    }
    return new Labelled(name, weight, window, scorable, bounds);
  }

  /** A file's score at a fixed threshold, with NAB's per-point counts. */
  record FileScore(double score, int tp, int fp, int fn, int tn, boolean[] detected, int[] firstDetection) {}

  /** Scores one file at threshold {@code theta}: detections are points with {@code s >= theta}. */
  static FileScore score(Labelled l, double[] scores, double theta, Profile p) {
    if (scores.length != l.weight.length) {
      throw new IllegalArgumentException(l.name + ": " + scores.length + " scores for " + l.weight.length + " rows");
    }
    int windows = l.scorable.length;
    double[] best = new double[windows];
    Arrays.fill(best, -p.fn());
    boolean[] detected = new boolean[windows];
    int[] first = new int[windows];
    Arrays.fill(first, -1);
    double fpSum = 0;
    int tp = 0;
    int fp = 0;
    int fn = 0;
    int tn = 0;
    for (int i = 0; i < scores.length; i++) {
      int w = l.window[i];
      if (w == PROBATION) {
        continue;
      }
      boolean hit = scores[i] >= theta;
      if (w >= 0) {
        if (hit) {
          tp++;
          best[w] = Math.max(best[w], l.weight[i]);
          if (!detected[w]) {
            detected[w] = true;
            first[w] = i;
          }
        } else {
          fn++;
        }
      } else if (hit) {
        fp++;
        fpSum += l.weight[i];
      } else {
        tn++;
      }
    }
    double score = fpSum;
    for (int w = 0; w < windows; w++) {
      if (l.scorable[w]) {
        score += best[w];
      }
    }
    return new FileScore(score, tp, fp, fn, tn, detected, first);
  }

  /** The result of the threshold sweep over a corpus. */
  record Sweep(double threshold, double score) {}

  /** Step 2: the threshold that maximises the summed raw score over all files. */
  static Sweep sweep(List<Labelled> files, List<double[]> scores, Profile p) {
    List<double[]> points = new ArrayList<>();
    double total = 0;
    int base = 0;
    int[] offsets = new int[files.size()];
    for (int f = 0; f < files.size(); f++) {
      Labelled l = files.get(f);
      offsets[f] = base;
      for (int w = 0; w < l.scorable.length; w++) {
        if (l.scorable[w]) {
          total -= p.fn();
        }
      }
      double[] s = scores.get(f);
      for (int i = 0; i < s.length; i++) {
        if (l.window[i] != PROBATION) {
          points.add(new double[] {s[i], l.weight[i], l.window[i] >= 0 ? base + l.window[i] : -1});
        }
      }
      base += l.scorable.length;
    }
    double[] best = new double[base];
    Arrays.fill(best, -p.fn());
    points.sort((a, b) -> Double.compare(b[0], a[0]));
    Sweep answer = new Sweep(1.1, total);
    int i = 0;
    while (i < points.size()) {
      double s = points.get(i)[0];
      while (i < points.size() && points.get(i)[0] == s) {
        double[] pt = points.get(i++);
        int w = (int) pt[2];
        if (w >= 0) {
          double nb = Math.max(best[w], pt[1]);
          total += nb - best[w];
          best[w] = nb;
        } else {
          total += pt[1];
        }
      }
      if (total > answer.score()) {
        answer = new Sweep(s, total);
      }
    }
    return answer;
  }

  /** Step 3: {@code 100 (raw - null) / (perfect - null)} for {@code windows} scorable windows. */
  static double normalise(double raw, int windows, Profile p) {
    double nullScore = -p.fn() * windows;
    double perfect = p.tp() * windows;
    return 100 * (raw - nullScore) / (perfect - nullScore);
  }
}
