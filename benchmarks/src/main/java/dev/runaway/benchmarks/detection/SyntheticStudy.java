package dev.runaway.benchmarks.detection;

import dev.runaway.ManualTicker;
import dev.runaway.stats.BaselineState;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The synthetic protocol of DETECTION.md section 5b, run through the public meter API.
 *
 * <p>For each noise variant, base rate and seed: one warm-up (7 or 21 days) whose baseline is
 * exported; the null run continues that meter for 7 clean days; every runaway cell (k x shape) and
 * every nuisance starts a meter restored from the exported baseline at the start of day 8, with
 * the same day-8 noise seed, the same onset minute (uniform over day 8) and the same phase, so
 * that all cells of one seed see the same service. The oracle CUSUM and the naive rule judge the
 * same counts.
 *
 * <p>Thread-safe: each work unit is independent; results are collected after all finish.
 */
final class SyntheticStudy {

  /** Noise and seasonality variants. */
  enum Variant {
    POISSON("Poisson", 7, false, false, 0),
    WEEKEND("weekend dip", 7, true, false, 0),
    OVERDISPERSED("overdispersed", 7, false, true, 0),
    WEEKEND_21D("weekend, 21-d warm-up", 21, true, false, 0),
    /** Our addition: each day's level varies by a log-normal factor (sd 0.25), as real traffic does. */
    DAY_TO_DAY("day-to-day level sd 0.25", 7, false, false, 0.25);

    final String label;
    final int warmUpDays;
    final boolean weekend;
    final boolean overdispersed;
    final double daySigma;

    Variant(String label, int warmUpDays, boolean weekend, boolean overdispersed, double daySigma) {
      this.label = label;
      this.warmUpDays = warmUpDays;
      this.weekend = weekend;
      this.overdispersed = overdispersed;
      this.daySigma = daySigma;
    }
  }

  /** What to run. */
  static final class Config {
    int cellSeeds = 50;
    int nullSeeds = 100;
    List<Variant> variants = List.of(Variant.values());
    double[] rates = {0.5, 5, 50, 500};
    double[] ks = {2, 5, 6, 10, 100};
    List<Modifier.Shape> shapes = List.of(Modifier.Shape.values());
    List<Modifier.Nuisance> nuisances = List.of(Modifier.Nuisance.values());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    DetectionSettings settings = DetectionSettings.defaults();
  }

  /** One runaway run. */
  static final class RunawayRecord {
    Variant variant;
    double rate;
    double k;
    Modifier.Shape shape;
    double alert;
    double trip;
    double leakToAlert;
    double leakToTrip;
    boolean preAlerted;
    int tripsAfterOnset;
    double oracle;
    double naiveAlert;
    double naiveTrip;
  }

  /** One null run (7 clean days). */
  static final class NullRecord {
    Variant variant;
    double rate;
    int episodes;
    int trips;
    int oracleEpisodes;
    int naiveEpisodes;
    int naiveTrips;
  }

  /** One nuisance run (24 h from the nuisance's onset). */
  static final class NuisanceRecord {
    Variant variant;
    double rate;
    Modifier.Nuisance nuisance;
    int episodes;
    int trips;
    int oracleEpisodes;
    int naiveEpisodes;
    int naiveTrips;
  }

  /** Everything measured. */
  static final class Results {
    final List<RunawayRecord> runaways = Collections.synchronizedList(new ArrayList<>());
    final List<NullRecord> nulls = Collections.synchronizedList(new ArrayList<>());
    final List<NuisanceRecord> nuisances = Collections.synchronizedList(new ArrayList<>());
    long elapsedMillis;
    long simulatedMinutes;
  }

  private final Config config;

  SyntheticStudy(Config config) {
    this.config = config;
  }

  Results run() {
    Results results = new Results();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(config.threads);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      int seeds = Math.max(config.cellSeeds, config.nullSeeds);
      for (Variant v : config.variants) {
        for (int r = 0; r < config.rates.length; r++) {
          for (int seed = 0; seed < seeds; seed++) {
            int ri = r;
            int s = seed;
            futures.add(pool.submit(() -> unit(v, ri, s, results)));
          }
        }
      }
      long minutes = 0;
      for (Future<Long> f : futures) {
        minutes += f.get();
      }
      results.simulatedMinutes = minutes;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a simulation failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    results.elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
    return results;
  }

