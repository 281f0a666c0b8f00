package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A call whose own estimate is larger than the whole budget is refused as such: not as a budget
 * used up ("Budget too low for the next call", percent 100) when nothing was spent.
 */
final class OversizedCallTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  @Test
  void call_estimateAboveTheWholeHourlyBudgetSaysSoWithTheRealShareAndTheFix() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(alerts::add).build();

    BudgetExceededException e = assertThrows(BudgetExceededException.class,
        () -> guard.service("openai").call(Cost.usd("20"), () -> 1));

    assertThat(e.getMessage()).isEqualTo("One call to openai expects $20.00, more than the whole hourly budget"
        + " ($10.00 per sliding 1h), so it was refused and would be refused however long it waited ($0.00 of $10.00"
        + " spent or reserved, 0%). Raise the budget above $20.00 or lower the call's estimate (for an LLM call,"
        + " its max tokens).");
    assertThat(e.exceedsWholeBudget()).isTrue();
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.spent()).isEqualTo(Cost.ZERO);
    assertThat(e.requested()).isEqualTo(Cost.usd("20"));
    assertThat(alerts).noneMatch(a -> "100".equals(a.facts().get("percent")))
        .noneMatch(a -> a.title().startsWith("Budget too low") || a.title().startsWith("Budget exhausted"));
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(AlertType.COST_THRESHOLD);
      assertThat(a.severity()).isEqualTo(Severity.WARNING);
      assertThat(a.title()).isEqualTo("One call costs more than the whole budget: openai hourly budget"
          + " ($10.00 per sliding 1h)");
      assertThat(a.detail()).contains("A call expecting $20.00 was refused").contains("$0.00 of $10.00 used, 0%")
          .contains("Raise the budget above $20.00").contains("max tokens");
      assertThat(a.facts()).containsEntry("percent", "0").containsEntry("spent", "$0.00")
          .containsEntry("limit", "$10.00").containsEntry("requested", "$20.00");
    });

    // The next oversized call is refused the same way, without a second alert.
    assertThrows(BudgetExceededException.class, () -> guard.service("openai").call(Cost.usd("20"), () -> 1));
    assertThat(alerts).hasSize(1);
  }

  @Test
  void call_afterAnOversizedRefusalTheRealExhaustionStillAlertsAt100() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(alerts::add).build();
    assertThrows(BudgetExceededException.class, () -> guard.service("openai").call(Cost.usd("20"), () -> 1));
    guard.service("openai").call(Cost.usd("9"), () -> 1);

    BudgetExceededException e = assertThrows(BudgetExceededException.class,
        () -> guard.service("openai").call(Cost.usd("2"), () -> 1));

    assertThat(e.exceedsWholeBudget()).isFalse();
    assertThat(e.getMessage()).startsWith("hourly budget").contains("would be exceeded: $9.00 spent or reserved");
    // The 80% and 100% thresholds crossed, each with the share really spent: $9 of $10.
    assertThat(alerts).extracting(Alert::severity).containsExactly(Severity.WARNING, Severity.WARNING,
        Severity.CRITICAL);
    assertThat(alerts.get(1).title()).startsWith("80% of budget used");
    assertThat(alerts.get(2).title()).startsWith("Budget too low for the next call");
    assertThat(alerts).extracting(a -> a.facts().get("percent")).containsExactly("0", "90", "90");
  }

  @Test
  void call_estimateAboveAPerKeyBudgetNamesTheKey() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.daily(Cost.usd("100"))).perKeyBudget(Budget.daily(Cost.usd("5"))))
        .ticker(ticker).alertSink(alerts::add).build();
    guard.service("openai").forKey("acme").call(Cost.usd("1"), () -> 1);

    BudgetExceededException e = assertThrows(BudgetExceededException.class,
        () -> guard.service("openai").forKey("acme").call(Cost.usd("6"), () -> 1));

    assertThat(e.getMessage()).startsWith("One call to openai for key 'acme' expects $6.00, more than the whole"
        + " daily budget ($5.00 per sliding 24h)").contains("($1.00 of $5.00 spent or reserved, 20%)");
    assertThat(e.key()).isEqualTo("acme");
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.key()).isEqualTo("acme");
      assertThat(a.facts()).containsEntry("percent", "20");
    });
  }
}
