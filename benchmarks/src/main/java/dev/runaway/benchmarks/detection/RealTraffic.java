package dev.runaway.benchmarks.detection;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The real count series replayed by the real-traffic study, chosen by a fixed rule, with their
 * calls-per-event factor and their half (tuning or held back).
 *
 * <p>Series: every NAB file that counts events or a rate of them: the ten {@code realTweets}
 * mention counts (per 5 minutes), {@code realKnownCause/nyc_taxi} (passengers per 30 minutes),
 * {@code realAWSCloudwatch/elb_request_count_8c0756} (load-balancer requests per 5 minutes) and
 * the two {@code realTraffic/occupancy_*} files (road occupancy per 5 minutes, a traffic-volume
 * proxy). Speeds, travel times, CPU, latency, temperature and byte counts are not counts of
 * requests and are left out.
 *
 * <p>The split is fixed before any tuning: the series sorted by file path, even positions (0, 2,
 * ...) are the tuning half, odd positions the held-back half.
 *
 * <p>Calls per event {@code k}: with {@code e} the mean events per minute, the smallest of 1, 2, 5,
 * 10, 20, 50, 100, 200 that gives {@code k * e >= 5} calls/min; a series above 100 events per minute
 * is thinned by powers of ten ({@code k} = 0.1, 0.01, ...) until it is at most 100 calls/min (the
 * thinned series is harder to judge, not easier: fewer calls carry less evidence).
 *
 * <p>Immutable.
 */
final class RealTraffic {

  /** The files replayed, as NAB paths. */
  static final List<String> FILES = List.of(
      "realAWSCloudwatch/elb_request_count_8c0756.csv",
      "realKnownCause/nyc_taxi.csv",
      "realTraffic/occupancy_6005.csv",
      "realTraffic/occupancy_t4013.csv",
      "realTweets/Twitter_volume_AAPL.csv",
      "realTweets/Twitter_volume_AMZN.csv",
      "realTweets/Twitter_volume_CRM.csv",
      "realTweets/Twitter_volume_CVS.csv",
      "realTweets/Twitter_volume_FB.csv",
      "realTweets/Twitter_volume_GOOG.csv",
      "realTweets/Twitter_volume_IBM.csv",
      "realTweets/Twitter_volume_KO.csv",
      "realTweets/Twitter_volume_PFE.csv",
      "realTweets/Twitter_volume_UPS.csv");

  private static final double[] UP = {1, 2, 5, 10, 20, 50, 100, 200};

  /** One replayable series. */
  static final class Series {
    final String name;
    final boolean tuning;
    final double callsPerEvent;
    /** Row start times in epoch milliseconds (UTC), and one extra entry: the end of the last row. */
    final long[] startMillis;
    /** Calls per minute of each row, already multiplied by the calls per event. */
    final double[] callsPerMinute;
    /** Labelled windows, epoch milliseconds, [start, end]. */
    final long[][] windows;
    final double stepMinutes;
    /** Real traffic of another kind, outside the NAB split, never tuned on ({@link #loadOther}). */
    final boolean other;

    Series(String name, boolean tuning, double callsPerEvent, long[] startMillis, double[] callsPerMinute,
        long[][] windows, double stepMinutes) {
      this(name, tuning, callsPerEvent, startMillis, callsPerMinute, windows, stepMinutes, false);
    }

    Series(String name, boolean tuning, double callsPerEvent, long[] startMillis, double[] callsPerMinute,
        long[][] windows, double stepMinutes, boolean other) {
      this.other = other;
      this.name = name;
      this.tuning = tuning;
      this.callsPerEvent = callsPerEvent;
      this.startMillis = startMillis;
      this.callsPerMinute = callsPerMinute;
      this.windows = windows;
      this.stepMinutes = stepMinutes;
    }

    String shortName() {
      return name.substring(name.indexOf('/') + 1, name.length() - 4);
    }

    long start() {
      return startMillis[0];
    }

    long end() {
      return startMillis[startMillis.length - 1];
    }

