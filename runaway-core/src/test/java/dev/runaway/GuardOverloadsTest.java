package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.testing.LogCapture;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The convenience overloads: explicit-estimate async calls, keyed reservations and snapshots, commitResult. */
final class GuardOverloadsTest {

  private final ManualTicker ticker = ManualTicker.create();

  /** A result type the extractor below can price: its cost is carried in the object itself. */
  private record Priced(Cost cost) { }

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("llm", s -> s
            .budget(Budget.hourly(Cost.usd("10")))
            .perKeyBudget(Budget.hourly(Cost.usd("1")))
            .costExtractor(r -> r instanceof Priced p ? p.cost() : null))
        .ticker(ticker)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void callAsync_withEstimate_reservesItAndCommitsTheExtractedCost() throws Exception {
    RunawayGuard guard = guard();
    CompletableFuture<Priced> pending = new CompletableFuture<>();
    CompletableFuture<Priced> out = guard.callAsync("llm", Cost.usd("4"), () -> pending);

    // While in flight, the explicit $4 estimate is held.
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.usd("4"));
    pending.complete(new Priced(Cost.usd("0.25")));

    assertThat(out.get().cost()).isEqualTo(Cost.usd("0.25"));
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.25"));
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
  }

  @Test
  void callAsync_withEstimate_refusedWithoutStartingTheCall() {
    RunawayGuard guard = guard();
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<Object> out = guard.callAsync("llm", Cost.usd("11"), () -> {
      started.incrementAndGet();
      return CompletableFuture.completedFuture("never");
    });
    assertThatThrownBy(out::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(BudgetExceededException.class);
    assertThat(started).hasValue(0);
  }

  @Test
  void serviceGuardCallAsync_withEstimate_countsAgainstTheKey() throws Exception {
    RunawayGuard guard = guard();
    ServiceGuard alice = guard.service("llm").forKey("alice");
    alice.callAsync(Cost.usd("0.6"), () -> CompletableFuture.completedFuture("no usage")).get();

    // No price known: the $0.60 estimate is charged to the key, which has $0.40 left.
    assertThat(guard.snapshot("llm", "alice").windows().get(0).spent()).isEqualTo(Cost.usd("0.6"));
    CompletableFuture<String> refused = alice.callAsync(Cost.usd("0.5"), () -> CompletableFuture.completedFuture("x"));
    assertThatThrownBy(refused::get).hasCauseInstanceOf(BudgetExceededException.class);
  }

  @Test
  void reserveWithKey_countsAgainstThePerKeyBudgetAndTheService() {
    RunawayGuard guard = guard();
    try (Reservation r = guard.reserve("llm", "bob", Cost.usd("0.8"))) {
      assertThat(r.key()).isEqualTo("bob");
      assertThatThrownBy(() -> guard.reserve("llm", "bob", Cost.usd("0.3")))
          .isInstanceOf(BudgetExceededException.class)
          .hasMessageContaining("for key 'bob'");
      r.commit(Cost.usd("0.7"));
    }
    assertThat(guard.snapshot("llm", "bob").key()).isEqualTo("bob");
    assertThat(guard.snapshot("llm", "bob").windows().get(0).spent()).isEqualTo(Cost.usd("0.7"));
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.7"));
    // Another key is untouched.
    assertThat(guard.snapshot("llm", "carol").windows().get(0).spent()).isEqualTo(Cost.ZERO);
  }

  @Test
  void reserveWithNullKey_isTheWholeService_andBlankKeysAreRejected() {
    RunawayGuard guard = guard();
    try (Reservation r = guard.reserve("llm", null, Cost.usd("1"))) {
      assertThat(r.key()).isNull();
    }
    assertThat(guard.snapshot("llm", null).key()).isNull();
    assertThatThrownBy(() -> guard.reserve("llm", " ", Cost.usd("1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key must not be blank");
    assertThatThrownBy(() -> guard.snapshot("llm", ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key must not be blank");
  }

  @Test
  void commitResult_chargesWhatTheExtractorReads() {
    RunawayGuard guard = guard();
    try (Reservation r = guard.reserve("llm", Cost.usd("2"))) {
      r.commitResult(new Priced(Cost.usd("0.03")));
    }
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.03"));
  }

  @Test
  void commitResult_unknownOrNullResultChargesTheEstimateNeverZero() {
    RunawayGuard guard = guard();
    try (Reservation r = guard.reserve("llm", Cost.usd("2"))) {
      r.commitResult("a type the extractor does not know");
    }
    try (Reservation r = guard.reserve("llm", Cost.usd("3"))) {
      r.commitResult(null);
    }
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("5"));
  }

  @Test
  void commitResult_withoutAnExtractorChargesTheEstimate() {
    RunawayGuard guard = RunawayGuard.builder().service("plain", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).build();
    try (Reservation r = guard.reserve("plain", Cost.usd("1.5"))) {
      r.commitResult(new Priced(Cost.usd("0.01")));
    }
    assertThat(guard.snapshot("plain").windows().get(0).spent()).isEqualTo(Cost.usd("1.5"));
  }

  @Test
  void commitResult_withoutAnExtractor_warnsOnceThatTheEstimateIsChargedWhateverTheResultCost() {
    // GuardedChatModel and RunawayGuardAdvisor without prices(...) hand their response to
    // commitResult: with no extractor on the service it is charged the estimate, and a loop of
    // calls costing 8x the estimate filled the budget at 1/8 of the rate without a word.
    RunawayGuard guard = RunawayGuard.builder().service("plain", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).build();
    int mark = LogCapture.mark();
    for (int i = 0; i < 3; i++) {
      try (Reservation r = guard.reserve("plain", Cost.usd("0.01"))) {
        r.commitResult(new Priced(Cost.usd("0.085")));
      }
    }
    List<LogCapture.Event> warnings = LogCapture.since(mark).stream()
        .filter(e -> e.level() == Level.WARN && e.message().contains("commitResult")).toList();
    assertThat(warnings).singleElement().satisfies(e -> assertThat(e.message())
        .contains("plain").contains("no cost extractor").contains(Priced.class.getName())
        .contains("$0.01").contains("costExtractor(").contains("prices(TokenPrices"));
  }

  @Test
  void commitResult_withAnExtractor_orANullResult_saysNothing() {
    RunawayGuard guard = guard();
    RunawayGuard plain = RunawayGuard.builder().service("plain", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).build();
    int mark = LogCapture.mark();
    try (Reservation r = guard.reserve("llm", Cost.usd("2"))) {
      r.commitResult(new Priced(Cost.usd("0.03")));
    }
    try (Reservation r = plain.reserve("plain", Cost.usd("2"))) {
      r.commitResult(null);
    }
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.message().contains("commitResult"));
  }

  @Test
  void commitResult_afterCommitHasNoFurtherEffect() {
    RunawayGuard guard = guard();
    try (Reservation r = guard.reserve("llm", Cost.usd("2"))) {
      r.commit(Cost.usd("0.5"));
      r.commitResult(new Priced(Cost.usd("1")));
    }
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.5"));
  }
}
