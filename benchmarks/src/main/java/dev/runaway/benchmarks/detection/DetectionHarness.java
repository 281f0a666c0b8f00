package dev.runaway.benchmarks.detection;

import dev.runaway.stats.DetectionSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The detection-quality harness: the synthetic protocol (DETECTION.md section 5b), the real-traffic
 * study ({@link RealTrafficStudy}: real count series replayed through the guard, with runaways
 * injected) and the NAB evaluation (section 5a); prints the tables and writes
 * {@code DETECTION-RESULTS.md}; every real-traffic run is appended to {@code REAL-RUNS.md} and every
 * NAB run to {@code NAB-RUNS.md}.
 *
 * <p>Run (from the repository root; about ten minutes on two cores):
 * <pre>
 * mvn -B -q -Dquick -DskipTests -pl benchmarks -am -Ddetection verify
 * </pre>
 * Options go in {@code -Ddetection.args="..."}: {@code --seeds N} (runaway and nuisance seeds per
 * cell, default 50), {@code --null-seeds N} (default 100), {@code --variants A,B},
 * {@code --rates 0.5,5}, {@code --skip-nab}, {@code --skip-synthetic}, {@code --nab DIR},
 * {@code --out FILE}, {@code --threads N}; for the real-traffic study {@code --skip-real},
 * {@code --real-only} (neither synthetic nor NAB), {@code --real-seeds N} (injection passes per
 * series, default 3), {@code --real-half tuning|held|other|all}, {@code --real-reference typical|trailing} (what a
 * runaway's multiple is relative to, default typical), {@code --real-injections isolated|sequential} (each
 * injected runaway replayed on its own, the default, or a pass's runaways one after the other in one replay), {@code --sweep 3,5,8} (the trade-off of
 * the breaker multiple on the held-back half) and {@code --runaway-hold MIN} (synthetic and NAB; 0 = off), {@code --sweep-hold 5,10,15,30} (the trade-off of
 * the runaway hold, minutes, on the held-back half), {@code --sweep-half tuning|held} (the half
 * the sweeps run on, default held), {@code --real-series TEXT} (only the real series whose name
 * contains TEXT; for looking into one series).
 */
public final class DetectionHarness {

  static final String COMMAND = "mvn -B -q -Dquick -DskipTests -pl benchmarks -am -Ddetection verify";

  static final String NAB_ADAPTER = "Adapter: NAB values are not calls or costs. Each row's value (negatives clamped to 0) "
      + "is fed as the call amount of one polled interval [t, t + step) through `BurnRateMeter.observe`, with the "
      + "meter's bucket equal to the file's median sampling step (5 min for most files, 30 min for nyc_taxi, 1 h for "
      + "ambient_temperature, 5-14 min for the traffic files) and every other setting at `DetectionSettings.defaults()` "
      + "(chosen on synthetic data only; not tuned per file or on NAB). A row scores 1 when `observe` returns a spike or "
      + "runaway event (once per episode, once more on escalation), else 0; so θ = 0.5 is the honest fixed threshold and "
      + "θ* can only choose between our detections and none. The detector is one-sided (rises only), causal, and knows "
      + "neither the file's length nor its range.\n";

