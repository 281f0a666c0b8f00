package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.LedgerUnavailableException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A user's {@link BudgetLedger} that throws (a database behind it is down) must not leak what the
 * admission held: the key's reservation when the service's account throws, the breakers' trial
 * permissions. Its refusal is the guard's ({@link LedgerUnavailableException}); a ledger that throws
 * while settling does not take the call's outcome away from the caller. Before the fix the key's
 * reservation stayed held for good, a half-open breaker ran out of trial calls, a result was lost
 * to a failed commit and a call's own exception was masked by a failed release.
 */
final class ThrowingLedgerTest {

  /** What the broken ledger's exceptions say: a connection string with a password. */
  private static final String SECRET = "hunter2-db-password";

  private final ManualTicker ticker = ManualTicker.create();
  /** Which accounts ("svc" or the key) throw from which method ("tryReserve", "commit", ...). */
  private final Set<String> failing = new HashSet<>();
  private RunawayGuard guard;

  @BeforeEach
  void build() {
    BudgetLedger memory = BudgetLedger.inMemory(ticker);
    BudgetLedger broken = (service, key, budgets) -> failingAccount(memory.account(service, key, budgets),
        key == null ? service : key);
    guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("1"))).perKeyBudget(Budget.hourly(Cost.usd("0.5")))
            .budgetHorizon(Duration.ZERO))
        .ledger(broken).ticker(ticker).alertSink(a -> { }).build();
  }

  @Test
  void theServicesAccountThrows_theKeysReservationIsGivenBack() {
    failing.add("svc.tryReserve");
    int mark = LogCapture.mark();
    assertThatThrownBy(() -> guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> 1))
        .isInstanceOf(LedgerUnavailableException.class)
        .hasMessageContaining("IllegalStateException")
        .hasMessageNotContaining(SECRET);
    assertThat(reserved("t1")).isEqualTo(Cost.ZERO);
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).extracting(LogCapture.Event::message)
        .anySatisfy(m -> assertThat(m).contains("svc", "threw java.lang.IllegalStateException from tryReserve"))
        .allSatisfy(m -> assertThat(m).doesNotContain(SECRET));

    failing.clear();
    assertThat(guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> 2)).isEqualTo(2);
    assertThat(reserved("t1")).isEqualTo(Cost.ZERO);
    assertThat(guard.service("svc").forKey("t1").snapshot().windows().get(0).spent()).isEqualTo(Cost.usd("0.1"));
  }

  @Test
  void theKeysAccountThrows_theRefusalNamesTheKey_andTheServiceIsUntouched() {
    failing.add("t1.tryReserve");
    assertThatThrownBy(() -> guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> 1))
        .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("for key 't1'");
    assertThat(guard.snapshot("svc").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    assertThat(guard.service("svc").forKey("t2").call(Cost.usd("0.1"), () -> 3)).isEqualTo(3);
  }

  @Test
  void anErrorFromTheLedger_isRethrownUnchanged_afterTheUndo() {
    failing.add("svc.tryReserve.error");
    assertThatThrownBy(() -> guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> 1))
        .isInstanceOf(AssertionError.class);
    assertThat(reserved("t1")).isEqualTo(Cost.ZERO);
  }

  @Test
  void aHalfOpenBreaker_keepsItsTrialCalls_whenTheLedgerThrows() {
    CircuitBreaker breaker = guard.breaker("svc");
    breaker.trip(TripReason.MANUAL, "test");
    ticker.advance(Duration.ofMinutes(10));
    failing.add("svc.tryReserve");
    // More refusals than the half-open state has trial calls: each gives its permission back.
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.01"), () -> 1))
          .isInstanceOf(LedgerUnavailableException.class);
    }
    failing.clear();
    assertThat(guard.call("svc", Cost.usd("0.01"), () -> 4)).isEqualTo(4);
    assertThat(breaker.state()).isNotEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void aCommitThatThrows_doesNotTakeTheResultAway() {
    failing.add("svc.commit");
    failing.add("t1.commit");
    assertThat(guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> "the answer")).isEqualTo("the answer");
    assertThat(guard.stats("svc").admitted()).isEqualTo(1);
  }

  @Test
  void aReleaseThatThrows_doesNotMaskTheCallsOwnException() {
    failing.add("svc.release");
    failing.add("t1.release");
    assertThatThrownBy(() -> guard.service("svc").forKey("t1").call(Cost.usd("0.1"), () -> {
      throw new IOException("the call's own failure");
    })).isInstanceOf(IOException.class).hasMessage("the call's own failure");
  }

  @Test
  void aBreakerRefusalThatThrowsOnRelease_stillRefusesWithTheBreaker() {
    guard.breaker("svc").forceOpen("test");
    failing.add("svc.release");
    assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.1"), () -> 1)).isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void aReleaseThatThrows_whileGivingBackAStreamsBound_doesNotTakeTheResultAway() {
    // A service whose extractor may take results over (settleLater) but declines this one: the call
    // reserved nothing (no cost known yet), held the result's upper bound for a moment and gives it back.
    dev.runaway.CostExtractor declining = new dev.runaway.CostExtractor() {
      @Override
      public Cost costOf(Object result) {
        return null;
      }

      @Override
      public Cost upperBoundOf(Object result) {
        return Cost.usd("0.2");
      }

      @Override
      public Object settleLater(Object result, dev.runaway.PendingCost cost) {
        return null;
      }
    };
    BudgetLedger memory = BudgetLedger.inMemory(ticker);
    try (RunawayGuard llm = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("1"))).perKeyBudget(Budget.hourly(Cost.usd("1")))
            .costExtractor(declining).budgetHorizon(Duration.ZERO))
        .ledger((service, key, budgets) -> failingAccount(memory.account(service, key, budgets),
            key == null ? service : key))
        .ticker(ticker).alertSink(a -> { }).build()) {
      failing.add("llm.release");
      failing.add("t1.release");
      assertThat(llm.service("llm").forKey("t1").call(() -> "the answer")).isEqualTo("the answer");
      failing.clear();
      assertThat(llm.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.2"));
    }
  }

  private Cost reserved(String key) {
    return guard.service("svc").forKey(key).snapshot().windows().get(0).reserved();
  }

  private LedgerAccount failingAccount(LedgerAccount delegate, String name) {
    return (LedgerAccount) Proxy.newProxyInstance(LedgerAccount.class.getClassLoader(),
        new Class<?>[] {LedgerAccount.class}, (proxy, method, args) -> {
          String what = name + "." + method.getName();
          if (failing.contains(what + ".error")) {
            throw new AssertionError("broken ledger");
          }
          if (failing.contains(what)) {
            throw new IllegalStateException("cannot reach jdbc:postgresql://app:" + SECRET + "@127.0.0.1/budgets");
          }
          try {
            return method.invoke(delegate, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
