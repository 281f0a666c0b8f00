package dev.runaway.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class CumulativeBucketTest {

  private static final ZoneId LA = ZoneId.of("America/Los_Angeles");

  @ParameterizedTest
  @CsvSource({
      // since,                  expected start,          expected end
      "2026-08-21T14:00:00Z, 2026-08-21T07:00:00Z, 2026-08-22T07:00:00Z",  // PDT: midnight is 07:00Z
      "2026-11-26T09:00:00Z, 2026-11-26T08:00:00Z, 2026-11-27T08:00:00Z",  // PST: midnight is 08:00Z
      "2026-08-21T07:00:00Z, 2026-08-20T07:00:00Z, 2026-08-21T07:00:00Z",  // exactly at midnight: the day before
      "2026-08-21T07:00:00.000000001Z, 2026-08-21T07:00:00Z, 2026-08-22T07:00:00Z",
      "2026-03-08T12:00:00Z, 2026-03-08T08:00:00Z, 2026-03-09T07:00:00Z",  // spring forward: a 23-hour day
      "2026-11-01T12:00:00Z, 2026-11-01T07:00:00Z, 2026-11-02T08:00:00Z"}) // fall back: a 25-hour day
  void day_inLosAngeles_startsAtLocalMidnight(String since, String start, String end) {
    CumulativeBucket b = CumulativeBucket.day(Instant.parse(since), LA);
    assertThat(b.start()).isEqualTo(Instant.parse(start));
    assertThat(b.end()).isEqualTo(Instant.parse(end));
  }

  @ParameterizedTest
  @CsvSource({
      "2026-08-21T14:00:00Z, 2026-08-01T00:00:00Z, 2026-09-01T00:00:00Z",
      "2026-09-01T00:00:00Z, 2026-08-01T00:00:00Z, 2026-09-01T00:00:00Z",
      "2026-02-10T00:00:00Z, 2026-02-01T00:00:00Z, 2026-03-01T00:00:00Z"})
  void month_inUtc_startsOnTheFirst(String since, String start, String end) {
    CumulativeBucket b = CumulativeBucket.month(Instant.parse(since), ZoneOffset.UTC);
    assertThat(b.start()).isEqualTo(Instant.parse(start));
    assertThat(b.end()).isEqualTo(Instant.parse(end));
  }

  @ParameterizedTest
  @CsvSource({"2026-08-21T14:05:00Z, 2026-08-21T14:05:00Z", "2026-08-22T00:03:00Z, 2026-08-22T00:00:00Z"})
  void readUntil_isNowWhileTheBucketLastsElseItsEnd(String now, String expected) {
    CumulativeBucket b = CumulativeBucket.day(Instant.parse("2026-08-21T23:58:00Z"), ZoneOffset.UTC);
    assertThat(b.readUntil(Instant.parse(now))).isEqualTo(Instant.parse(expected));
    assertThat(b.contains(b.start())).isTrue();
    assertThat(b.contains(b.end())).isFalse();
    assertThat(Duration.between(b.start(), b.end())).isEqualTo(Duration.ofDays(1));
  }
}
