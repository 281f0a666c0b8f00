package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.DelegatingAccount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A call of a key at its own cap is refused by the key before it touches the service's budget: it
 * never holds the service's last room, even for a moment, so no other tenant is refused meanwhile.
 * The race this pins once refused 1 call in 4,000 with $0.001 of the service's budget left
 * ({@code LedgerConcurrencyTest}); here the other tenant's call runs at the exact moment the
 * capped key's budget is being asked, on the same thread, so the order is the only variable.
 */
final class KeyBeforeServiceTest {

  /** Where the other tenant's call runs: inside the capped key's reservation. */
  private Runnable interleave = () -> { };
  /** Every account touched, in order ("svc" or the key). */
  private final List<String> reservations = new ArrayList<>();

  @Test
  void aKeyAtItsCap_neverHoldsTheServicesLastRoom() {
    ManualTicker ticker = ManualTicker.create();
    BudgetLedger memory = BudgetLedger.inMemory(ticker);
    BudgetLedger watched = (service, key, budgets) -> new Watched(memory.account(service, key, budgets),
        key == null ? service : key);
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("0.003"))).perKeyBudget(Budget.hourly(Cost.usd("0.002")))
            .budgetHorizon(Duration.ZERO))
        .ledger(watched).ticker(ticker).alertSink(a -> { }).build();
    guard.service("svc").forKey("capped").call(Cost.usd("0.002"), () -> 1);
    // The service has $0.001 left; "capped" has none; "other" has $0.002.
    List<Object> otherOutcome = new ArrayList<>();
    interleave = () -> {
      interleave = () -> { };
      try {
        otherOutcome.add(guard.service("svc").forKey("other").call(Cost.usd("0.001"), () -> "admitted"));
      } catch (BudgetExceededException refused) {
        otherOutcome.add(refused.getMessage());
      }
    };
    reservations.clear();
    assertThatThrownBy(() -> guard.service("svc").forKey("capped").call(Cost.usd("0.001"), () -> 1))
        .isInstanceOf(BudgetExceededException.class).hasMessageContaining("for key 'capped'");
    assertThat(otherOutcome).containsExactly("admitted");
    // The capped key's refusal touched its own account only: the service's counter was asked once,
    // by the other tenant's admitted call.
    assertThat(reservations).containsExactly("capped", "other", "svc");
    assertThat(guard.snapshot("svc").windows().get(0).spent()).isEqualTo(Cost.usd("0.003"));
    assertThat(guard.snapshot("svc").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
  }

  @Test
  void aFullService_givesTheKeysReservationBack() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("0.002"))).perKeyBudget(Budget.hourly(Cost.usd("0.005")))
            .budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build();
    guard.service("svc").forKey("a").call(Cost.usd("0.002"), () -> 1);
    assertThatThrownBy(() -> guard.service("svc").forKey("a").call(Cost.usd("0.001"), () -> 1))
        .isInstanceOf(BudgetExceededException.class).hasMessageNotContaining("for key");
    // The key's reservation of the refused call was given back: nothing stays reserved.
    assertThat(guard.service("svc").forKey("a").snapshot().windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    assertThat(guard.service("svc").forKey("a").snapshot().windows().get(0).spent()).isEqualTo(Cost.usd("0.002"));
  }

  /** An account that records each reservation and runs the interleaving inside the capped key's. */
  private final class Watched extends DelegatingAccount {
    private final String name;

    Watched(LedgerAccount delegate, String name) {
      super(delegate);
      this.name = name;
    }

    @Override
    public int tryReserve(long amount, long now) {
      reservations.add(name);
      if (name.equals("capped")) {
        interleave.run();
      }
      return super.tryReserve(amount, now);
    }
  }
}
