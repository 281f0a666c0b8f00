package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ServiceSnapshot;
import dev.runaway.alert.Alert;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

final class GuardAlertsTest {

  @ParameterizedTest
  @CsvSource({"4.2498125, $4.25", "1018.8, $1018.80", "0.988738794, $0.9887", "0.004249, $0.004249",
      "0, $0.00", "0.5, $0.50", "-2.345, -$2.35"})
  void money_roundsToCentsFromOneDollarAndFourDigitsBelow(double usd, String expected) {
    assertThat(GuardAlerts.money(usd)).isEqualTo(expected);
  }

  private static ServiceSnapshot snapshot() {
    return new ServiceSnapshot("openai", null, Instant.EPOCH, List.of(), 12.5469375, 0.988738794, 9, 1,
        Cost.usd("12.5469375"), Cost.usd("301.1265"), null, CircuitBreaker.State.CLOSED);
  }

  @Test
  void usage_readableFactsAndSaysWhetherABreakerOpens() {
    Alert withBreaker = GuardAlerts.usage(snapshot(), MeterEvent.COST_RUNAWAY,
        DetectionSettings.defaults(), "this process", true);
    assertThat(withBreaker.facts()).containsEntry("rate", "$12.55/h").containsEntry("baseline", "$0.9887/h")
        .containsEntry("projected_hour", "$12.55").containsEntry("projected_day", "$301.13");
    assertThat(withBreaker.detail()).contains("The circuit breaker opens.");

    Alert without = GuardAlerts.usage(snapshot(), MeterEvent.COST_RUNAWAY,
        DetectionSettings.defaults(), "account-wide", false);
    assertThat(without.detail()).doesNotContain("breaker opens").contains("No breaker is opened here");

    // Monitor trial: a monitor without a guard whose service has on_runaway said "No breaker is
    // opened here ... stop the caller" beside its own "Emergency stop of atlas: stopped" alert.
    Alert stop = GuardAlerts.usage(snapshot(), MeterEvent.COST_RUNAWAY,
        DetectionSettings.defaults(), "account-wide",
        GuardAlerts.Refusal.EMERGENCY_STOP);
    assertThat(stop.detail()).doesNotContain("No breaker is opened here", "stop the caller")
        .contains("emergency stop (on_runaway)");
  }

  @Test
  void breakerOpen_namesHowToCloseItByHand() {
    // nu30 trial: "until a manual reset" left the reader to find the method.
    dev.runaway.breaker.StateTransition t = new dev.runaway.breaker.StateTransition("openai",
        CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, dev.runaway.breaker.TripReason.BURN_RATE,
        "openai spend rate $12.55/h is above 5.0x its baseline", Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(GuardAlerts.breaker(t, "openai", null, snapshot()).detail())
        .contains("guard.breaker(\"openai\").reset()").contains("runaway-monitor resume openai");
    dev.runaway.breaker.StateTransition key = new dev.runaway.breaker.StateTransition("openai[tenant-7]",
        CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, dev.runaway.breaker.TripReason.BURN_RATE,
        "openai spend rate $12.55/h is above 5.0x its baseline", Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(GuardAlerts.breaker(key, "openai", "tenant-7", snapshot()).detail())
        .contains("guard.service(\"openai\").forKey(\"tenant-7\").breaker().reset()")
        .doesNotContain("openai[tenant-7]");
    dev.runaway.breaker.StateTransition closed = new dev.runaway.breaker.StateTransition("openai",
        CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.CLOSED, null, "", Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(GuardAlerts.breaker(closed, "openai", null, snapshot()).detail()).doesNotContain("reset()");
  }

  @Test
  void monitorBudgetDetail_roundsTheSpendLikeTheThresholdAlert() {
    // New-user trial: the emergency stop's reason read "$34.993694117 of $5.00" beside the
    // threshold alert's "$34.99".
    String detail = GuardAlerts.monitorBudgetDetail("github", Budget.hourly(Cost.usd("5")), 34_993_694_117L);
    assertThat(detail).isEqualTo(
        "the usage monitor sees github's account-wide hourly budget ($5.00 per sliding 1h) used up: $34.99 of $5.00");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "openai: the OpenAI admin API failed on GET /v1/usage (HTTP 500: Sorry about that!)|"
          + "openai: the OpenAI admin API failed on GET /v1/usage (HTTP 500: Sorry about that!). Until it works again",
      "GitHub rate-limited GET /usage (HTTP 429); retry in 20 s|GitHub rate-limited GET /usage (HTTP 429); retry in 20 s."
          + " Until it works again",
      "The poll did not finish.|The poll did not finish. Until it works again"})
  void serviceDown_endsTheProblemsSentenceBeforeItsOwn(String problem, String expected) {
    // New-user trial: every failing-poll alert read "... (HTTP 500: ...) Until it works again the
    // monitor does not see ...", two sentences run together.
    Alert a = GuardAlerts.serviceDown("openai", "openai", "UNAVAILABLE", problem, false, null, Instant.EPOCH);
    assertThat(a.detail()).startsWith(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "UNAUTHORIZED|check the credential the alert names",
      "RATE_LIMITED|the monitor waits as the service asks",
      "UNAVAILABLE|the service's status page",
      "BAD_RESPONSE|base_url",
      "MISCONFIGURED|fix the setting the alert names",
      "TIMEOUT|the service's status page"})
  void serviceDown_nextStepFitsTheKindOfFailure(String kind, String step) {
    // New-user trial: a 429 with Retry-After, a malformed body and a 500 all ended with "check its
    // credentials and status page", though only a refused credential is fixed there.
    Alert a = GuardAlerts.serviceDown("openai", "openai", kind, "It failed.", false, null, Instant.EPOCH);
    assertThat(a.facts().get("action")).startsWith("Spend on openai is not watched until this recovers: ")
        .contains(step);
    if (!kind.equals("UNAUTHORIZED")) {
      assertThat(a.facts().get("action")).doesNotContain("credential");
    }
  }
}
