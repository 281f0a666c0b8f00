package dev.runaway.config.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class DidYouMeanTest {

  @ParameterizedTest
  @CsvSource({
      "monitoring_intervall, monitoring_interval",
      "monitoring_interva, monitoring_interval",
      "usage_spike_multipler, usage_spike_multiplier",
      "Monitoring_Interval, monitoring_interval",
      "monitoringInterval, monitoring_interval",
      "monitoring-interval, monitoring_interval",
      "cost_treshold, cost_thresholds",
      "cirucit_breaker, circuit_breaker",
      "statedir, state_dir",
      "service, services",
      "notification, notifications"})
  void suggest_findsTheIntendedTopLevelKey(String typo, String intended) {
    assertThat(DidYouMean.suggest(typo, ConfigParser.ROOT_KEYS)).contains(intended);
  }

  @ParameterizedTest
  @CsvSource({"hourley, hourly", "dayly, daily", "Daily, daily", "houry, hourly"})
  void suggest_findsTheIntendedLimit(String typo, String intended) {
    assertThat(DidYouMean.suggest(typo, ConfigParser.THRESHOLD_KEYS)).contains(intended);
  }

  @ParameterizedTest
  @CsvSource({"colour", "interval", "xyz", "a", "thresholds_for_everything"})
  void suggest_staysQuietWhenNothingIsClose(String unrelated) {
    assertThat(DidYouMean.suggest(unrelated, ConfigParser.ROOT_KEYS)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"abc, abc, 0", "abc, acb, 1", "abc, ab, 1", "ab, abc, 1", "kitten, sitting, 3", "'', abc, 3"})
  void distance_countsEditsAndAdjacentSwaps(String a, String b, int expected) {
    assertThat(DidYouMean.distance(a, b)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void suggest_ignoresHugeKeys() {
    assertThat(DidYouMean.suggest("x".repeat(10_000), List.of("x"))).isEmpty();
  }
}
