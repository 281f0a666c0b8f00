package dev.runaway.telegram.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.telegram.TelegramFixtures;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class AlertFormatterTest {

  private static final Instant TIME = Instant.parse("2026-01-05T10:15:30Z");
  private final AlertFormatter formatter = new AlertFormatter(ZoneId.of("UTC"));

  private static Alert alert(AlertType type, Severity severity, String key, Map<String, String> facts) {
    return new Alert(type, severity, "openai", key, "Title", "", TIME, facts);
  }

  @Test
  void format_fullAlertIsLaidOutHeaderFiguresActionTime() {
    Map<String, String> facts = TelegramFixtures.facts(
        "spent", "$80.00",
        "limit", "$100.00",
        "projected_day", "$130.00",
        "time_to_exhaustion", "2h 10m");
    Alert a = new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, "openai", "team-a", "80% of the daily budget",
        "spent since midnight UTC", TIME, facts);

    assertThat(formatter.format(a)).isEqualTo("""
        🟠 <b>WARNING</b> · Budget threshold
        <b>openai</b> · key <code>team-a</code>

        <b>80% of the daily budget</b>
        spent since midnight UTC

        💰 Spent <b>$80.00</b> of $100.00
        🔮 Projected <b>$130.00</b> today
        ⏳ Budget runs out in <b>2h 10m</b>

        👉 Check that this spend on openai (key team-a) is expected before the budget runs out.
        <i>2026-01-05 10:15:30 UTC</i>""");
  }

  @Test
  void format_callLargerThanTheWholeBudgetSuggestsTheFixNotASpendCheck() {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("spent", "$0.00");
    facts.put("limit", "$10.00");
    facts.put("percent", "0");
    facts.put("requested", "$20.00");
    Alert a = new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, "openai", null,
        "One call costs more than the whole budget", "", TIME, facts);

    assertThat(formatter.format(a)).contains("💰 Spent <b>$0.00</b> of $10.00 (0%)").contains("$20.00")
        .contains("👉 One call to openai costs more than its whole budget and is always refused: raise the budget"
            + " or lower the call's estimate (max tokens).")
        .doesNotContain("before the budget runs out");
  }

  @Test
  void format_withoutFactsHasNoFigureBlockAndNoKey() {
    String html = formatter.format(alert(AlertType.SERVICE_STATUS, Severity.WARNING, null, Map.of()));

    assertThat(html).isEqualTo("""
        🟠 <b>WARNING</b> · Service status
        <b>openai</b>

        <b>Title</b>

        👉 Spend on openai is not watched until this recovers: check its credentials and status page.
        <i>2026-01-05 10:15:30 UTC</i>""");
  }

  @Test
  void format_resolvedAlertSaysSoAndNeedsNoAction() {
    String html = formatter.format(alert(AlertType.SERVICE_STATUS, Severity.INFO, null, Map.of("resolved", "true")));

    assertThat(html).startsWith("✅ <b>RESOLVED</b> · Service status").contains("👉 No action needed.")
        .doesNotContain("Resolved:");
  }

  @Test
  void format_listsUnknownFactsByReadableNameInOrderAndActionOverridesTheAdvice() {
    Map<String, String> facts = TelegramFixtures.facts(
        "tokens.input", "1,200,000",
        "error_rate", "12%",
        "action", "Page the on-call <now>");

    String html = formatter.format(alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, null, facts));

    assertThat(html).contains("• Tokens input: 1,200,000\n• Error rate: 12%")
        .contains("👉 Page the on-call &lt;now&gt;");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "OPEN|⛔ Breaker <b>OPEN</b> · BURN_RATE|Calls to openai are refused. Find what ran away, then reset the breaker.",
      "HALF_OPEN|🔌 Breaker <b>HALF_OPEN</b> · BURN_RATE|Trial calls to openai are let through: check that spend stays normal.",
      "CLOSED|🔌 Breaker <b>CLOSED</b> · BURN_RATE|Calls to openai flow again. No action needed unless it trips again.",
  })
  void format_breakerStateDrivesTheAdvice(String state, String line, String advice) {
    Map<String, String> facts = TelegramFixtures.facts(
        "breaker", state,
        "trip_reason", "BURN_RATE");

    String html = formatter.format(alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, null, facts));

    assertThat(html).contains(line).contains("👉 " + advice);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "rate=$5/h;baseline=$1/h;multiplier=5x|📈 Rate <b>$5/h</b> vs baseline $1/h (×5)",
      "rate=$5/h|📈 Rate <b>$5/h</b>",
      "baseline=$1/h;multiplier=5.0|📈 Baseline $1/h (×5.0)",
      "projected_hour=$9|🔮 Projected <b>$9</b> this hour",
      "limit=$100|💰 Budget $100",
  })
  void format_partialFiguresStillReadWell(String pairs, String expectedLine) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String p : pairs.split(";")) {
      facts.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
    }

    String html = formatter.format(alert(AlertType.USAGE_SPIKE, Severity.WARNING, null, facts));

    assertThat(html.lines()).contains(expectedLine);
  }

  @Test
  void format_showsTimeInTheConfiguredZone() {
    String html = new AlertFormatter(ZoneId.of("Europe/Berlin"))
        .format(alert(AlertType.USAGE_SPIKE, Severity.WARNING, null, Map.of()));

    assertThat(html).endsWith("<i>2026-01-05 11:15:30 UTC+01:00</i>");
  }

  @Test
  void format_placesTheFactsTheGuardRaisesWithNoGenericLeftovers() {
    // The shape of dev.runaway.internal.GuardAlerts' facts for a runaway that tripped the breaker.
    Map<String, String> facts = TelegramFixtures.facts(
        "budget", "daily budget ($100.00 per sliding 24h)",
        "spent", "$48.00",
        "limit", "$100.00",
        "percent", "48",
        "scope", "this process",
        "rate", "$12.40/h",
        "baseline", "$2.00/h",
        "multiplier", "6.2x",
        "calls_per_minute", "1200",
        "threshold_multiplier", "5",
        "projected_hour", "$12.40",
        "projected_day", "$297.60",
        "time_to_exhaustion", "4h 12m",
        "from", "CLOSED",
        "breaker", "OPEN",
        "trip_reason", "BURN_RATE");
    Alert a = new Alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, "openai", "tenant-42",
        "Runaway: openai spend rate 6.2x baseline", "spend rate above 5x the learned baseline (this process).",
        TIME, facts);

    assertThat(formatter.format(a)).isEqualTo("""
        🔴 <b>CRITICAL</b> · Usage spike
        <b>openai</b> · key <code>tenant-42</code> · this process

        <b>Runaway: openai spend rate 6.2x baseline</b>
        spend rate above 5x the learned baseline (this process).

        📈 Rate <b>$12.40/h</b> vs baseline $2.00/h (×6.2; alerts at ×5)
        📞 Calls <b>1200</b>/min
        💰 Spent <b>$48.00</b> of $100.00 (48%)
        🧾 Daily budget ($100.00 per sliding 24h)
        🔮 Projected <b>$12.40</b> this hour · <b>$297.60</b> today
        ⏳ Budget runs out in <b>4h 12m</b>
        ⛔ Breaker CLOSED → <b>OPEN</b> · BURN_RATE

        👉 The breaker is open. Find the loop or retry storm calling openai (key tenant-42) before resetting it.
        <i>2026-01-05 10:15:30 UTC</i>""");
  }

  @Test
  void format_monitorWithoutAGuard_neverSaysCallsAreRefusedOrTellsToResetABreaker() {
    // New-user trial of the standalone monitor: a used-up budget's alert said "Nothing here refuses
    // an application's calls (no guard attached)" and ended "Budget reached: calls to openai may be
    // refused"; a runaway's said to find the loop "before resetting" a breaker no one can reset.
    dev.runaway.ServiceSnapshot open = new dev.runaway.ServiceSnapshot("openai", null, TIME, java.util.List.of(),
        7.07, 0.5, 11.8, 1, dev.runaway.Cost.usd("7.07"), dev.runaway.Cost.usd("169.65"), null,
        dev.runaway.breaker.CircuitBreaker.State.OPEN);
    dev.runaway.Budget hourly = dev.runaway.Budget.hourly(dev.runaway.Cost.usd("0.30"));
    long used = dev.runaway.Cost.usd("0.31").nanos();
    for (dev.runaway.internal.GuardAlerts.Refusal r : java.util.List.of(
        dev.runaway.internal.GuardAlerts.Refusal.ALERT_ONLY, dev.runaway.internal.GuardAlerts.Refusal.EMERGENCY_STOP)) {
      String budget = formatter.format(dev.runaway.internal.GuardAlerts.threshold(open, hourly, used, 100,
          "account-wide", r));
      String runaway = formatter.format(dev.runaway.internal.GuardAlerts.usage(open,
          dev.runaway.stats.MeterEvent.COST_RUNAWAY, dev.runaway.stats.DetectionSettings.defaults(), "account-wide",
          r));
      assertThat(nextStep(budget)).as(r.name()).doesNotContain("refused").contains("openai")
          .contains("raise the budget only if this spend is expected");
      assertThat(nextStep(runaway)).as(r.name()).doesNotContain("resetting", "refused")
          .contains("Find the loop or retry storm calling openai");
      if (r == dev.runaway.internal.GuardAlerts.Refusal.EMERGENCY_STOP) {
        assertThat(nextStep(budget)).isEqualTo("👉 The emergency stop's own alert says what it did. Find what spends"
            + " on openai and stop it; raise the budget only if this spend is expected.");
        assertThat(nextStep(runaway)).contains("emergency stop");
      } else {
        assertThat(nextStep(budget)).isEqualTo("👉 Nothing here refuses its calls: find what spends on openai and"
            + " stop it; raise the budget only if this spend is expected.");
      }
    }
    // A guard does refuse them: unchanged.
    assertThat(nextStep(formatter.format(dev.runaway.internal.GuardAlerts.threshold(open, hourly, used, 100,
        "this process")))).isEqualTo("👉 Budget reached: calls to openai may be refused. Raise it only if this spend"
        + " is expected.");
  }

  private static String nextStep(String message) {
    return message.lines().filter(l -> l.startsWith("👉")).findFirst().orElseThrow();
  }
}