  /** Warm-up, null run and derived runs of one (variant, rate, seed); returns minutes simulated. */
  private long unit(Variant v, int rateIndex, int seed, Results out) {
    double rate = config.rates[rateIndex];
    DetectionSettings settings = config.settings;
    Sampler setup = new Sampler(mix(seed, rateIndex, v.ordinal(), 1));
    double phase = setup.uniform();
    long warmEnd = v.warmUpDays * 1440L;
    long onset = warmEnd + setup.nextInt(1440);
    double[] days = null;
    if (v.daySigma > 0) {
      days = new double[v.warmUpDays + 8];
      for (int d = 0; d < days.length; d++) {
        days[d] = Math.exp(v.daySigma * setup.gaussian() - v.daySigma * v.daySigma / 2);
      }
    }
    Traffic traffic = new Traffic(rate, phase, v.weekend, Double.POSITIVE_INFINITY, days);
    double size = v.overdispersed ? Trial.NB_SIZE : Double.POSITIVE_INFINITY;
    long minutes = 0;

    ManualTicker ticker = ManualTicker.create();
    Trial warm = new Trial(settings, traffic, v.overdispersed, null, ticker, BurnRateMeter.create(settings, ticker),
        new Sampler(mix(seed, rateIndex, v.ordinal(), 2)), new OracleCusum(2, size), new NaiveRule(),
        Double.POSITIVE_INFINITY);
    warm.run(0, warmEnd, false, false);
    minutes += warmEnd;
    BaselineState baseline = warm.meter().exportBaseline();
    NaiveRule naiveAtWarmEnd = warm.naive().copy();
    long day8 = mix(seed, rateIndex, v.ordinal(), 3);

    if (seed < config.cellSeeds) {
      for (double k : config.ks) {
        for (Modifier.Shape shape : config.shapes) {
          Modifier mod = Modifier.runaway(onset, k, shape);
          Trial t = Trial.restored(settings, traffic, v.overdispersed, mod, baseline, warmEnd, new Sampler(day8),
              new OracleCusum(k, size), naiveAtWarmEnd.copy(), warmEnd);
          boolean needTrip = k > 5;
          t.run(warmEnd, onset + 1440, needTrip, true);
          minutes += onset + 1440 - warmEnd;
          RunawayRecord r = new RunawayRecord();
          r.variant = v;
          r.rate = rate;
          r.k = k;
          r.shape = shape;
          r.alert = t.firstAlert();
          r.trip = t.firstTrip();
          r.leakToAlert = t.leakedToAlert();
          r.leakToTrip = t.leakedToTrip();
          r.preAlerted = t.preAlerted();
          r.tripsAfterOnset = t.tripsAfterOnset();
          r.oracle = t.oracle().firstAlarm();
          r.naiveAlert = t.naive().firstAlert();
          r.naiveTrip = t.naive().firstTrip();
          out.runaways.add(r);
        }
      }
      for (Modifier.Nuisance n : config.nuisances) {
        Modifier mod = Modifier.nuisance(onset, n);
        Traffic tr = n == Modifier.Nuisance.DST ? traffic.withDstFrom(onset) : traffic;
        Trial t = Trial.restored(settings, tr, v.overdispersed, mod, baseline, warmEnd, new Sampler(day8),
            new OracleCusum(2, size), naiveAtWarmEnd.copy(), onset);
        t.run(warmEnd, onset + 1440, false, false);
        minutes += onset + 1440 - warmEnd;
        NuisanceRecord r = new NuisanceRecord();
        r.variant = v;
        r.rate = rate;
        r.nuisance = n;
        r.episodes = t.episodes();
        r.trips = t.trips();
        r.oracleEpisodes = t.oracle().episodes().count();
        r.naiveEpisodes = t.naive().alerts().count();
        r.naiveTrips = t.naive().trips().count();
        out.nuisances.add(r);
      }
    }
    if (seed < config.nullSeeds) {
      warm.countFrom(warmEnd, new OracleCusum(2, size));
      warm.run(warmEnd, warmEnd + 7 * 1440L, false, false);
      minutes += 7 * 1440L;
      NullRecord r = new NullRecord();
      r.variant = v;
      r.rate = rate;
      r.episodes = warm.episodes();
      r.trips = warm.trips();
      r.oracleEpisodes = warm.oracle().episodes().count();
      r.naiveEpisodes = warm.naive().alerts().count();
      r.naiveTrips = warm.naive().trips().count();
      out.nulls.add(r);
    }
    return minutes;
  }

  static long mix(long seed, int a, int b, int stream) {
    long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + stream * 0x2545F4914F6CDD1DL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
