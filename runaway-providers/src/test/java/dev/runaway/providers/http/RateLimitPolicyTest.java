package dev.runaway.providers.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.providers.http.RateLimitPolicy.ResetFormat;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class RateLimitPolicyTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");

  private static HttpHeaders headers(String... nameValues) {
    Map<String, List<String>> m = new java.util.HashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      m.put(nameValues[i], List.of(nameValues[i + 1]));
    }
    return HttpHeaders.of(m, (a, b) -> true);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "42|PT42S", "0|PT0S", "1.5|PT1.5S", "Fri, 21 Aug 2026 14:07:00 GMT|PT2M", "Fri, 21 Aug 2026 14:00:00 GMT|PT0S"})
  void parseRetryAfter_readsSecondsAndHttpDates(String value, Duration expected) {
    assertThat(RateLimitPolicy.parseRetryAfter(value, NOW)).contains(expected);
  }

  @ParameterizedTest
  @CsvSource({"soon", "-5", "''"})
  void parseRetryAfter_ignoresGarbage(String value) {
    assertThat(RateLimitPolicy.parseRetryAfter(value, NOW)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"1787322060,EPOCH_SECONDS,PT16M", "1787322060000,EPOCH_MILLIS,PT16M", "17,SECONDS_REMAINING,PT17S",
      "1787310000,EPOCH_SECONDS,PT0S"})
  void parseReset_readsEachFormat(String value, ResetFormat format, Duration expected) {
    // NOW is 1787321100.
    assertThat(RateLimitPolicy.parseReset(value, format, NOW)).contains(expected);
  }

  @Test
  void waitFrom_prefersRetryAfterOverReset() {
    RateLimitPolicy p = RateLimitPolicy.standard();
    assertThat(p.waitFrom(headers("Retry-After", "3", "X-RateLimit-Reset", "1787320000"), NOW))
        .contains(Duration.ofSeconds(3));
    assertThat(p.waitFrom(headers("X-RateLimit-Reset", "1787321160"), NOW)).contains(Duration.ofSeconds(60));
    assertThat(p.waitFrom(headers(), NOW)).isEqualTo(Optional.empty());
  }

  @Test
  void exhausted_readsTheRemainingHeader() {
    RateLimitPolicy p = RateLimitPolicy.builder().remainingHeader("RateLimit-Remaining").build();
    assertThat(p.exhausted(headers("RateLimit-Remaining", "0"))).isTrue();
    assertThat(p.exhausted(headers("RateLimit-Remaining", "3"))).isFalse();
    assertThat(p.exhausted(headers())).isFalse();
  }
}
