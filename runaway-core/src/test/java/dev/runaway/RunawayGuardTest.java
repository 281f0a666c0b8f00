package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class RunawayGuardTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  private RunawayGuard guard(String hourly) {
    return RunawayGuard.builder()
        // These tests are about budgets and alerts in a tight loop; the budget-velocity rule that
        // would open the breaker first is tested in GuardDefaultsTest.
        .service("openai", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd(hourly)))
            .budget(Budget.daily(Cost.usd("100"))))
        .ticker(ticker)
        .alertSink(alerts::add)
        .build();
  }

  @Test
  void call_deniedCallFailsFastAndNeverInvokesTheClient() {
    RunawayGuard guard = guard("1");
    AtomicInteger invoked = new AtomicInteger();
    guard.call("openai", Cost.usd("0.9"), invoked::incrementAndGet);

    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.2"), invoked::incrementAndGet))
        .isInstanceOf(BudgetExceededException.class)
        .hasMessageContaining("hourly budget")
        .hasMessageContaining("openai")
        .hasMessageContaining("$0.90 spent or reserved + $0.20 requested")
        .hasMessageContaining("$0.10 over the limit of $1.00")
        .hasMessageContaining("Calls may resume in");
    assertThat(invoked).hasValue(1);
  }

  @Test
  void call_budgetExceededCarriesContextAndRetryAfter() {
    RunawayGuard guard = guard("1");
    guard.call("openai", Cost.usd("1"), () -> "ok");
    BudgetExceededException e = org.junit.jupiter.api.Assertions.assertThrows(BudgetExceededException.class,
        () -> guard.call("openai", Cost.usd("0.01"), () -> "never"));
    assertThat(e.service()).isEqualTo("openai");
    assertThat(e.key()).isNull();
    assertThat(e.limit()).isEqualTo(Cost.usd("1"));
    assertThat(e.spent()).isEqualTo(Cost.usd("1"));
    assertThat(e.requested()).isEqualTo(Cost.usd("0.01"));
    // The spend sits in the first one-minute bucket; it leaves once that whole bucket is an hour old.
    assertThat(e.retryAfter()).contains(Duration.ofMinutes(61));
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void call_checkedExceptionPassesThroughUnchangedAndReleasesTheReservation() {
    RunawayGuard guard = guard("1");
    IOException boom = new IOException("boom");
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.9"), () -> {
      throw boom;
    })).isSameAs(boom);
    // Released: the whole budget is still available.
    assertThat(guard.call("openai", Cost.usd("1"), () -> "fits")).isEqualTo("fits");
  }

  @Test
  void call_checkedExceptionIsTypedForTheCaller() throws IOException {
    RunawayGuard guard = guard("1");
    GuardedCall<String, IOException> call = () -> "fine";
    String s = guard.call("openai", Cost.usd("0.1"), call); // compiles only with throws IOException
    assertThat(s).isEqualTo("fine");
  }

  @Test
  void call_openBreakerRefusesWithoutReachingTheClient() {
    RunawayGuard guard = guard("10");
    AtomicInteger invoked = new AtomicInteger();
    guard.breaker("openai").forceOpen("maintenance");
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.01"), invoked::incrementAndGet))
        .isInstanceOf(CircuitOpenException.class)
        .hasMessageContaining("openai")
        .hasMessageContaining("FORCED_OPEN");
    assertThat(invoked).hasValue(0);
    guard.breaker("openai").reset();
    assertThat(guard.call("openai", Cost.usd("0.01"), invoked::incrementAndGet)).isEqualTo(1);
  }

  @Test
  void call_trippedBreakerSaysWhyAndWhen() {
    RunawayGuard guard = guard("10");
    guard.breaker("openai").trip(TripReason.MONITOR, "account-wide spend 12x baseline");
    CircuitOpenException e = org.junit.jupiter.api.Assertions.assertThrows(CircuitOpenException.class,
        () -> guard.call("openai", Cost.usd("0.01"), () -> 1));
    assertThat(e.reason()).isEqualTo(TripReason.MONITOR);
    assertThat(e.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(e.getMessage()).contains("tripped by MONITOR", "account-wide spend 12x baseline", "trial call");
    assertThat(e.retryAfter()).isPresent();
  }

  @Test
  void call_unknownServiceNamesTheConfiguredOnes() {
    RunawayGuard guard = guard("1");
    assertThatThrownBy(() -> guard.call("opeani", () -> 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown service 'opeani'")
        .hasMessageContaining("[openai]");
  }

  @Test
  void budgets_slidingHourRollsOff() {
    RunawayGuard guard = guard("1");
    guard.call("openai", Cost.usd("1"), () -> 1);
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.5"), () -> 1)).isInstanceOf(BudgetExceededException.class);
    ticker.advance(Duration.ofMinutes(59));
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.5"), () -> 1)).isInstanceOf(BudgetExceededException.class);
    ticker.advance(Duration.ofMinutes(1));
    // Held up to one bucket longer than the window, never shorter.
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.5"), () -> 1)).isInstanceOf(BudgetExceededException.class);
    ticker.advance(Duration.ofMinutes(1));
    assertThat(guard.call("openai", Cost.usd("0.5"), () -> 2)).isEqualTo(2);
  }

  @Test
  void costExtractor_commitsTheRealCostAndLearnsTheEstimate() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.01"))
            .costExtractor(r -> r instanceof Cost ? (Cost) r : null))
        .ticker(ticker).alertSink(alerts::add).build();
    guard.call("llm", () -> Cost.usd("0.30"));
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.30"));
    guard.call("llm", () -> "no cost known");
    // Unknown: the reservation (the running estimate) is charged, never $0.
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isGreaterThan(Cost.usd("0.30"));
  }

  @Test
  void costExtractor_failureChargesTheEstimateAndNeverFailsTheCall() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("1"))).costExtractor(r -> {
          throw new IllegalStateException("bad");
        }))
        .ticker(ticker).alertSink(alerts::add).build();
    assertThat(guard.call("llm", Cost.usd("0.2"), () -> "ok")).isEqualTo("ok");
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.2"));
  }

  @Test
  void reserve_commitChargesActualAndCloseWithoutCommitReleases() {
    RunawayGuard guard = guard("1");
    try (Reservation r = guard.reserve("openai", Cost.usd("0.5"))) {
      assertThat(guard.snapshot("openai").windows().get(0).reserved()).isEqualTo(Cost.usd("0.5"));
      r.commit(Cost.usd("0.25"));
    }
    try (Reservation r = guard.reserve("openai", Cost.usd("0.7"))) {
      assertThat(r.estimate()).isEqualTo(Cost.usd("0.7"));
    }
    ServiceSnapshot.WindowSnapshot w = guard.snapshot("openai").windows().get(0);
    assertThat(w.spent()).isEqualTo(Cost.usd("0.25"));
    assertThat(w.reserved()).isEqualTo(Cost.ZERO);
    assertThat(w.remaining()).isEqualTo(Cost.usd("0.75"));
  }

  @Test
  void callAsync_refusalFailsTheFutureWithoutStartingTheCall() {
    RunawayGuard guard = guard("1");
    guard.record("openai", Cost.usd("1"));
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<Integer> f = guard.service("openai").callAsync(() -> {
      started.incrementAndGet();
      return CompletableFuture.completedFuture(1);
    });
    assertThat(f).isCompletedExceptionally();
    assertThat(started).hasValue(0);
  }

  @Test
  void callAsync_commitsOnCompletionAndReleasesOnFailure() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.4")))
        .ticker(ticker).alertSink(alerts::add).build();
    CompletableFuture<String> pending = new CompletableFuture<>();
    CompletableFuture<String> result = guard.callAsync("llm", () -> pending);
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.usd("0.4"));
    pending.complete("done");
    assertThat(result).isCompletedWithValue("done");
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.4"));

    CompletableFuture<String> failing = guard.callAsync("llm", () -> CompletableFuture.failedFuture(new IOException("x")));
    assertThat(failing).isCompletedExceptionally();
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
  }

  @Test
  void thresholds_alertAt80And100PercentOncePerEpisode() {
    RunawayGuard guard = guard("1");
    for (int i = 0; i < 7; i++) {
      guard.call("openai", Cost.usd("0.1"), () -> 1);
    }
    assertThat(alerts).noneMatch(a -> a.type() == AlertType.COST_THRESHOLD);
    guard.call("openai", Cost.usd("0.1"), () -> 1);
    guard.call("openai", Cost.usd("0.05"), () -> 1);
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.COST_THRESHOLD).singleElement()
        .satisfies(a -> {
          assertThat(a.severity()).isEqualTo(Severity.WARNING);
          assertThat(a.facts()).containsEntry("percent", "80").containsEntry("limit", "$1.00");
          assertThat(a.title()).contains("80%", "openai");
        });
    guard.call("openai", Cost.usd("0.15"), () -> 1);
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.1"), () -> 1)).isInstanceOf(BudgetExceededException.class);
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.COST_THRESHOLD).hasSize(2)
        .last().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.CRITICAL));
  }

  @Test
  void snapshot_projectsAndTellsTimeToExhaustion() {
    RunawayGuard guard = guard("10");
    for (int i = 0; i < 60; i++) {
      guard.call("openai", Cost.usd("0.01"), () -> 1);
      ticker.advance(Duration.ofSeconds(1));
    }
    ServiceSnapshot s = guard.snapshot("openai");
    assertThat(s.windows()).hasSize(2);
    assertThat(s.windows().get(0).spent()).isEqualTo(Cost.usd("0.6"));
    assertThat(s.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(s.costPerHour()).isPositive();
    assertThat(s.projectedDay()).isEqualTo(Cost.usd(s.costPerHour() * 24));
    assertThat(s.timeToExhaustion()).isNotNull().isPositive();
  }

  @Test
  void notifierThatThrowsOrBlocksNeverBlocksOrFailsAGuardedCall() throws Exception {
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1"))))
        .notifier(a -> {
          throw new IllegalStateException("notifier down");
        })
        .notifier(a -> never.await())
        .ticker(ticker).build()) {
      // Cross 80% and 100%: alerts are raised on this thread and must be handed off.
      for (int i = 0; i < 10; i++) {
        assertThat(guard.call("openai", Cost.usd("0.1"), () -> "ok")).isEqualTo("ok");
      }
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.1"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    } finally {
      never.countDown();
    }
  }
}
