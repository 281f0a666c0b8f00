package dev.runaway.benchmarks.detection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real-traffic study replays each injected runaway on its own: its outcome is the one of a
 * replay that holds that runaway alone, whatever the pass injected before it, and the replay ends
 * with the runaway.
 */
final class RealReplayIsolationTest {

  private static final long MINUTE = 60_000L;

  @AfterEach
  void restoreDefault() {
    RealReplay.isolated = true;
  }

  /** Nine days of 5-minute rows at 10 calls a minute, no labels. */
  private static RealTraffic.Series flat() {
    int rows = 9 * 288;
    long[] start = new long[rows + 1];
    double[] rate = new double[rows];
    long t0 = 1_600_000_000_000L - Math.floorMod(1_600_000_000_000L, RealTraffic.DAY);
    for (int i = 0; i <= rows; i++) {
      start[i] = t0 + i * 5 * MINUTE;
      if (i < rows) {
        rate[i] = 10;
      }
    }
    return new RealTraffic.Series("test/flat.csv", true, 1, start, rate, new long[0][], 5);
  }

  @Test
  void eachRunawayIsJudgedAsIfItWereTheOnlyOne() throws Exception {
    RealTraffic.Series s = flat();
    long day7 = s.start() + RealTrafficStudy.WARM_MS;
    // A 5x step held for the replay's 6 hours, then a 10x step the next day.
    RealReplay.Injection first = new RealReplay.Injection(day7 + 60 * MINUTE, 5, Modifier.Shape.STEP);
    RealReplay.Injection second = new RealReplay.Injection(day7 + 26 * 60 * MINUTE, 10, Modifier.Shape.STEP);
    long seed = 7;

    RealReplay.Result alone = new RealReplay(s, null, seed, List.of(second)).run();
    RealReplay.Result full = new RealReplay(s, null, seed, List.of()).run();
    assertThat(alone.outcomes).hasSize(1);
    assertThat(alone.outcomes.get(0).tripDelay).isPositive();
    // The clean pass (nothing injected) replays the whole series: 9 days at 10 calls a minute.
    assertThat(full.calls).isCloseTo(9 * 1440 * 10L, org.assertj.core.data.Offset.offset(2_000L));
    assertThat(alone.calls).as("the replay ends with its runaway").isLessThan(full.calls);

    List<java.util.concurrent.Callable<RealReplay.Result>> replays =
        RealTrafficStudy.replays(s, null, seed, List.of(first, second));
    assertThat(replays).hasSize(2);
    // The second runaway's replay is the one that holds it alone, call for call: none of the
    // first runaway's calls (a 5x step held 6 h adds about 14,000), whatever the random streams.
    RealReplay.Result secondReplay = replays.get(1).call();
    assertThat(secondReplay.calls).isEqualTo(alone.calls);
    assertThat(secondReplay.episodes).isEqualTo(alone.episodes);
    List<RealReplay.Outcome> isolated = outcomes(s, seed, List.of(first, second));
    assertThat(isolated).hasSize(2);
    assertThat(isolated.get(0).tripDelay).as("the 5x step is held its 6 hours").isNaN();
    assertThat(isolated.get(0).alertDelay).as("the 5x step is alerted").isPositive();
    assertThat(isolated.get(1).injection).isEqualTo(second);
    assertThat(Double.valueOf(isolated.get(1).tripDelay)).isEqualTo(Double.valueOf(alone.outcomes.get(0).tripDelay));
    assertThat(Double.valueOf(isolated.get(1).alertDelay)).isEqualTo(Double.valueOf(alone.outcomes.get(0).alertDelay));

    RealReplay.isolated = false;
    assertThat(RealTrafficStudy.replays(s, null, seed, List.of(first, second))).hasSize(1);
    List<RealReplay.Outcome> sequential = outcomes(s, seed, List.of(first, second));
    assertThat(sequential).hasSize(2);
    assertThat(sequential.get(0).tripDelay).isNaN();
    assertThat(sequential.get(0).alertDelay).isEqualTo(isolated.get(0).alertDelay);
  }

  private static List<RealReplay.Outcome> outcomes(RealTraffic.Series s, long seed,
      List<RealReplay.Injection> plan) throws Exception {
    List<RealReplay.Outcome> out = new java.util.ArrayList<>();
    for (java.util.concurrent.Callable<RealReplay.Result> replay : RealTrafficStudy.replays(s, null, seed, plan)) {
      out.addAll(replay.call().outcomes);
    }
    return out;
  }
}
