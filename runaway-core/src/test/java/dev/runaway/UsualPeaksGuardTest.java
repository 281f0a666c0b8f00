package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * End to end, a guard with defaults and a budget only: a service whose 4x bursts come every two
 * hours or so stops getting spike alerts once a week is judged, and a 10x runaway after that still
 * opens the breaker and is alerted.
 */
final class UsualPeaksGuardTest {

  private static final long MINUTE = 60_000_000_000L;
  private static final int DAY = 1440;

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-05T00:00:00Z"));
  private final List<long[]> alerts = new ArrayList<>();
  private final SplittableRandom random = new SplittableRandom(41);
  private int minute;

  private static final LongUnaryOperator BURSTY = m -> m % 137 < 6 ? 200 : 50;

  /** Runs {@code minutes} minutes of {@code rate}; returns the calls refused. */
  private int run(RunawayGuard guard, int minutes, LongUnaryOperator rate) {
    int refused = 0;
    for (int end = minute + minutes; minute < end; minute++) {
      long mean = rate.applyAsLong(minute);
      long n = Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
      long start = ticker.nanoTime();
      for (long i = 0; i < n; i++) {
        try {
          guard.call("svc", Cost.usd("0.001"), () -> "ok");
        } catch (RunawayException e) {
          refused++;
        }
        ticker.advanceNanos(MINUTE / n);
      }
      ticker.advanceNanos(MINUTE - (ticker.nanoTime() - start));
    }
    return refused;
  }

  private long count(int from, int to, Severity severity) {
    return alerts.stream().filter(a -> a[0] >= from && a[0] < to && a[1] == severity.ordinal()).count();
  }

  @Test
  void burstsOfEveryDay_stopAlertingAfterAWeek_whileATenfoldRunawayStillTripsAndAlerts() {
    try (RunawayGuard guard = RunawayGuard.builder().ticker(ticker).alertSink(this::onAlert)
        .service("svc", s -> s.budget(Budget.daily(Cost.usd("100000")))).build()) {
      assertThat(run(guard, 10 * DAY, BURSTY)).as("refused").isZero();
      assertThat(count(DAY, 7 * DAY, Severity.WARNING)).as("spike alerts, days 2 to 7").isGreaterThanOrEqualTo(5 * 8);
      assertThat(count(8 * DAY, 10 * DAY, Severity.WARNING)).as("spike alerts, days 9 and 10").isLessThanOrEqualTo(1);
      assertThat(count(0, 10 * DAY, Severity.CRITICAL)).isZero();

      run(guard, 60, m -> 50);
      int at = minute;
      int refused = run(guard, 30, m -> 500);
      assertThat(refused).as("calls of the runaway refused").isGreaterThan(10_000);
      assertThat(count(at, at + 15, Severity.CRITICAL)).as("runaway alert").isEqualTo(1);
    }
  }

  private void onAlert(Alert a) {
    if (a.type() == AlertType.USAGE_SPIKE && !"true".equals(a.facts().get("resolved"))) {
      alerts.add(new long[] {minute, a.severity().ordinal()});
    }
  }
}