    double meanCallsPerMinute() {
      double sum = 0;
      double minutes = 0;
      for (int i = 0; i < callsPerMinute.length; i++) {
        double len = (startMillis[i + 1] - startMillis[i]) / 60_000.0;
        sum += callsPerMinute[i] * len;
        minutes += len;
      }
      return sum / minutes;
    }

    private double[] hourly;

    /**
     * The series' typical rate at the hour of the day of {@code t}: the time-weighted mean of its
     * rows in that hour (series clock) over the whole series, labelled windows left out.
     */
    synchronized double typicalRate(long t) {
      if (hourly == null) {
        double[] sum = new double[24];
        double[] len = new double[24];
        for (int i = 0; i < callsPerMinute.length; i++) {
          long a = startMillis[i];
          long b = startMillis[i + 1];
          if (b <= a || overlapsLabel(a, b)) {
            continue;
          }
          int h = (int) Math.floorMod(a / HOUR, 24L);
          sum[h] += callsPerMinute[i] * (b - a);
          len[h] += b - a;
        }
        double all = meanCallsPerMinute();
        hourly = new double[24];
        for (int h = 0; h < 24; h++) {
          hourly[h] = len[h] > 0 ? sum[h] / len[h] : all;
        }
      }
      return hourly[(int) Math.floorMod(t / HOUR, 24L)];
    }

    /** Whether [from, to] (epoch ms) overlaps a labelled window. */
    boolean overlapsLabel(long from, long to) {
      for (long[] w : windows) {
        if (from <= w[1] && to >= w[0]) {
          return true;
        }
      }
      return false;
    }

    boolean inLabel(long t) {
      return overlapsLabel(t, t);
    }

    /**
     * Organic episodes that no rate-only detector can tell from an injected runaway: stretches from
     * {@code from} on, outside labelled windows, where every row's rate is at least {@code k} times
     * the series' typical rate at that hour ({@link #typicalRate}) for at least {@code minutes}
     * minutes. An injected k x step at a quiet moment adds (k - 1) x that typical rate to the organic
     * rate, so for its first {@code minutes} minutes it is at most about what such an episode shows:
     * a detector that trips the runaway within that time on the rate alone trips on these episodes
     * too, unless what came before tells them apart. A stretch that starts within an hour after the
     * end of one counted is part of the same episode (the breaker's default cool-down scale).
     *
     * @return the number of such episodes
     */
    int organicEpisodes(long from, double k, double minutes) {
      int episodes = 0;
      long lastEnd = Long.MIN_VALUE;
      int i = 0;
      while (i < callsPerMinute.length) {
        long a = startMillis[i];
        if (a < from || overlapsLabel(a, startMillis[i + 1]) || !organic(i, k)) {
          i++;
          continue;
        }
        int j = i;
        while (j < callsPerMinute.length && !overlapsLabel(startMillis[j], startMillis[j + 1]) && organic(j, k)) {
          j++;
        }
        long b = startMillis[j];
        if (b - a >= minutes * 60_000 - 1) {
          if (lastEnd == Long.MIN_VALUE || a - lastEnd > HOUR) {
            episodes++;
          }
          lastEnd = b;
        }
        i = j;
      }
      return episodes;
    }

    /** Whether row {@code i} carries traffic at or above k times the typical rate at its hour. */
    private boolean organic(int i, double k) {
      return callsPerMinute[i] > 0 && callsPerMinute[i] >= k * typicalRate(startMillis[i]);
    }

    /** Labelled time between from and to, in milliseconds. */
    long labelledMillis(long from, long to) {
      long sum = 0;
      for (long[] w : windows) {
        long a = Math.max(from, w[0]);
        long b = Math.min(to, w[1]);
        if (b > a) {
          sum += b - a;
        }
      }
      return sum;
    }
  }

  private RealTraffic() {}

