package dev.runaway.benchmarks.detection;

import dev.runaway.benchmarks.detection.SyntheticStudy.NuisanceRecord;
import dev.runaway.benchmarks.detection.SyntheticStudy.NullRecord;
import dev.runaway.benchmarks.detection.SyntheticStudy.Results;
import dev.runaway.benchmarks.detection.SyntheticStudy.RunawayRecord;
import dev.runaway.benchmarks.detection.SyntheticStudy.Variant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Turns synthetic results into Markdown tables and a summary against the targets. */
final class SyntheticReport {

  private final SyntheticStudy.Config config;
  private final Results results;

  SyntheticReport(SyntheticStudy.Config config, Results results) {
    this.config = config;
    this.results = results;
  }

  /** Aggregates of one runaway cell. */
  static final class Cell {
    Variant variant;
    double rate;
    double k;
    Modifier.Shape shape;
    int runs;
    int preAlerted;
    double alertMedian;
    double alertP90;
    double alertMiss;
    double oracleMedian;
    double naiveMedian;
    double tripMedian;
    double tripP90;
    double tripMiss;
    double falseTripShare;
    double leakMedian;
    double leakP90;
  }

  List<Cell> cells() {
    Map<String, List<RunawayRecord>> groups = new LinkedHashMap<>();
    List<RunawayRecord> all = new ArrayList<>(results.runaways);
    all.sort((a, b) -> {
      int c = a.variant.compareTo(b.variant);
      c = c != 0 ? c : Double.compare(a.rate, b.rate);
      c = c != 0 ? c : Double.compare(a.k, b.k);
      return c != 0 ? c : a.shape.compareTo(b.shape);
    });
    for (RunawayRecord r : all) {
      groups.computeIfAbsent(r.variant + "|" + r.rate + "|" + r.k + "|" + r.shape, x -> new ArrayList<>()).add(r);
    }
    List<Cell> cells = new ArrayList<>();
    for (List<RunawayRecord> g : groups.values()) {
      RunawayRecord f = g.get(0);
      Cell c = new Cell();
      c.variant = f.variant;
      c.rate = f.rate;
      c.k = f.k;
      c.shape = f.shape;
      c.runs = g.size();
      List<RunawayRecord> clean = g.stream().filter(r -> !r.preAlerted).collect(Collectors.toList());
      c.preAlerted = g.size() - clean.size();
      double[] alerts = values(clean, r -> r.alert);
      c.alertMedian = Stats.quantile(alerts, 0.5);
      c.alertP90 = Stats.quantile(alerts, 0.9);
      c.alertMiss = Stats.missRate(alerts);
      c.oracleMedian = Stats.quantile(values(g, r -> r.oracle), 0.5);
      c.naiveMedian = Stats.quantile(values(g, r -> r.naiveAlert), 0.5);
      double[] trips = values(g, r -> r.trip);
      c.tripMedian = Stats.quantile(trips, 0.5);
      c.tripP90 = Stats.quantile(trips, 0.9);
      c.tripMiss = Stats.missRate(trips);
      c.falseTripShare = g.stream().filter(r -> r.tripsAfterOnset > 0).count() / (double) g.size();
      double[] leaks = values(clean, r -> Double.isNaN(r.alert) ? Double.NaN : r.leakToAlert);
      c.leakMedian = Stats.quantile(leaks, 0.5);
      c.leakP90 = Stats.quantile(leaks, 0.9);
      cells.add(c);
    }
    return cells;
  }

