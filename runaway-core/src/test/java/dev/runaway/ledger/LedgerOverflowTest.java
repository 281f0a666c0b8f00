package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.ledger.internal.PersistentLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Absurd amounts (a cost extractor returning {@code Long.MAX_VALUE} nano-dollars, records of
 * $9e9) saturate every ledger's windows instead of wrapping spend negative and opening the budget.
 */
final class LedgerOverflowTest {

  @TempDir
  static Path dir;

  private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor();
  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-03-07T12:00:00Z"));

  @AfterAll
  static void stop() {
    SCHEDULER.shutdownNow();
  }

  static Stream<Arguments> ledgers() {
    BiFunction<ManualTicker, String, BudgetLedger> inMemory = (t, name) -> BudgetLedger.inMemory(t);
    BiFunction<ManualTicker, String, BudgetLedger> persistent = (t, name) -> PersistentLedger.open(dir.resolve(name), t,
        SCHEDULER, Duration.ofHours(1));
    return Stream.of(Arguments.of("in-memory", inMemory), Arguments.of("state file", persistent));
  }

  private RunawayGuard guard(BudgetLedger ledger) {
    return RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("10")))
            .budget(Budget.calendarDay(Cost.usd("50"), ZoneId.of("UTC")))
            .perKeyBudget(Budget.daily(Cost.usd("5"))))
        .ticker(ticker).ledger(ledger).alertSink(a -> { }).build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void commitOfLongMaxValue_saturatesAndKeepsRefusing(String name, BiFunction<ManualTicker, String, BudgetLedger> make) {
    try (RunawayGuard guard = guard(make.apply(ticker, "max-" + name))) {
      guard.call("svc", Cost.usd("1"), () -> "ok");
      guard.service("svc").forKey("k").call(Cost.usd("1"), () -> "ok");
      // The key's call charges the key's and the service's windows: both saturate.
      try (Reservation r = guard.service("svc").forKey("k").reserve(Cost.usd("1"))) {
        r.commit(Cost.ofNanos(Long.MAX_VALUE));
      }
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.01"), () -> "must not run"))
            .isInstanceOf(BudgetExceededException.class).hasMessageContaining("would be exceeded");
        assertThatThrownBy(() -> guard.service("svc").forKey("k").call(Cost.usd("0.01"), () -> "must not run"))
            .isInstanceOf(BudgetExceededException.class);
      }
      assertThat(guard.snapshot("svc").windows()).allSatisfy(w -> {
        assertThat(w.spent().isNegative()).isFalse();
        assertThat(w.spent()).isGreaterThan(Cost.usd("50"));
      });
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void recordOf9e9Twice_neverWrapsNegative(String name, BiFunction<ManualTicker, String, BudgetLedger> make) {
    try (RunawayGuard guard = guard(make.apply(ticker, "rec-" + name))) {
      guard.record("svc", Cost.usd("9e9"));
      guard.record("svc", Cost.usd("9e9"));
      guard.service("svc").forKey("k").record(Cost.usd("9e9"));
      guard.service("svc").forKey("k").record(Cost.usd("9e9"));
      assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.01"), () -> "must not run"))
          .isInstanceOf(BudgetExceededException.class);
      // Roll-off of the saturated bucket must not bring the count back under the limit while the
      // second $9e9 is still in the window.
      ticker.advance(Duration.ofMinutes(30));
      guard.record("svc", Cost.usd("9e9"));
      ticker.advance(Duration.ofMinutes(45));
      assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.01"), () -> "must not run"))
          .isInstanceOf(BudgetExceededException.class);
      assertThat(guard.snapshot("svc").windows()).allSatisfy(w -> assertThat(w.spent().isNegative()).isFalse());
    }
  }

  @Test
  void rawAccount_wrapIsImpossibleAtEveryEntry() {
    LedgerAccount a = BudgetLedger.inMemory(ticker).account("svc", null, List.of(Budget.hourly(Cost.usd("10"))));
    long now = ticker.nanoTime();
    assertThat(a.tryReserve(Cost.usd("1").nanos(), now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(Cost.usd("1").nanos(), Long.MAX_VALUE, now);
    a.record(Long.MAX_VALUE, now);
    a.record(Long.MAX_VALUE, now);
    a.release(Long.MAX_VALUE, now); // a bogus release must not take a saturated window back under its limit
    assertThat(a.used(0, now)).isPositive();
    assertThat(a.spent(0, now)).isPositive();
    assertThat(a.tryReserve(0, now)).isZero();
    assertThat(a.nanosUntilRoom(0, 1, now)).isEqualTo(-1);
  }

  @Test
  void budget_limitAboveOneBillionDollarsIsRefusedWithItsName() {
    assertThatThrownBy(() -> Budget.hourly(Cost.usd("9000000000")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit must be at most $1000000000.00");
    assertThat(Budget.hourly(Budget.MAX_LIMIT).limit()).isEqualTo(Cost.usd("1000000000"));
  }
}
