package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ServicePolicy;
import dev.runaway.ledger.BudgetLedger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Second review of issue 19 (nu49): a key's recent spend for the budget-velocity rule, read from
 * its account's spend counter, says what the key's own calls spent: the first call of a fresh key
 * or after a gap included, and never another key's spend.
 */
final class KeyRecentSpendTest {

  private static final long CALL = Cost.usd("0.50").nanos();

  private static ServiceRuntime runtime(ManualTicker ticker, BudgetLedger ledger) {
    ServicePolicy policy = ServicePolicy.builder().budget(Budget.hourly(Cost.usd("1000")))
        .perKeyBudget(Budget.hourly(Cost.usd("100"))).costExtractor(r -> (Cost) r).build();
    return new ServiceRuntime("llm", policy, ticker, ledger, new AlertSink() {
      @Override
      public void accept(dev.runaway.alert.Alert alert) {}

      @Override
      public void close() {}
    });
  }

  private static double recent(ServiceRuntime rt, String key, ManualTicker ticker) {
    return rt.keyHandle(key).recent.recent(ticker.nanoTime());
  }

  @Test
  void firstCallOfAFreshKey_andFirstAfterAGap_areCounted() {
    ManualTicker ticker = ManualTicker.create();
    ServiceRuntime rt = runtime(ticker, BudgetLedger.inMemory(ticker));
    rt.call("k", null, CALL, () -> Cost.ofNanos(CALL));
    assertThat(recent(rt, "k", ticker)).as("fresh key").isEqualTo(CALL);
    rt.call("k", null, CALL, () -> Cost.ofNanos(CALL));
    assertThat(recent(rt, "k", ticker)).isEqualTo(2 * CALL);
    ticker.advance(Duration.ofHours(2));
    rt.call("k", null, CALL, () -> Cost.ofNanos(CALL));
    assertThat(recent(rt, "k", ticker)).as("after a gap").isEqualTo(CALL);
  }

  /**
   * A user's ledger that gives all keys of a service one in-memory account (a shared tenant
   * budget): each key's recent spend is still its own.
   */
  @Test
  void userLedgerSharingOneInMemoryAccountAmongKeys_eachKeysRecentSpendIsItsOwn() {
    ManualTicker ticker = ManualTicker.create();
    BudgetLedger inner = BudgetLedger.inMemory(ticker);
    BudgetLedger shared = (service, key, budgets) -> inner.account(service, key == null ? null : "all", budgets);
    ServiceRuntime rt = runtime(ticker, shared);
    rt.call("quiet", null, 0, () -> Cost.ZERO);
    for (int i = 0; i < 10; i++) {
      rt.call("loop", null, CALL, () -> Cost.ofNanos(CALL));
    }
    assertThat(recent(rt, "loop", ticker)).isEqualTo(10 * CALL);
    assertThat(recent(rt, "quiet", ticker)).isZero();
  }
}