  /**
   * Loads the real series of other kinds in {@code dir} ({@code *.csv.gz}, NAB's format, UTC
   * timestamps; see the README there): never part of the tuning half, unlabelled, so every trip
   * in them counts as a false one. Same calls-per-event rule as the NAB series.
   *
   * @param dir the folder; none loaded when it does not exist
   * @return the series, by file name
   */
  static List<Series> loadOther(java.nio.file.Path dir) {
    List<Series> out = new ArrayList<>();
    if (!java.nio.file.Files.isDirectory(dir)) {
      return out;
    }
    java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
      for (java.nio.file.Path file : files.filter(p -> p.toString().endsWith(".csv.gz")).sorted().toList()) {
        List<Long> times = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
            new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(file)),
            java.nio.charset.StandardCharsets.US_ASCII))) {
          r.readLine();
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            int c = line.indexOf(',');
            times.add(millis(LocalDateTime.parse(line.substring(0, c), f)));
            values.add(Double.parseDouble(line.substring(c + 1)));
          }
        }
        int n = times.size();
        if (n < 2) {
          continue;
        }
        long[] start = new long[n + 1];
        long[] steps = new long[n - 1];
        for (int i = 1; i < n; i++) {
          steps[i - 1] = times.get(i) - times.get(i - 1);
        }
        Arrays.sort(steps);
        long step = steps[steps.length / 2];
        double sum = 0;
        for (int i = 0; i < n; i++) {
          start[i] = times.get(i);
          sum += Math.max(0, values.get(i));
        }
        start[n] = start[n - 1] + step;
        double stepMinutes = step / 60_000.0;
        double k = callsPerEvent(sum / n / stepMinutes);
        double[] rate = new double[n];
        for (int i = 0; i < n; i++) {
          rate[i] = Math.max(0, values.get(i)) * k / stepMinutes;
        }
        String name = file.getFileName().toString();
        out.add(new Series("other/" + name.substring(0, name.length() - 3), false, k, start, rate, new long[0][],
            stepMinutes, true));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the series in " + dir, e);
    }
    return out;
  }

  /** Builds the series from the NAB data, in the fixed order, with the fixed split. */
  static List<Series> load(NabData data) {
    List<Series> out = new ArrayList<>();
    List<String> files = new ArrayList<>(FILES);
    files.sort(String::compareTo);
    for (int idx = 0; idx < files.size(); idx++) {
      String file = files.get(idx);
      NabData.Series s = data.series.stream().filter(x -> x.name().equals(file)).findFirst().orElse(null);
      if (s == null) {
        continue;
      }
      int n = s.size();
      long[] start = new long[n + 1];
      for (int i = 0; i < n; i++) {
        start[i] = millis(s.timestamps().get(i));
      }
      long[] steps = new long[n - 1];
      for (int i = 1; i < n; i++) {
        steps[i - 1] = start[i] - start[i - 1];
      }
      Arrays.sort(steps);
      long step = steps[steps.length / 2];
      start[n] = start[n - 1] + step;
      double stepMinutes = step / 60_000.0;
      double sum = 0;
      for (double v : s.values()) {
        sum += Math.max(0, v);
      }
      double eventsPerMinute = sum / n / stepMinutes;
      double k = callsPerEvent(eventsPerMinute);
      double[] rate = new double[n];
      for (int i = 0; i < n; i++) {
        rate[i] = Math.max(0, s.values()[i]) * k / stepMinutes;
      }
      long[][] windows = new long[s.windows().size()][];
      for (int i = 0; i < windows.length; i++) {
        LocalDateTime[] w = s.windows().get(i);
        windows[i] = new long[] {millis(w[0]), millis(w[1]) + step};
      }
      out.add(new Series(file, idx % 2 == 0, k, start, rate, windows, stepMinutes));
    }
    return out;
  }

  static double callsPerEvent(double eventsPerMinute) {
    if (eventsPerMinute > 100) {
      double k = 1;
      while (k * eventsPerMinute > 100) {
        k /= 10;
      }
      return k;
    }
    for (double k : UP) {
      if (k * eventsPerMinute >= 5) {
        return k;
      }
    }
    return UP[UP.length - 1];
  }

  static long millis(LocalDateTime t) {
    return t.toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  static final long DAY = Duration.ofDays(1).toMillis();
  static final long HOUR = Duration.ofHours(1).toMillis();
}
