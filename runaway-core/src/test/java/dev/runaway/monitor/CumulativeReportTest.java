package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ServiceSnapshot;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A source with only daily buckets reports the current UTC day so far; the monitor counts its growth once. */
final class CumulativeReportTest {

  private static final String CONFIG =
      "{\"monitoring_interval\": 300, \"cost_thresholds\": {\"daily_only\": {\"hourly\": 50.0, \"daily\": 500.0}}}";

  private final MonitorFixture fx = new MonitorFixture(Instant.parse("2026-01-05T10:00:00Z"));
  /** The day-to-date total the fake source reports. */
  private final AtomicReference<String> dayToDate = new AtomicReference<>("1.00");

  private FakeDetector dailySource() {
    return new FakeDetector("daily_only", ctx -> {
      Instant midnight = LocalDate.ofInstant(ctx.now(), ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC);
      return new UsageReport("daily_only", midnight, midnight.plusSeconds(86_400), Cost.usd(dayToDate.get()),
          Map.of("requests", Double.parseDouble(dayToDate.get()) * 100), List.of());
    });
  }

  private static Cost hourly(ServiceSnapshot s) {
    return s.windows().get(0).spent();
  }

  private static Cost daily(ServiceSnapshot s) {
    return s.windows().get(1).spent();
  }

  @Test
  void cumulativeDailyReport_countsOnlyGrowthAndResetsAtANewUtcDay() {
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(dailySource()).build()) {
      monitor.pollOnce(); // 10:00, first sight of today's $1.00, spent since midnight
      ServiceSnapshot s = monitor.snapshot("daily_only");
      assertThat(daily(s)).isEqualTo(Cost.usd("1.00"));
      // Ten hours of spend seen at once: the hourly window gets one tenth of it, not all of it.
      assertThat(hourly(s)).isEqualTo(Cost.usd("0.10"));

      fx.nextInterval();
      dayToDate.set("1.50");
      monitor.pollOnce(); // +0.50
      fx.nextInterval();
      monitor.pollOnce(); // unchanged: +0
      fx.nextInterval();
      dayToDate.set("1.40");
      monitor.pollOnce(); // revised down: +0, and not re-counted when it grows back
      fx.nextInterval();
      dayToDate.set("2.00");
      monitor.pollOnce(); // +0.50 over the highest seen
      s = monitor.snapshot("daily_only");
      assertThat(daily(s)).isEqualTo(Cost.usd("2.00"));
      assertThat(hourly(s)).isEqualTo(Cost.usd("1.10"));

      // A new UTC day: the source starts again from zero, and its first figure counts in full.
      fx.scheduler.advance(java.time.Duration.between(fx.ticker.instant(), Instant.parse("2026-01-06T00:03:00Z")));
      dayToDate.set("0.30");
      assertThat(monitor.pollOnce()).containsKey("daily_only");
      s = monitor.snapshot("daily_only");
      assertThat(daily(s)).as("yesterday's spend is still inside the sliding 24 h").isEqualTo(Cost.usd("2.30"));
      assertThat(hourly(s)).isEqualTo(Cost.usd("0.30"));

      fx.nextInterval();
      dayToDate.set("0.45");
      monitor.pollOnce();
      assertThat(hourly(monitor.snapshot("daily_only"))).isEqualTo(Cost.usd("0.45"));
    }
  }

  @Test
  void staleBucketAfterANewDayCountsNothing() {
    MonitorFixture late = new MonitorFixture(Instant.parse("2026-01-05T23:55:00Z"));
    AtomicReference<Instant> bucket = new AtomicReference<>(Instant.parse("2026-01-05T00:00:00Z"));
    FakeDetector source = new FakeDetector("daily_only", ctx -> new UsageReport("daily_only", bucket.get(),
        bucket.get().plusSeconds(86_400), Cost.usd(dayToDate.get()), Map.of(), List.of()));
    try (RunawayMonitor monitor = late.builder(CONFIG).detector(source).build()) {
      monitor.pollOnce(); // 23:55: yesterday so far, $1.00
      late.scheduler.advance(java.time.Duration.ofMinutes(10));
      bucket.set(Instant.parse("2026-01-06T00:00:00Z"));
      dayToDate.set("0.20");
      monitor.pollOnce(); // 00:05: today so far, $0.20
      late.nextInterval();
      bucket.set(Instant.parse("2026-01-05T00:00:00Z")); // a lagging replica answers with yesterday
      dayToDate.set("9.00");
      monitor.pollOnce();
      late.nextInterval();
      bucket.set(Instant.parse("2026-01-06T00:00:00Z"));
      dayToDate.set("0.25");
      monitor.pollOnce(); // today again: +0.05
      assertThat(daily(monitor.snapshot("daily_only"))).isEqualTo(Cost.usd("1.25"));
    }
  }
}
