package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class SnapshotJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))).budget(Budget.daily(Cost.usd("100")))
            .perKeyBudget(Budget.daily(Cost.usd("5"))))
        .service("github", s -> s.budget(Budget.calendarDay(Cost.usd("50"), ZoneOffset.UTC)))
        .ticker(ticker)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void toJson_moneyIsDecimalStringsAndUnknownFiguresAreNull() throws Exception {
    try (RunawayGuard guard = guard()) {
      guard.call("openai", Cost.usd("0.9"), () -> "ok");
      guard.call("openai", Cost.usd("0.0025"), () -> "ok");
      ServiceSnapshot s = guard.snapshot("openai");

      String text = s.toJson();
      JsonNode n = JSON.readTree(text);

      assertThat(text).doesNotContain("NaN").doesNotContain("Infinity").doesNotContain("\"zero\"");
      assertThat(n.get("service").asText()).isEqualTo("openai");
      assertThat(n.get("key").isNull()).isTrue();
      assertThat(n.get("breakerState").asText()).isEqualTo("CLOSED");
      assertThat(n.get("baselineReady").asBoolean()).isFalse();
      assertThat(n.get("baselineCostPerHour").isNull()).isTrue();
      assertThat(n.get("baselineCallsPerMinute").isNull()).isTrue();
      assertThat(n.get("rateRatio").isNull()).isTrue();
      assertThat(n.get("costPerHour").isTextual()).isTrue();
      JsonNode hourly = n.get("windows").get(0);
      assertThat(hourly.get("budget").asText()).isEqualTo("hourly");
      assertThat(hourly.get("window").asText()).isEqualTo("PT1H");
      assertThat(hourly.get("limit").asText()).isEqualTo("10");
      assertThat(hourly.get("spent").asText()).isEqualTo("0.9025");
      assertThat(hourly.get("reserved").asText()).isEqualTo("0");
      assertThat(hourly.get("remaining").asText()).isEqualTo("9.0975");
      assertThat(hourly.get("fraction").asDouble()).isEqualTo(0.09025);
      assertThat(hourly.get("retryAfter").isNull()).isTrue();
      assertThat(n.get("windows").get(1).get("budget").asText()).isEqualTo("daily");
    }
  }

  @Test
  void jackson_serialisesTheRecordAsItsStableForm() throws Exception {
    try (RunawayGuard guard = guard()) {
      guard.call("github", Cost.usd("1.5"), () -> "ok");
      ServiceSnapshot s = guard.snapshot("github");

      assertThat(JSON.readTree(JSON.writeValueAsString(s))).isEqualTo(JSON.readTree(s.toJson()));
      JsonNode w = JSON.readTree(s.toJson()).get("windows").get(0);
      assertThat(w.get("budget").asText()).isEqualTo("calendar_day");
      assertThat(w.get("zone").asText()).isEqualTo("Z");
      assertThat(w.get("spent").asText()).isEqualTo("1.5");
    }
  }

  @Test
  void toJson_exhaustedBudgetHasRetryAfterAndZeroTimeToExhaustion() throws Exception {
    try (RunawayGuard guard = guard()) {
      guard.call("openai", Cost.usd("10"), () -> "ok");
      JsonNode n = JSON.readTree(guard.snapshot("openai").toJson());

      assertThat(n.get("timeToExhaustion").asText()).isEqualTo("PT0S");
      assertThat(n.get("timeToExhaustionSeconds").asLong()).isZero();
      assertThat(n.get("windows").get(0).get("remaining").asText()).isEqualTo("0");
      assertThat(Duration.parse(n.get("windows").get(0).get("retryAfter").asText())).isPositive();
    }
  }

  @Test
  void snapshots_coverEveryServiceInConfiguredOrder() {
    try (RunawayGuard guard = guard()) {
      guard.call("github", Cost.usd("2"), () -> "ok");

      assertThat(guard.snapshots().keySet()).containsExactly("openai", "github");
      assertThat(guard.snapshots().get("github").windows().get(0).spent()).isEqualTo(Cost.usd("2"));
      assertThat(guard.snapshots().get("openai").windows().get(0).spent()).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void keySnapshots_largestSpendersFirstAndBounded() {
    try (RunawayGuard guard = guard()) {
      ServiceGuard openai = guard.service("openai");
      for (int i = 1; i <= 20; i++) {
        openai.forKey("tenant-" + i).call(Cost.usd("0.01").times(i), () -> "ok");
        // $2.10 in one minute against $10 an hour would be a runaway to the budget-velocity rule.
        ticker.advance(java.time.Duration.ofMinutes(1));
      }

      List<ServiceSnapshot> top = guard.keySnapshots("openai", 3);

      assertThat(top.stream().map(ServiceSnapshot::key).collect(Collectors.toList()))
          .containsExactly("tenant-20", "tenant-19", "tenant-18");
      assertThat(top.get(0).windows().get(0).spent()).isEqualTo(Cost.usd("0.20"));
      assertThat(guard.keySnapshots("openai", 100)).hasSize(20);
      assertThat(guard.keySnapshots("openai", 0)).isEmpty();
      assertThat(guard.keySnapshots("github", 10)).isEmpty();
      assertThatThrownBy(() -> guard.keySnapshots("openai", -1)).hasMessageContaining("limit");
    }
  }

  @Test
  void toString_roundsRatesAndSaysWarmingUpInsteadOfNaN() {
    ServiceSnapshot s = new ServiceSnapshot("openai", null, java.time.Instant.EPOCH, List.of(), 57.599999999999994,
        Double.NaN, 16.000000001, Double.NaN, Cost.usd("57.60"), Cost.usd("1382.40"), Duration.ofSeconds(565),
        dev.runaway.breaker.CircuitBreaker.State.OPEN);

    assertThat(s.toString())
        .contains("cost=$57.60/h (baseline warming up)")
        .contains("calls=16.0/min (baseline warming up)")
        .contains("breaker=OPEN")
        .contains("timeToExhaustion=PT9M25S")
        .doesNotContain("NaN")
        .doesNotContain("57.5999");
  }
}
