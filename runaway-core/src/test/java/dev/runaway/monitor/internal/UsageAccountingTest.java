package dev.runaway.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.monitor.UsageReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class UsageAccountingTest {

  private static final Instant MIDNIGHT = Instant.parse("2026-01-05T00:00:00Z");
  private static final Instant T10 = MIDNIGHT.plus(Duration.ofHours(10));

  private static UsageReport report(Instant from, Instant to, String cost, Map<String, Double> units) {
    return new UsageReport("svc", from, to, Cost.usd(cost), units, List.of());
  }

  @Test
  void deltaReport_countsInFullOverItsOwnSpan() {
    UsageAccounting acc = new UsageAccounting();
    Instant since = T10.minus(Duration.ofMinutes(5));
    UsageDelta d = acc.accept(report(since, T10, "0.40", Map.of("requests", 4.0)), since, T10);
    assertThat(d.cumulative()).isFalse();
    assertThat(d.costNanos()).isEqualTo(Cost.usd("0.40").nanos());
    assertThat(d.unit("requests")).isEqualTo(4.0);
    assertThat(d.from()).isEqualTo(since);
    assertThat(d.to()).isEqualTo(T10);
  }

  @Test
  void cumulativeReport_firstSightSpansFromTheBucketStartThenGrowthSincePreviousPoll() {
    UsageAccounting acc = new UsageAccounting();
    Instant since = T10.minus(Duration.ofMinutes(5));
    UsageDelta first = acc.accept(report(MIDNIGHT, MIDNIGHT.plus(Duration.ofDays(1)), "1.00",
        Map.of("requests", 100.0, "tokens.input", 5.0)), since, T10);
    assertThat(first.cumulative()).isTrue();
    assertThat(first.from()).isEqualTo(MIDNIGHT);
    assertThat(first.to()).isEqualTo(T10);
    assertThat(first.costNanos()).isEqualTo(Cost.usd("1").nanos());

    Instant t2 = T10.plus(Duration.ofMinutes(5));
    UsageDelta second = acc.accept(report(MIDNIGHT, MIDNIGHT.plus(Duration.ofDays(1)), "1.25",
        Map.of("requests", 130.0, "tokens.input", 5.0)), T10, t2);
    assertThat(second.from()).isEqualTo(T10);
    assertThat(second.to()).isEqualTo(t2);
    assertThat(second.costNanos()).isEqualTo(Cost.usd("0.25").nanos());
    assertThat(second.units()).containsOnly(Map.entry("requests", 30.0));
  }

  @ParameterizedTest(name = "{0} then {1} counts {2}")
  @CsvSource({"1.00, 1.50, 0.50", "1.00, 1.00, 0", "1.00, 0.80, 0", "0, 0.01, 0.01"})
  void cumulativeReport_sameBucketCountsOnlyGrowth(String before, String after, String counted) {
    UsageAccounting acc = new UsageAccounting();
    Instant since = T10.minus(Duration.ofMinutes(5));
    acc.accept(report(MIDNIGHT, T10, before, Map.of()), since, T10);
    UsageDelta d = acc.accept(report(MIDNIGHT, T10, after, Map.of()), T10, T10.plusSeconds(300));
    assertThat(d.costNanos()).isEqualTo(Cost.usd(counted).nanos());
  }

  @Test
  void negativeCostCountsAsZero() {
    UsageAccounting acc = new UsageAccounting();
    Instant since = T10.minus(Duration.ofMinutes(5));
    UsageDelta d = acc.accept(report(since, T10, "-3.00", Map.of("requests", -2.0)), since, T10);
    assertThat(d.costNanos()).isZero();
    assertThat(d.units()).isEmpty();
  }

  @Test
  void newDaysFirstReportStartsAfterSinceAndItsLaterCumulativeReportsCountOnlyGrowth() {
    UsageAccounting acc = new UsageAccounting();
    Instant yesterdayPoll = MIDNIGHT.minus(Duration.ofHours(14));
    Instant t1 = MIDNIGHT.plus(Duration.ofMinutes(3));
    UsageDelta first = acc.accept(report(MIDNIGHT, MIDNIGHT.plus(Duration.ofDays(1)), "0.30", Map.of()),
        yesterdayPoll, t1);
    assertThat(first.costNanos()).isEqualTo(Cost.usd("0.30").nanos());
    assertThat(first.from()).isEqualTo(MIDNIGHT);
    assertThat(first.to()).isEqualTo(t1);
    Instant t2 = t1.plus(Duration.ofMinutes(5));
    UsageDelta second = acc.accept(report(MIDNIGHT, MIDNIGHT.plus(Duration.ofDays(1)), "0.45", Map.of()), t1, t2);
    assertThat(second.costNanos()).isEqualTo(Cost.usd("0.15").nanos());
  }
}
