package dev.runaway.benchmarks.detection;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.CircuitBreaker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One replay of one real series through a {@link RunawayGuard} (the public API, default settings
 * unless a knob is given) on a {@link ManualTicker} whose wall clock is the series' own time: the
 * whole series when nothing is injected (the clean pass), else from its start until the last injected
 * runaway ends (nothing after it is observed).
 *
 * <p>Each row's value times the calls-per-event factor is a rate (calls per minute) held until the
 * next row (so a gap in the data repeats the last rate). Time advances in 10-second chunks; a
 * chunk's calls are Poisson at the chunk's rate (times the runaway multiple while one is injected)
 * and are spread evenly over the chunk, each one a {@code guard.call} whose result is its cost
 * (log-normal, mean $0.01, sigma 0.5, read by the cost extractor). After each chunk the guard's own
 * clock task runs once (its period is a sixth of the 1-minute bucket, 10 s), captured from the
 * scheduler handed to the guard, so the pass is deterministic for a seed.
 *
 * <p>Observed through the public API only: the breaker's state listener (a trip is a
 * {@code CLOSED -> OPEN} transition, counted once per meter episode) and the alert sink (a spike
 * or runaway {@code USAGE_SPIKE} alert opens an episode, the {@code INFO} one ends it).
 *
 * <p>An injected runaway of multiple k adds calls at (k - 1) times the series' typical rate at that
 * hour of the day (a runaway loop calls at its own pace, on top of the organic traffic; "k times
 * the normal rate", as the synthetic protocol multiplies the expected rate), or with
 * {@link Reference#TRAILING} the mean rate over the hour before the onset; a ramp adds them
 * linearly over 30 minutes. It lasts until the breaker trips or for 6 hours; then it stops and the
 * operator resets the breaker (so how the breaker would close does not matter here).
 *
 * <p>Not thread-safe: one pass per thread.
 */
final class RealReplay {

  static final String SERVICE = "api";
  static final boolean DEBUG = System.getenv("REPLAY_DEBUG") != null;
  static final long CHUNK_MS = 10_000;
  static final long MAX_RUNAWAY_MS = 6 * RealTraffic.HOUR;
  static final double MEAN_COST = 1e7;
  static final double COST_SIGMA = 0.5;

  /** What an injected runaway's multiple is relative to. */
  enum Reference {
    /** The series' mean rate in the onset's hour of the day, over its unlabelled rows. */
    TYPICAL,
    /** The series' mean rate over the hour before the onset. */
    TRAILING;

    static Reference parse(String s) {
      return switch (s) {
        case "typical" -> TYPICAL;
        case "trailing" -> TRAILING;
        default -> throw new IllegalArgumentException("--real-reference must be typical or trailing, got " + s);
      };
    }
  }

  /** The reference of every pass (set once from the command line, before any pass). */
  static volatile Reference reference = Reference.TYPICAL;

  /**
   * Whether each injected runaway is replayed on its own (from the series' start to its end), so
   * that no runaway is judged after another one's aftermath (set once from the command line).
   */
  static volatile boolean isolated = true;

  /** A runaway to inject. */
  record Injection(long onsetMs, double k, Modifier.Shape shape) {}

  /** What happened to one injected runaway. */
  static final class Outcome {
    final Injection injection;
    /** Minutes from onset to the first alert (spike or runaway) or NaN; NaN too when pre-alerted. */
    double alertDelay = Double.NaN;
    /** Minutes from onset to the breaker trip, NaN if none within 6 h. */
    double tripDelay = Double.NaN;
    /** A meter episode was open at the onset (a false alarm just before). */
    boolean preAlerted;
    /** The episode open at the onset had already tripped the breaker (it cannot trip again). */
    boolean preTripped;

    Outcome(Injection injection) {
      this.injection = injection;
    }
  }

  /** The pass's observations. */
  static final class Result {
    final List<Long> trips = new ArrayList<>();
    final List<Long> episodes = new ArrayList<>();
    final List<Outcome> outcomes = new ArrayList<>();
    long calls;
    long refused;
  }

  /** A scheduler that runs nothing by itself: the pass runs the guard's clock task. */
  private static final class InertScheduler extends ScheduledThreadPoolExecutor {
    Runnable task;

    InertScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      this.task = command;
      return schedule(() -> { }, 3650, TimeUnit.DAYS);
    }
  }

  private final RealTraffic.Series series;
  private final Consumer<dev.runaway.ServicePolicy.Builder> knob;
  private final Sampler random;
  private final List<Injection> injections;

  private final Result result = new Result();
  private long now;
  private boolean inEpisode;
  private boolean trippedThisEpisode;
  private Outcome active;
  private long activeEnd;
  private double activeBase;

  RealReplay(RealTraffic.Series series, Consumer<dev.runaway.ServicePolicy.Builder> knob, long seed,
      List<Injection> injections) {
    this.series = series;
    this.knob = knob;
    this.random = new Sampler(seed);
    this.injections = injections;
  }

  Result run() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.ofEpochMilli(series.start()));
    long nanoBase = ticker.nanoTime();
    InertScheduler scheduler = new InertScheduler();
    RunawayGuard guard = RunawayGuard.builder()
        .ticker(ticker)
        .scheduler(scheduler)
        .alertSink(this::onAlert)
        .service(SERVICE, s -> {
          s.costExtractor(r -> (Cost) r);
          if (knob != null) {
            knob.accept(s);
          }
        })
        .build();
    CircuitBreaker breaker = guard.breaker(SERVICE);
    breaker.onStateChange(t -> {
      if (t.from() == CircuitBreaker.State.CLOSED && t.to() == CircuitBreaker.State.OPEN) {
        onTrip();
      }
    });
    double mu = Math.log(MEAN_COST) - COST_SIGMA * COST_SIGMA / 2;
    int next = 0;
    int row = 0;
    long start = series.start();
    long end = series.end();
    try {
      for (long chunk = start; chunk < end; chunk += CHUNK_MS) {
        while (row + 1 < series.callsPerMinute.length && series.startMillis[row + 1] <= chunk) {
          row++;
        }
        if (active == null && next < injections.size() && injections.get(next).onsetMs() <= chunk) {
          Injection inj = injections.get(next++);
          active = new Outcome(inj);
          activeBase = reference == Reference.TRAILING ? trailingRate(row, inj.onsetMs())
              : series.typicalRate(inj.onsetMs());
          activeEnd = inj.onsetMs() + MAX_RUNAWAY_MS;
          active.preAlerted = inEpisode;
          active.preTripped = inEpisode && trippedThisEpisode;
          result.outcomes.add(active);
        }
        double extra = 0;
        if (active != null) {
          extra = (multiple(active.injection, chunk + CHUNK_MS / 2) - 1) * activeBase;
        }
        double mean = (series.callsPerMinute[row] + extra) * CHUNK_MS / 60_000.0;
        long n = random.poisson(mean);
        for (long j = 0; j < n; j++) {
          long t = chunk + (j + 1) * CHUNK_MS / (n + 1);
          moveTo(ticker, nanoBase, t);
          Cost c = Cost.ofNanos(Math.max(1, Math.round(Math.exp(mu + COST_SIGMA * random.gaussian()))));
          result.calls++;
          try {
            guard.call(SERVICE, () -> c);
          } catch (RunawayException e) {
            result.refused++;
          }
          if (active != null && !Double.isNaN(active.tripDelay)) {
            break;
          }
        }
        moveTo(ticker, nanoBase, chunk + CHUNK_MS);
        if (scheduler.task != null) {
          scheduler.task.run();
        }
        if (DEBUG && active != null && active.injection.k() == 10 && active.injection.shape() == Modifier.Shape.STEP && Math.floorMod(chunk / CHUNK_MS, 6L) == 0) {
          System.err.println("DBG " + series.shortName() + " " + Instant.ofEpochMilli(now) + " +"
              + (now - active.injection.onsetMs()) / 60_000.0 + " " + guard.snapshot(SERVICE) + " " + breaker.state());
        }
        if (active != null && (!Double.isNaN(active.tripDelay) || now >= activeEnd)) {
          active = null;
          if (breaker.state() != CircuitBreaker.State.CLOSED) {
            breaker.reset();
          }
          if (next == injections.size()) {
            // Nothing after the last runaway is observed: the clean pass counts the false trips.
            break;
          }
        }
      }
    } finally {
      guard.close();
      scheduler.shutdownNow();
    }
    return result;
  }

  /** The series' mean rate over the hour before {@code t} (rows from {@code row} backwards). */
  private double trailingRate(int row, long t) {
    double sum = 0;
    double minutes = 0;
    for (int i = row; i >= 0 && series.startMillis[i + 1] > t - RealTraffic.HOUR; i--) {
      long a = Math.max(series.startMillis[i], t - RealTraffic.HOUR);
      long b = Math.min(series.startMillis[i + 1], t);
      if (b > a) {
        sum += series.callsPerMinute[i] * (b - a);
        minutes += b - a;
      }
    }
    return minutes > 0 ? sum / minutes : series.callsPerMinute[row];
  }

  private void moveTo(ManualTicker ticker, long nanoBase, long t) {
    now = t;
    long target = nanoBase + (t - series.start()) * 1_000_000L;
    long d = target - ticker.nanoTime();
    if (d > 0) {
      ticker.advanceNanos(d);
    }
  }

  static double multiple(Injection inj, long t) {
    double minutes = (t - inj.onsetMs()) / 60_000.0;
    if (minutes < 0) {
      return 1;
    }
    switch (inj.shape()) {
      case STEP:
        return inj.k();
      case RAMP:
        return 1 + (inj.k() - 1) * Math.min(1, minutes / 30);
      default:
        return Math.min(inj.k(), Math.pow(2, minutes / 5));
    }
  }

  private void onTrip() {
    if (trippedThisEpisode) {
      return;
    }
    trippedThisEpisode = true;
    result.trips.add(now);
    if (active != null && Double.isNaN(active.tripDelay) && !active.preTripped) {
      active.tripDelay = (now - active.injection.onsetMs()) / 60_000.0;
    }
  }

  private void onAlert(Alert a) {
    if (a.type() != AlertType.USAGE_SPIKE || a.key() != null) {
      return;
    }
    if (a.severity() == Severity.INFO) {
      inEpisode = false;
      trippedThisEpisode = false;
      return;
    }
    if (!inEpisode) {
      inEpisode = true;
      result.episodes.add(now);
    }
    if (active != null && !active.preAlerted && Double.isNaN(active.alertDelay)) {
      active.alertDelay = (now - active.injection.onsetMs()) / 60_000.0;
    }
  }
}
