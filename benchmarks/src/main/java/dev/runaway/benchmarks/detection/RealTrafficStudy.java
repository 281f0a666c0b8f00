package dev.runaway.benchmarks.detection;

import dev.runaway.ServicePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The real-traffic study: every series of {@link RealTraffic} replayed through the guard once
 * clean (false trips and alert episodes outside labelled windows) and {@code seeds} injection
 * passes (delays; each runaway of a pass in a replay of its own, see {@link #replays}), then the
 * figures per series, per half and overall.
 *
 * <p>Evaluation starts after 7 days of the series (the guard learns from the first row; the first
 * week is its history, as in the synthetic protocol). Injections: for each pass, the 8 combinations
 * of k in {2, 5, 10, 100} and shape in {step, 30-min ramp}, in a seeded random order, once or twice
 * (twice when the series leaves at least 1.5 days per injection), each at a seeded uniform time in
 * its own slot of the evaluated span such that its 6 hours touch no labelled window (redrawn up to
 * 50 times, else left out).
 *
 * <p>Not thread-safe; runs the passes on its own pool.
 */
final class RealTrafficStudy {

  static final double[] KS = {2, 5, 10, 100};
  static final List<Modifier.Shape> SHAPES = List.of(Modifier.Shape.STEP, Modifier.Shape.RAMP);
  static final long WARM_MS = 7 * RealTraffic.DAY;
  static final double WEEK_MS = 7.0 * RealTraffic.DAY;

  /** The figures of one series. */
  static final class SeriesResult {
    final RealTraffic.Series series;
    double weeks;
    int falseTrips;
    int falseEpisodes;
    long calls;
    final List<RealReplay.Outcome> outcomes = new ArrayList<>();

    SeriesResult(RealTraffic.Series series) {
      this.series = series;
    }

    double tripsPerWeek() {
      return falseTrips / weeks;
    }

    /** {@link RealTraffic.Series#organicEpisodes} over the judged span, per week. */
    double organicPerWeek(double k, double minutes) {
      return series.organicEpisodes(series.start() + WARM_MS, k, minutes) / weeks;
    }

    double episodesPerWeek() {
      return falseEpisodes / weeks;
    }

    double[] tripDelays(double k, Modifier.Shape shape) {
      return outcomes.stream().filter(o -> o.injection.k() == k && o.injection.shape() == shape && !o.preTripped)
          .mapToDouble(o -> o.tripDelay).toArray();
    }

    double[] alertDelays(double k, Modifier.Shape shape) {
      return outcomes.stream().filter(o -> o.injection.k() == k && o.injection.shape() == shape && !o.preAlerted)
          .mapToDouble(o -> o.alertDelay).toArray();
    }
  }

  private final List<RealTraffic.Series> series;
  private final int seeds;
  private final int threads;
  private final Consumer<ServicePolicy.Builder> knob;

  RealTrafficStudy(List<RealTraffic.Series> series, int seeds, int threads, Consumer<ServicePolicy.Builder> knob) {
    this.series = series;
    this.seeds = seeds;
    this.threads = threads;
    this.knob = knob;
  }

  List<SeriesResult> run() {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<RealReplay.Result>> clean = new ArrayList<>();
      List<List<Future<RealReplay.Result>>> injected = new ArrayList<>();
      for (int i = 0; i < series.size(); i++) {
        RealTraffic.Series s = series.get(i);
        long seedBase = 1_000L * (i + 1);
        clean.add(pool.submit(() -> new RealReplay(s, knob, seedBase, List.of()).run()));
        List<Future<RealReplay.Result>> fs = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
          List<RealReplay.Injection> plan = plan(s, seedBase + seed);
          long passSeed = seedBase + seed;
          for (Callable<RealReplay.Result> replay : replays(s, knob, passSeed, plan)) {
            fs.add(pool.submit(replay));
          }
        }
        injected.add(fs);
      }
      List<SeriesResult> out = new ArrayList<>();
      for (int i = 0; i < series.size(); i++) {
        RealTraffic.Series s = series.get(i);
        SeriesResult r = new SeriesResult(s);
        RealReplay.Result c = clean.get(i).get();
        long from = s.start() + WARM_MS;
        r.weeks = (s.end() - from - s.labelledMillis(from, s.end())) / WEEK_MS;
        r.calls = c.calls;
        if (System.getenv("REAL_DEBUG") != null && s.name.contains(System.getenv("REAL_DEBUG"))) {
          for (long t : c.trips) {
            System.err.println("TRIP " + java.time.Instant.ofEpochMilli(t) + (s.inLabel(t) ? " (label)" : ""));
          }
        }
        r.falseTrips = (int) c.trips.stream().filter(t -> t >= from && !s.inLabel(t)).count();
        r.falseEpisodes = (int) c.episodes.stream().filter(t -> t >= from && !s.inLabel(t)).count();
        for (Future<RealReplay.Result> f : injected.get(i)) {
          r.outcomes.addAll(f.get().outcomes);
        }
        out.add(r);
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("real-traffic study failed", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The replays of one injection pass: one per runaway ({@link RealReplay#isolated}, each judged
   * as if it were the only one), or one for the whole plan.
   */
  static List<Callable<RealReplay.Result>> replays(RealTraffic.Series s, Consumer<ServicePolicy.Builder> knob,
      long passSeed, List<RealReplay.Injection> plan) {
    List<Callable<RealReplay.Result>> out = new ArrayList<>();
    if (RealReplay.isolated) {
      for (RealReplay.Injection inj : plan) {
        out.add(() -> new RealReplay(s, knob, passSeed, List.of(inj)).run());
      }
    } else {
      out.add(() -> new RealReplay(s, knob, passSeed, plan).run());
    }
    return out;
  }

  /** The injection plan of one pass over one series. */
  static List<RealReplay.Injection> plan(RealTraffic.Series s, long seed) {
    Sampler random = new Sampler(seed * 7919 + 17);
    long from = s.start() + WARM_MS;
    long to = s.end() - RealReplay.MAX_RUNAWAY_MS - RealTraffic.HOUR;
    if (to <= from) {
      return List.of();
    }
    int combos = KS.length * SHAPES.size();
    int rounds = (to - from) >= 2 * combos * 1.5 * RealTraffic.DAY ? 2 : 1;
    List<double[]> order = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      List<double[]> round = new ArrayList<>();
      for (double k : KS) {
        for (int sh = 0; sh < SHAPES.size(); sh++) {
          round.add(new double[] {k, sh});
        }
      }
      for (int i = round.size() - 1; i > 0; i--) {
        Collections.swap(round, i, random.nextInt(i + 1));
      }
      order.addAll(round);
    }
    long slot = (to - from) / order.size();
    List<RealReplay.Injection> plan = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      long a = from + i * slot;
      long room = slot - RealReplay.MAX_RUNAWAY_MS - RealTraffic.HOUR;
      if (room <= 0) {
        room = Math.max(1, slot / 4);
      }
      for (int tries = 0; tries < 50; tries++) {
        long onset = a + (long) (random.uniform() * room);
        onset -= Math.floorMod(onset, 60_000L);
        if (!s.overlapsLabel(onset, onset + RealReplay.MAX_RUNAWAY_MS)) {
          plan.add(new RealReplay.Injection(onset, order.get(i)[0], SHAPES.get((int) order.get(i)[1])));
          break;
        }
      }
    }
    return plan;
  }

  // ---------------------------------------------------------------------------------------------
  // Figures

  /** Aggregate figures of a group of series. */
  record Summary(String group, int series, double weeks, double tripsPerWeek, double worstTripsPerWeek,
      String worstTripSeries, double episodesPerWeek, double worstEpisodesPerWeek, double median10x,
      double worstSeriesMedian10x, double worst10x, double within5, int misses10x, int runs10x,
      double organicPerWeek, double worstOrganicPerWeek, String worstOrganicSeries, int seriesOverHalf) {}

  static Summary summarize(String group, List<SeriesResult> rs) {
    double weeks = 0;
    int trips = 0;
    int eps = 0;
    double worstTrips = 0;
    String worstName = "-";
    double worstEps = 0;
    List<Double> all = new ArrayList<>();
    double worstSeriesMedian = 0;
    double organic = 0;
    double worstOrganic = 0;
    String worstOrganicName = "-";
    int overHalf = 0;
    for (SeriesResult r : rs) {
      weeks += r.weeks;
      double o = r.organicPerWeek(10, 5);
      organic += o * r.weeks;
      overHalf += o > 0.5 ? 1 : 0;
      if (o >= worstOrganic) {
        worstOrganic = o;
        worstOrganicName = r.series.shortName();
      }
      trips += r.falseTrips;
      eps += r.falseEpisodes;
      if (r.tripsPerWeek() >= worstTrips) {
        worstTrips = r.tripsPerWeek();
        worstName = r.series.shortName();
      }
      worstEps = Math.max(worstEps, r.episodesPerWeek());
      double[] d = r.tripDelays(10, Modifier.Shape.STEP);
      for (double x : d) {
        all.add(x);
      }
      if (d.length > 0) {
        worstSeriesMedian = Math.max(worstSeriesMedian, Stats.quantile(d, 0.5));
      }
    }
    double[] d = all.stream().mapToDouble(Double::doubleValue).toArray();
    int misses = 0;
    int within = 0;
    double worst = 0;
    for (double x : d) {
      if (Double.isNaN(x)) {
        misses++;
        worst = Double.POSITIVE_INFINITY;
      } else {
        worst = Math.max(worst, x);
        if (x <= 5) {
          within++;
        }
      }
    }
    return new Summary(group, rs.size(), weeks, trips / weeks, worstTrips, worstName, eps / weeks, worstEps,
        d.length == 0 ? Double.NaN : Stats.quantile(d, 0.5), worstSeriesMedian, worst,
        d.length == 0 ? Double.NaN : within / (double) d.length, misses, d.length, organic / weeks, worstOrganic,
        worstOrganicName, overHalf);
  }

  static String fmt(double x) {
    if (Double.isNaN(x)) {
      return "miss";
    }
    if (Double.isInfinite(x)) {
      return "miss";
    }
    return String.format(Locale.ROOT, "%.2f", x);
  }

  static String seriesTable(List<SeriesResult> rs) {
    StringBuilder b = new StringBuilder();
    b.append("| series | half | calls/event | mean calls/min | weeks judged | false trips/week | alert episodes/week "
        + "| 10x step: trip median | worst | within 5 min | misses (6 h) | 100x step trip median | 10x ramp trip median "
        + "| 5x step: alert median, tripped | 2x step: alert median, tripped "
        + "| organic >= 10x for 5 min /week | for 15 min /week | organic >= 5x for 15 min /week "
        + "| organic >= 5x for 5 min /week |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (SeriesResult r : rs) {
      double[] d10 = r.tripDelays(10, Modifier.Shape.STEP);
      double[] d100 = r.tripDelays(100, Modifier.Shape.STEP);
      double[] r10 = r.tripDelays(10, Modifier.Shape.RAMP);
      int miss = 0;
      int within = 0;
      double worst = 0;
      for (double x : d10) {
        if (Double.isNaN(x)) {
          miss++;
          worst = Double.POSITIVE_INFINITY;
        } else {
          worst = Math.max(worst, x);
          within += x <= 5 ? 1 : 0;
        }
      }
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.2f | %.2f | %.2f | %s | %s | %d/%d | %d | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f |%n",
          r.series.shortName(), r.series.other ? "other, never tuned" : r.series.tuning ? "tuning" : "held back", trimK(r.series.callsPerEvent),
          r.series.meanCallsPerMinute(), r.weeks, r.tripsPerWeek(), r.episodesPerWeek(),
          d10.length == 0 ? "-" : fmt(Stats.quantile(d10, 0.5)), d10.length == 0 ? "-" : fmt(worst), within,
          d10.length, miss, d100.length == 0 ? "-" : fmt(Stats.quantile(d100, 0.5)),
          r10.length == 0 ? "-" : fmt(Stats.quantile(r10, 0.5)), weak(r, 5), weak(r, 2), r.organicPerWeek(10, 5),
          r.organicPerWeek(10, 15), r.organicPerWeek(5, 15), r.organicPerWeek(5, 5)));
    }
    return b.toString();
  }

  private static String weak(SeriesResult r, double k) {
    double[] a = r.alertDelays(k, Modifier.Shape.STEP);
    double[] t = r.tripDelays(k, Modifier.Shape.STEP);
    long tripped = Arrays.stream(t).filter(x -> !Double.isNaN(x)).count();
    return (a.length == 0 ? "-" : fmt(Stats.quantile(a, 0.5))) + ", " + tripped + "/" + t.length;
  }

  private static String trimK(double k) {
    return k == Math.rint(k) ? String.valueOf((long) k) : String.valueOf(k);
  }

  static String summaryTable(List<Summary> ss) {
    StringBuilder b = new StringBuilder();
    b.append("| group | series | weeks judged | false trips/week (all) | worst series | alert episodes/week (all) "
        + "| worst series | 10x step: trip median | worst series median | worst run | within 5 min | misses (6 h) "
        + "| organic >= 10x for 5 min /week (worst) | series above 0.5/week |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Summary s : ss) {
      b.append(String.format(Locale.ROOT,
          "| %s | %d | %.1f | %.2f | %.2f (%s) | %.2f | %.2f | %s | %s | %s | %.0f%% | %d/%d | %.2f (%.2f %s) | %d |%n",
          s.group(), s.series(), s.weeks(), s.tripsPerWeek(), s.worstTripsPerWeek(), s.worstTripSeries(),
          s.episodesPerWeek(), s.worstEpisodesPerWeek(), fmt(s.median10x()), fmt(s.worstSeriesMedian10x()),
          fmt(s.worst10x()), 100 * s.within5(), s.misses10x(), s.runs10x(), s.organicPerWeek(),
          s.worstOrganicPerWeek(), s.worstOrganicSeries(), s.seriesOverHalf()));
    }
    return b.toString();
  }

  static List<Summary> summaries(List<SeriesResult> rs) {
    List<SeriesResult> tune = rs.stream().filter(r -> r.series.tuning).toList();
    List<SeriesResult> held = rs.stream().filter(r -> !r.series.tuning && !r.series.other).toList();
    List<SeriesResult> nab = rs.stream().filter(r -> !r.series.other).toList();
    List<SeriesResult> other = rs.stream().filter(r -> r.series.other).toList();
    // The series where the goals do not contradict each other (see RealTraffic.Series#organicEpisodes).
    List<SeriesResult> feasible = nab.stream().filter(r -> r.organicPerWeek(10, 5) <= 0.5).toList();
    List<Summary> out = new ArrayList<>(List.of(summarize("tuning half", tune), summarize("held-back half", held),
        summarize("all NAB", nab), summarize("NAB with organic 10x-for-5-min <= 0.5/week", feasible)));
    if (!other.isEmpty()) {
      out.add(summarize("other kinds, never tuned on (unlabelled: every trip counts)", other));
    }
    return out;
  }
}