  static final String READING = "## Reading this report\n\n"
      + "- Every run goes through the public `BurnRateMeter` API with a `ManualTicker`: each minute's calls arrive in "
      + "six 10-second chunks (`onCalls` and `onCost`), so our delays have a 10-second resolution; the oracle CUSUM and "
      + "the naive rule judge whole minutes (a delay of 1.00 means \"at the end of the onset minute\").\n"
      + "- Warm-up: 7 days (21 in the `weekend, 21-d warm-up` variant); its baseline is exported, and every runaway and "
      + "nuisance run restores it at the start of day 8 (`BurnRateMeter.create(settings, ticker, baseline)`). The "
      + "onset is a uniform-random minute of day 8, the same for every cell of a seed; runs are judged up to 24 h "
      + "after it. Null runs continue the warm-up meter for 7 clean days.\n"
      + "- Alert delay: first spike or runaway event at or after the onset. Runs whose meter was already in an episode "
      + "at the onset (a false alarm just before) are left out of the alert-delay and leak columns and counted as "
      + "`pre-alerted`. A miss is no alert within 24 h; medians and p90s count misses as infinite.\n"
      + "- Breaker: for k > 5 the delay to the first runaway event; for k <= 5 the share of runs in which the breaker "
      + "tripped after the onset (DETECTION.md counts those as false trips; k = 5 sits exactly on the 5x edge).\n"
      + "- Leaked spend: excess calls (observed minus the normal expectation) from the onset to the alert, in minutes "
      + "of normal spend (lambda0 per minute).\n"
      + "- Episodes: ours are the meter's own (a spike or runaway event opens one, `RESOLVED` closes it after 30 quiet "
      + "minutes); the references' alarms are merged with the same 30-minute rule. The oracle CUSUM runs with k = 2 in "
      + "null and nuisance runs.\n"
      + "- `day-to-day level sd 0.25` is our addition to the protocol: each day's level is multiplied by a log-normal "
      + "factor, as real traffic has busy and quiet days; the oracle knows each day's level, the meter does not.\n\n";

  private DetectionHarness() {}

  private static String header(String commit, String args, SyntheticStudy.Config c, boolean synthetic, boolean nab) {
    StringBuilder b = new StringBuilder("# Detection quality: results\n\n");
    b.append("Generated by `dev.runaway.benchmarks.detection.DetectionHarness` at commit `").append(commit).append("` on ")
        .append(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).append(", Java ")
        .append(System.getProperty("java.version")).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs.\n\nCommand (from the repository root): `").append(COMMAND).append("`");
    if (!args.isBlank()) {
      b.append(" with harness arguments `").append(args).append("`");
    }
    b.append(".\n\nDetector settings: `").append(c.settings).append("`.\n\n");
    if (synthetic) {
      b.append("Synthetic protocol (DETECTION.md section 5b): ").append(c.cellSeeds)
          .append(" seeds per runaway and nuisance cell, ").append(c.nullSeeds).append(" service-weeks per null cell; ")
          .append("rates ").append(Arrays.toString(c.rates)).append(" calls/min, k ").append(Arrays.toString(c.ks))
          .append(", shapes ").append(c.shapes).append(", variants ").append(c.variants).append(".\n\n");
    }
    return b.toString();
  }