  String runawayTable() {
    StringBuilder b = new StringBuilder();
    b.append("| variant | calls/min | k | shape | alert median | alert p90 | alert miss | oracle median | naive median "
        + "| breaker median | breaker p90 | breaker miss / false-trip runs | leaked median | leaked p90 | pre-alerted |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Cell c : cells()) {
      boolean tripCell = c.k > 5;
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |%n",
          c.variant.label, num(c.rate), num(c.k), c.shape.label, min(c.alertMedian), min(c.alertP90), pct(c.alertMiss),
          min(c.oracleMedian), min(c.naiveMedian), tripCell ? min(c.tripMedian) : "-", tripCell ? min(c.tripP90) : "-",
          tripCell ? pct(c.tripMiss) + " miss" : pct(c.falseTripShare) + " false", min(c.leakMedian), min(c.leakP90),
          c.preAlerted));
    }
    return b.toString();
  }

  /** Aggregates of the null runs of one (variant, rate). */
  static final class NullCell {
    Variant variant;
    double rate;
    int weeks;
    double episodesPerWeek;
    double upper95;
    int trips;
    double oraclePerWeek;
    double naivePerWeek;
    double naiveTripsPerWeek;
  }

  List<NullCell> nullCells() {
    Map<String, List<NullRecord>> groups = new LinkedHashMap<>();
    List<NullRecord> all = new ArrayList<>(results.nulls);
    all.sort((a, b) -> {
      int c = a.variant.compareTo(b.variant);
      return c != 0 ? c : Double.compare(a.rate, b.rate);
    });
    for (NullRecord r : all) {
      groups.computeIfAbsent(r.variant + "|" + r.rate, x -> new ArrayList<>()).add(r);
    }
    List<NullCell> out = new ArrayList<>();
    for (List<NullRecord> g : groups.values()) {
      NullCell c = new NullCell();
      c.variant = g.get(0).variant;
      c.rate = g.get(0).rate;
      c.weeks = g.size();
      long eps = g.stream().mapToLong(r -> r.episodes).sum();
      c.episodesPerWeek = eps / (double) g.size();
      c.upper95 = Stats.poissonUpper95(eps) / g.size();
      c.trips = g.stream().mapToInt(r -> r.trips).sum();
      c.oraclePerWeek = g.stream().mapToLong(r -> r.oracleEpisodes).sum() / (double) g.size();
      c.naivePerWeek = g.stream().mapToLong(r -> r.naiveEpisodes).sum() / (double) g.size();
      c.naiveTripsPerWeek = g.stream().mapToLong(r -> r.naiveTrips).sum() / (double) g.size();
      out.add(c);
    }
    return out;
  }

  String nullTable() {
    StringBuilder b = new StringBuilder();
    b.append("| variant | calls/min | service-weeks | our episodes/week | 95% upper bound | our breaker trips "
        + "| oracle CUSUM (k=2) episodes/week | naive episodes/week | naive breaker episodes/week |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    for (NullCell c : nullCells()) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %d | %.2f | %.1f | %.1f |%n", c.variant.label,
          num(c.rate), c.weeks, c.episodesPerWeek, c.upper95, c.trips, c.oraclePerWeek, c.naivePerWeek,
          c.naiveTripsPerWeek));
    }
    return b.toString();
  }

  String nuisanceTable() {
    Map<String, List<NuisanceRecord>> groups = new LinkedHashMap<>();
    List<NuisanceRecord> all = new ArrayList<>(results.nuisances);
    all.sort((a, b) -> {
      int c = a.nuisance.compareTo(b.nuisance);
      c = c != 0 ? c : a.variant.compareTo(b.variant);
      return c != 0 ? c : Double.compare(a.rate, b.rate);
    });
    for (NuisanceRecord r : all) {
      groups.computeIfAbsent(r.nuisance + "|" + r.variant + "|" + r.rate, x -> new ArrayList<>()).add(r);
    }
    StringBuilder b = new StringBuilder();
    b.append("| nuisance | variant | calls/min | runs | our episodes/run | runs alerted | our breaker trips "
        + "| oracle episodes/run | naive episodes/run | naive breaker trips |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (List<NuisanceRecord> g : groups.values()) {
      NuisanceRecord f = g.get(0);
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %s | %d | %.2f | %.2f | %d |%n", f.nuisance.label,
          f.variant.label, num(f.rate), g.size(), g.stream().mapToInt(r -> r.episodes).average().orElse(0),
          pct(g.stream().filter(r -> r.episodes > 0).count() / (double) g.size()),
          g.stream().mapToInt(r -> r.trips).sum(), g.stream().mapToInt(r -> r.oracleEpisodes).average().orElse(0),
          g.stream().mapToInt(r -> r.naiveEpisodes).average().orElse(0), g.stream().mapToInt(r -> r.naiveTrips).sum()));
    }
    return b.toString();
  }

  /** The targets, each with the measured value and a verdict. */
  String targets() {
    List<Cell> cells = cells();
    List<NullCell> nulls = nullCells();
    StringBuilder b = new StringBuilder();
    b.append("| target (calls/min >= 5 unless stated) | scope | measured | met |\n|---|---|---|---|\n");
    for (Variant v : config.variants) {
      double worst = nulls.stream().filter(c -> c.variant == v && c.rate >= 5).mapToDouble(c -> c.episodesPerWeek)
          .max().orElse(Double.NaN);
      double worstUb = nulls.stream().filter(c -> c.variant == v && c.rate >= 5).mapToDouble(c -> c.upper95).max()
          .orElse(Double.NaN);
      row(b, "<= 1 alert episode per service-week (null)", v.label,
          String.format(Locale.ROOT, "worst %.3f/week (95%% UB %.3f)", worst, worstUb), worst <= 1);
    }
    long nullTrips = results.nulls.stream().mapToLong(r -> r.trips).sum();
    long nuisanceTrips = results.nuisances.stream().mapToLong(r -> r.trips).sum();
    long nullTripsHigh = results.nulls.stream().filter(r -> r.rate >= 5).mapToLong(r -> r.trips).sum();
    long nuisanceTripsHigh = results.nuisances.stream().filter(r -> r.rate >= 5).mapToLong(r -> r.trips).sum();
    row(b, "zero breaker trips in null and nuisance runs", "all variants, >= 5/min",
        nullTripsHigh + " null, " + nuisanceTripsHigh + " nuisance", nullTripsHigh + nuisanceTripsHigh == 0);
    row(b, "(same, below 5/min, reported)", "all variants, 0.5/min",
        (nullTrips - nullTripsHigh) + " null, " + (nuisanceTrips - nuisanceTripsHigh) + " nuisance",
        nullTrips + nuisanceTrips - nullTripsHigh - nuisanceTripsHigh == 0);
    double[][] delayTargets = {{100, 1}, {10, 2}, {5, 5}, {2, 30}};
    for (Variant v : config.variants) {
      for (double[] t : delayTargets) {
        for (Modifier.Shape shape : List.of(Modifier.Shape.STEP)) {
          double worst = cells.stream().filter(c -> c.variant == v && c.rate >= 5 && c.k == t[0] && c.shape == shape)
              .mapToDouble(c -> c.alertMedian).max().orElse(Double.NaN);
          if (Double.isNaN(worst)) {
            continue;
          }
          row(b, "median alert delay " + num(t[0]) + "x <= " + num(t[1]) + " min", v.label + ", " + shape.label,
              "worst " + min(worst), worst <= t[1]);
        }
      }
      for (Modifier.Shape shape : List.of(Modifier.Shape.STEP)) {
        double worst = cells.stream().filter(c -> c.variant == v && c.rate >= 5 && c.k >= 10 && c.shape == shape)
            .mapToDouble(c -> c.tripMedian).max().orElse(Double.NaN);
        if (!Double.isNaN(worst)) {
          row(b, "median breaker delay >= 10x <= 2 min", v.label + ", " + shape.label, "worst " + min(worst), worst <= 2);
        }
      }
      double worstRatio = 0;
      String where = "";
      for (Cell c : cells) {
        if (c.variant != v || c.rate < 5 || c.shape != Modifier.Shape.STEP) {
          continue;
        }
        double ratio = c.alertMedian / Math.max(c.oracleMedian, 1.0 / Trial.CHUNKS);
        if (ratio > worstRatio) {
          worstRatio = ratio;
          where = num(c.rate) + "/min, " + num(c.k) + "x: " + min(c.alertMedian) + " vs " + min(c.oracleMedian);
        }
      }
      row(b, "median alert delay within 2x of the oracle CUSUM", v.label + ", step",
          String.format(Locale.ROOT, "worst ratio %.2f (%s)", worstRatio, where), worstRatio <= 2);
      double worstLeak = cells.stream().filter(c -> c.variant == v && c.rate < 5).mapToDouble(c -> c.leakP90).max()
          .orElse(Double.NaN);
      double worstLeakMedian = cells.stream().filter(c -> c.variant == v && c.rate < 5).mapToDouble(c -> c.leakMedian)
          .max().orElse(Double.NaN);
      row(b, "below 5/min: leaked spend bounded", v.label + ", 0.5/min, all k and shapes",
          "worst median " + min(worstLeakMedian) + ", worst p90 " + min(worstLeak) + " of normal spend",
          Double.isFinite(worstLeak));
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String target, String scope, String measured, boolean met) {
    b.append("| ").append(target).append(" | ").append(scope).append(" | ").append(measured).append(" | ")
        .append(met ? "yes" : "**no**").append(" |\n");
  }

  private static double[] values(List<RunawayRecord> rs, ToDoubleFunction<RunawayRecord> f) {
    return rs.stream().mapToDouble(f).toArray();
  }

  static String num(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  static String min(double minutes) {
    if (Double.isNaN(minutes)) {
      return "n/a";
    }
    if (Double.isInfinite(minutes)) {
      return "miss";
    }
    return String.format(Locale.ROOT, "%.2f", minutes);
  }

  static String pct(double share) {
    return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", share * 100);
  }
}
