package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A service whose estimate per call is more than one of its budgets refuses every call that
 * reserves the estimate; the guard says so once when it is built. Before, a new user's guard with
 * {@code estimate($20)} and an hourly $10 budget built without a word (helper nu81); only each
 * refused call said it.
 */
final class EstimateAboveBudgetWarningTest {

  private static List<LogCapture.Event> warningsBuilding(Cost estimate) {
    int mark = LogCapture.mark();
    RunawayGuard.builder().ticker(ManualTicker.create()).alertSink(a -> { })
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))).perKeyBudget(Budget.daily(Cost.usd("5")))
            .estimate(estimate))
        .build().close();
    return LogCapture.since(mark).stream()
        .filter(e -> e.level() == Level.WARN && e.message().contains("its estimate per call")).toList();
  }

  @Test
  void anEstimateAboveABudget_isWarnedAtBuild() {
    assertThat(warningsBuilding(Cost.usd("20"))).singleElement().satisfies(e -> assertThat(e.message())
        .isEqualTo("Service openai: its estimate per call ($20.00) is more than its hourly budget ($10.00 per sliding"
            + " 1h): every call that reserves the estimate is refused. Lower ServicePolicy.Builder.estimate(...) or"
            + " raise the budget."));
    assertThat(warningsBuilding(Cost.usd("6"))).singleElement().satisfies(e -> assertThat(e.message())
        .contains("more than its per-key daily budget ($5.00 per sliding 24h)"));
  }

  @Test
  void anEstimateWithinEveryBudget_isNotWarned() {
    assertThat(warningsBuilding(Cost.usd("5"))).isEmpty();
    assertThat(warningsBuilding(Cost.usd("0.05"))).isEmpty();
  }
}