  /** The current commit, with "+dirty" when the working tree has changes; "unknown" outside git. */
  static String commit() {
    try {
      String head = run("git", "rev-parse", "--short=12", "HEAD");
      String status = run("git", "status", "--porcelain", "--untracked-files=no");
      return head.isEmpty() ? "unknown" : head + (status.isEmpty() ? "" : "+dirty");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Appends one line per NAB run, so that every run against the held-out set is on record. */
  private static void logNabRun(Path log, String commit, SyntheticStudy.Config c, NabStudy study) throws IOException {
    if (!Files.exists(log)) {
      Files.writeString(log, "# NAB runs\n\nEvery run of our detector against the NAB files, appended by the harness "
          + "(DETECTION.md 5a hygiene: tune on synthetic data only, freeze, then run NAB).\n\n"
          + "| time | commit | standard | low FP | low FN | settings |\n|---|---|---|---|---|---|\n",
          StandardCharsets.UTF_8);
    }
    String line = String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | `%s` |%n",
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), commit,
        study.ourScores.getOrDefault("standard", Double.NaN), study.ourScores.getOrDefault("reward_low_FP_rate", Double.NaN),
        study.ourScores.getOrDefault("reward_low_FN_rate", Double.NaN), c.settings);
    Files.writeString(log, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
  }

  static final String REAL_READING = "Replay: each series' rows become a rate of calls (value x calls per event per "
      + "row interval, held until the next row), fed as Poisson calls in 10-second chunks through `RunawayGuard.call` "
      + "on a `ManualTicker` that runs on the series' own clock, with the guard's default settings (no per-series "
      + "settings); each call's result is its cost (log-normal, mean $0.01), read by the cost extractor. Only the public "
      + "API is observed: a trip is a CLOSED -> OPEN transition of the breaker (counted once per meter episode), an "
      + "alert episode opens with a spike or runaway alert and ends with the back-to-normal one. The first 7 days of "
      + "each series are history (learned, not judged). False trips and alert episodes are counted in one clean pass "
      + "per series, outside the labelled windows (per week of unlabelled time). Delays come from separate replays with "
      + "runaways injected at seeded times whose 6 hours touch no labelled window: k = 2, 5, 10, 100 as a step or a "
      + "30-min ramp (a runaway adds calls at (k - 1) x the series' typical rate at that hour of the day, the mean of "
      + "its unlabelled rows in that hour over the whole series, on top of the organic traffic, as the synthetic "
      + "protocol multiplies the expected rate; `--real-reference trailing` uses the mean rate over the hour before the "
      + "onset instead, the definition of the first runs in REAL-RUNS.md, under which a 10x runaway started after a "
      + "lull is 1.2-3x the usual rate), each lasting until the breaker trips or 6 h. Each runaway is replayed on its own "
      + "(the series from its start, the runaway, then the replay ends), as the synthetic protocol derives each runaway "
      + "from the warm-up: a runaway judged after an earlier one's aftermath (a 5x step held 6 h entered the service's "
      + "record of held runs and kept the next runaway waiting the full hold, its alert hushed a later rise) measured "
      + "the injections as much as the series; `--real-injections sequential` replays a pass's runaways (8 or 16, fewer "
      + "where a slot finds no time clear of the labels) one after the other in one replay (then each stops at its "
      + "trip or 6 h and the breaker is reset), as the runs in REAL-RUNS.md before 2026-12-07 (day) did. A trip delay "
      + "is left out when the episode open at the onset had already tripped the breaker; an alert delay when any "
      + "episode was open. Split (fixed before tuning): the series sorted by NAB path, even positions tune, odd "
      + "positions are held back.\n\n"
      + "The organic columns are a floor, measured on the series alone: stretches outside labelled windows where every "
      + "row is at least 10x (or 5x) the series' typical rate at that hour for 5 (or 15) minutes, an hour apart. A 10x "
      + "step at a quiet moment shows no more than that for its first minutes, so a detector that trips it within "
      + "5 min on the rate alone also trips on each of those episodes (unless what came before sets them apart): where "
      + "the 10x-for-5-min column is above 0.5/week, the goals \"10x within 5 min on every series\" and \"at most 0.5 "
      + "false trips a week on every series\" cannot both be met by a rate detector. The last summary row keeps only the "
      + "series where they can (that column at most 0.5/week). The 5x-for-5-min column is the same floor for alerts: a "
      + "detector that alerts on a 5x runaway within 5 minutes (a synthetic target) on the rate alone also alerts on "
      + "each of those episodes, against the goal of at most 2 alert episodes a week.\n\n";

  /** {@code --real-series}: only the real series whose short name contains this (debugging), or null. */
  private static String seriesFilter;
  /** {@code --sweep-half tuning}: the trade-off sweeps run on the tuning half (for tuning) instead of the held-back one. */
  private static boolean sweepTuning;

  private static String realTraffic(NabData data, int seeds, String half, double[] sweep, double[] sweepHold,
      int threads, String commit,
      List<String> argv, Path out) throws IOException {
    List<RealTraffic.Series> all = new ArrayList<>(RealTraffic.load(data));
    all.addAll(RealTraffic.loadOther(otherDir(out)));
    List<RealTraffic.Series> chosen = switch (half) {
      case "tuning" -> all.stream().filter(s -> s.tuning).toList();
      case "held" -> all.stream().filter(s -> !s.tuning && !s.other).toList();
      case "other" -> all.stream().filter(s -> s.other).toList();
      default -> all;
    };
    if (seriesFilter != null) {
      chosen = chosen.stream().filter(s -> s.shortName().contains(seriesFilter)).toList();
    }
    long t0 = System.nanoTime();
    List<RealTrafficStudy.SeriesResult> rs = new RealTrafficStudy(chosen, seeds, threads, null).run();
    StringBuilder b = new StringBuilder("## Real traffic (defaults)\n\n").append(REAL_READING);
    List<RealTrafficStudy.Summary> sums = RealTrafficStudy.summaries(rs);
    b.append(RealTrafficStudy.summaryTable(sums)).append("\n").append(RealTrafficStudy.seriesTable(rs));
    long calls = rs.stream().mapToLong(r -> r.calls).sum();
    b.append(String.format(Locale.ROOT, "%nReplayed %d series (%s), %d injection passes each, %,d calls in the clean "
        + "passes, in %.1f s.%n", rs.size(), half, seeds, calls, (System.nanoTime() - t0) / 1e9));
    StringBuilder sweepText = new StringBuilder();
    if (sweep != null) {
      List<RealTraffic.Series> held = all.stream().filter(s -> !s.tuning && !s.other).toList();
      sweepText.append("\n### Trade-off on the held-back half: the breaker multiple\n\n")
          .append("| breakerMultiplier | false trips/week (all) | worst series | 10x step: trip median | worst series "
              + "median | within 5 min | misses |\n|---|---|---|---|---|---|---|\n");
      for (double m : sweep) {
        List<RealTrafficStudy.SeriesResult> sr = new RealTrafficStudy(held, seeds, threads,
            p -> p.breakerMultiplier(m)).run();
        RealTrafficStudy.Summary s = RealTrafficStudy.summarize("held", sr);
        sweepText.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f (%s) | %s | %s | %.0f%% | %d/%d |%n", m,
            s.tripsPerWeek(), s.worstTripsPerWeek(), s.worstTripSeries(), RealTrafficStudy.fmt(s.median10x()),
            RealTrafficStudy.fmt(s.worstSeriesMedian10x()), 100 * s.within5(), s.misses10x(), s.runs10x()));
      }
      b.append(sweepText);
    }
    if (sweepHold != null) {
      List<RealTraffic.Series> held = sweepTuning
          ? all.stream().filter(s -> s.tuning).toList()
          : all.stream().filter(s -> !s.tuning && !s.other).toList();
      StringBuilder t = new StringBuilder("\n### Trade-off on the held-back half: the runaway hold\n\n")
          .append("`DetectionSettings.runawayHold` (default ").append(DetectionSettings.DEFAULT_RUNAWAY_HOLD_MINUTES)
          .append(" min, 0 = off), everything else at defaults.\n\n")
          .append("| runawayHold (min) | false trips/week (all) | worst series | alert episodes/week | 10x step: trip "
              + "median | worst series median | within 5 min | misses |\n|---|---|---|---|---|---|---|---|\n");
      for (double h : sweepHold) {
        java.time.Duration hold = java.time.Duration.ofSeconds(Math.round(h * 60));
        List<RealTrafficStudy.SeriesResult> sr = new RealTrafficStudy(held, seeds, threads,
            p -> p.runawayHold(hold)).run();
        RealTrafficStudy.Summary s = RealTrafficStudy.summarize("held", sr);
        t.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f (%s) | %.2f | %s | %s | %.0f%% | %d/%d |%n",
            RealTrafficStudy.fmt(h), s.tripsPerWeek(), s.worstTripsPerWeek(), s.worstTripSeries(), s.episodesPerWeek(),
            RealTrafficStudy.fmt(s.median10x()), RealTrafficStudy.fmt(s.worstSeriesMedian10x()), 100 * s.within5(),
            s.misses10x(), s.runs10x()));
      }
      b.append(t);
      sweepText.append(t);
    }
    if (out != null) {
      logRealRun(out.toAbsolutePath().resolveSibling("REAL-RUNS.md"), commit, String.join(" ", argv), sums,
          sweepText.toString());
    }
    return b.toString();
  }

  /** The real series of other kinds: benchmarks/data/other, beside the report. */
  private static Path otherDir(Path out) {
    Path beside = out == null ? null : out.toAbsolutePath().getParent().resolve("data/other");
    if (beside != null && Files.isDirectory(beside)) {
      return beside;
    }
    return Path.of("benchmarks/data/other");
  }

  /** Appends every real-traffic run to REAL-RUNS.md, like NAB-RUNS.md. */
  private static void logRealRun(Path log, String commit, String args, List<RealTrafficStudy.Summary> sums,
      String sweep) throws IOException {
    if (!Files.exists(log)) {
      Files.writeString(log, "# Real-traffic runs\n\nEvery run of the real-traffic study (DetectionHarness), "
          + "appended by the harness: commit, arguments, and the figures per half. Split fixed before tuning: NAB "
          + "paths sorted, even positions tune, odd positions are held back.\n\n"
          + "| time | commit | arguments | group | false trips/week (worst) | alert episodes/week (worst) | 10x trip "
          + "median (worst series median, worst run) | within 5 min | misses |\n|---|---|---|---|---|---|---|---|---|\n",
          StandardCharsets.UTF_8);
    }
    StringBuilder b = new StringBuilder();
    String time = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    for (RealTrafficStudy.Summary s : sums) {
      if (s.series() == 0) {
        continue;
      }
      b.append(String.format(Locale.ROOT, "| %s | %s | `%s` | %s | %.2f (%.2f %s) | %.2f (%.2f) | %s (%s, %s) | %.0f%% | %d/%d |%n",
          time, commit, args.isBlank() ? "(none)" : args, s.group(), s.tripsPerWeek(), s.worstTripsPerWeek(),
          s.worstTripSeries(), s.episodesPerWeek(), s.worstEpisodesPerWeek(), RealTrafficStudy.fmt(s.median10x()),
          RealTrafficStudy.fmt(s.worstSeriesMedian10x()), RealTrafficStudy.fmt(s.worst10x()), 100 * s.within5(),
          s.misses10x(), s.runs10x()));
    }
    if (!sweep.isBlank()) {
      b.append("\nSweep of that run (held-back half):\n").append(sweep).append("\n");
    }
    Files.writeString(log, b.toString(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
  }

  /**
   * Runs the harness.
   *
   * @param args the options
   * @throws IOException if the report cannot be written or the NAB data cannot be read
   */
  public static void main(String[] args) throws IOException {
    SyntheticStudy.Config config = new SyntheticStudy.Config();
    boolean nab = true;
    boolean nabDetectors = true;
    boolean synthetic = true;
    boolean real = true;
    int realSeeds = 3;
    String realHalf = "all";
    double[] sweep = null;
    double[] sweepHold = null;
    Path nabDir = null;
    Path out = null;
    List<String> argv = new ArrayList<>();
    for (String a : args) {
      argv.addAll(Arrays.asList(a.trim().split("\\s+")));
    }
    argv.removeIf(String::isEmpty);
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      switch (a) {
        case "--seeds":
          config.cellSeeds = Integer.parseInt(argv.get(++i));
          break;
        case "--null-seeds":
          config.nullSeeds = Integer.parseInt(argv.get(++i));
          break;
        case "--threads":
          config.threads = Integer.parseInt(argv.get(++i));
          break;
        case "--variants":
          List<SyntheticStudy.Variant> vs = new ArrayList<>();
          for (String v : argv.get(++i).split(",")) {
            vs.add(SyntheticStudy.Variant.valueOf(v.trim().toUpperCase(Locale.ROOT)));
          }
          config.variants = vs;
          break;
        case "--rates":
          config.rates = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--ks":
          config.ks = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--shapes":
          List<Modifier.Shape> shapes = new ArrayList<>();
          for (String v : argv.get(++i).split(",")) {
            shapes.add(Modifier.Shape.valueOf(v.trim().toUpperCase(Locale.ROOT)));
          }
          config.shapes = shapes;
          break;
        case "--nuisances":
          List<Modifier.Nuisance> ns = new ArrayList<>();
          for (String v : argv.get(++i).split(",")) {
            ns.add(Modifier.Nuisance.valueOf(v.trim().toUpperCase(Locale.ROOT)));
          }
          config.nuisances = ns;
          break;
        case "--breaker-evidence":
          config.settings = config.settings.toBuilder().breakerEvidence(Double.parseDouble(argv.get(++i))).build();
          break;
        case "--runaway-hold":
          config.settings = config.settings.toBuilder().runawayHold(
              java.time.Duration.ofSeconds(Math.round(Double.parseDouble(argv.get(++i)) * 60))).build();
          break;
        case "--sustained-evidence":
          config.settings = config.settings.toBuilder().sustainedEvidence(Double.parseDouble(argv.get(++i))).build();
          break;
        case "--skip-nab":
          nab = false;
          break;
        case "--nab-conformance-only":
          nabDetectors = false;
          break;
        case "--skip-synthetic":
          synthetic = false;
          break;
        case "--skip-real":
          real = false;
          break;
        case "--real-only":
          synthetic = false;
          nab = false;
          break;
        case "--real-seeds":
          realSeeds = Integer.parseInt(argv.get(++i));
          break;
        case "--real-half":
          realHalf = argv.get(++i);
          break;
        case "--real-series":
          seriesFilter = argv.get(++i);
          break;
        case "--sweep-half":
          String sh = argv.get(++i);
          if (!sh.equals("tuning") && !sh.equals("held")) {
            throw new IllegalArgumentException("--sweep-half must be tuning or held, got " + sh);
          }
          sweepTuning = sh.equals("tuning");
          break;
        case "--real-injections":
          RealReplay.isolated = switch (argv.get(++i)) {
            case "isolated" -> true;
            case "sequential" -> false;
            default -> throw new IllegalArgumentException("--real-injections must be isolated or sequential");
          };
          break;
        case "--real-reference":
          RealReplay.reference = RealReplay.Reference.parse(argv.get(++i));
          break;
        case "--sweep":
          sweep = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--sweep-hold":
          sweepHold = Arrays.stream(argv.get(++i).split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--nab":
          nabDir = Path.of(argv.get(++i));
          break;
        case "--out":
          out = Path.of(argv.get(++i));
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a);
      }
    }
    StringBuilder report = new StringBuilder();
    String commit = commit();
    report.append(header(commit, String.join(" ", argv), config, synthetic, nab));
    if (synthetic) {
      SyntheticStudy.Results r = new SyntheticStudy(config).run();
      SyntheticReport rep = new SyntheticReport(config, r);
      String text = READING + "## Targets (step runaways; ramps and exponentials are compared with the oracle in the cell "
          + "table)\n\n" + rep.targets() + "\n## Null runs (7 clean days after warm-up)\n\n" + rep.nullTable()
          + "\n## Nuisance runs (24 h from the nuisance)\n\n" + rep.nuisanceTable()
          + "\n## Runaway cells (delays in minutes from the onset; leaked spend in minutes of normal spend)\n\n"
          + rep.runawayTable() + String.format(Locale.ROOT, "%nSimulated %,d service-minutes in %.1f s.%n",
              r.simulatedMinutes, r.elapsedMillis / 1000.0);
      System.out.println(text);
      report.append(text);
    }
    if (real) {
      Path dir = nabDir != null ? nabDir : NabData.locate().orElse(null);
      String text;
      if (dir == null) {
        text = "## Real traffic\n\nNAB data not found (looked for shared/data/nab above the working directory).\n";
      } else {
        text = realTraffic(NabData.load(dir), realSeeds, realHalf, sweep, sweepHold, config.threads, commit, argv, out);
      }
      System.out.println(text);
      report.append("\n").append(text);
    }
    if (nab) {
      Path dir = nabDir != null ? nabDir : NabData.locate().orElse(null);
      String text;
      if (dir == null) {
        text = "## NAB\n\nNAB data not found (looked for shared/data/nab above the working directory; set -Dnab.dir).\n";
      } else {
        NabData data = NabData.load(dir);
        NabStudy study = new NabStudy(data);
        int windows = data.series.stream().mapToInt(s -> NabScorer.label(s, data.profile("standard")).scorableWindows())
            .sum();
        text = "## NAB scorer conformance\n\n" + data.series.size() + " files, " + windows + " scorable windows.\n\n"
            + study.conformance();
        if (nabDetectors) {
          text += "\n## NAB: our detector (fixed configuration)\n\n" + NAB_ADAPTER + "\n" + study.run(config.settings);
          if (out != null) {
            logNabRun(out.toAbsolutePath().resolveSibling("NAB-RUNS.md"), commit, config, study);
          }
        }
      }
      System.out.println(text);
      report.append("\n").append(text);
    }
    if (out != null) {
      Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    }
  }
}
