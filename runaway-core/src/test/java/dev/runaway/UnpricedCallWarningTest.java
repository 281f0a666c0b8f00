package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A service with a cost extractor and no estimate whose extractor never prices a result (an LLM
 * model newer than the price table: "no price for model ...; the call's estimate is charged") has
 * no estimate to charge: each call is charged $0 and a loop is never stopped by its budget
 * (measured with anthropic-java against a loopback stub: 1,000 calls of $0.015, $0.00 counted).
 * The guard must say so once, naming the fix; and when the extractor can bound the cost (the LLM
 * extractors price the usage at their table's dearest model), it charges that bound instead, so the
 * budget still stops the loop.
 */
final class UnpricedCallWarningTest {

  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard(CostExtractor extractor) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(extractor)
            .budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  private static List<LogCapture.Event> zeroWarnings(int mark) {
    return LogCapture.since(mark).stream()
        .filter(e -> e.level() == Level.WARN && e.message().contains("charged $0;")).toList();
  }

  @Test
  void call_whoseResultIsNeverPriced_warnsOnceThatItIsChargedZero() {
    RunawayGuard guard = guard(result -> null);
    int mark = LogCapture.mark();
    for (int i = 0; i < 5; i++) {
      guard.call("llm", () -> "unpriced reply");
      ticker.advance(Duration.ofSeconds(1));
    }
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.ZERO);
    assertThat(zeroWarnings(mark)).singleElement().satisfies(e -> assertThat(e.message())
        .contains("llm").contains("no estimate").contains("estimate(").contains("never fill"));
  }

  @Test
  void callAsyncWithoutEstimate_whoseResultIsNeverPriced_warnsToo() {
    RunawayGuard guard = guard(result -> null);
    int mark = LogCapture.mark();
    for (int i = 0; i < 3; i++) {
      assertThat(guard.callAsync("llm", () -> CompletableFuture.completedFuture("unpriced reply")).join())
          .isEqualTo("unpriced reply");
    }
    assertThat(zeroWarnings(mark)).hasSize(1);
  }

  @Test
  void call_whoseResultIsPriced_orThatHasAnEstimate_saysNothing() {
    RunawayGuard priced = guard(result -> Cost.usd("0.01"));
    RunawayGuard estimated = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(result -> null)
            .estimate(Cost.usd("0.02")).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build();
    int mark = LogCapture.mark();
    for (int i = 0; i < 3; i++) {
      priced.call("llm", () -> "reply");
      estimated.call("llm", () -> "reply");
    }
    assertThat(zeroWarnings(mark)).isEmpty();
    assertThat(estimated.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.06"));
  }

  /**
   * Without an estimate, calls take turns (one at a time) until a first real cost is known. An
   * extractor that can neither price nor bound the results (a guarded lambda that returns the
   * reply's text, which no LLM extractor reads) never gives one: every later call still ran alone,
   * and the others waited up to {@code unknownCostWait} and were refused (measured: 80 calls of
   * 50 ms on 8 threads took 4.1 s, never two at once). After such a result, calls run side by side.
   */
  @Test
  void afterAResultThatCanBeNeitherPricedNorBounded_callsNoLongerWaitForTurns() throws Exception {
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(result -> null)
            .budgetHorizon(Duration.ZERO).unknownCostWait(Duration.ofSeconds(20)))
        .ticker(ticker).alertSink(a -> { }).build();
    guard.call("llm", () -> "the reply's text");
    for (int round = 0; round < 20; round++) {
      int parties = 4;
      CyclicBarrier together = new CyclicBarrier(parties);
      ExecutorService pool = Executors.newFixedThreadPool(parties);
      try {
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < parties; i++) {
          // Each call returns only once all four are inside the guarded call at the same time.
          calls.add(pool.submit(() -> guard.call("llm", () -> {
            together.await(10, TimeUnit.SECONDS);
            return "reply";
          })));
        }
        for (Future<String> f : calls) {
          assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("reply");
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.ZERO);
  }

  /** Never prices a result, but bounds each at $0.30 (as an LLM extractor does for a model it lacks). */
  private static final CostExtractor BOUNDED = new CostExtractor() {
    @Override
    public Cost costOf(Object result) {
      return null;
    }

    @Override
    public Cost upperBoundOf(Object result) {
      return Cost.usd("0.30");
    }
  };

  @Test
  void call_whoseResultIsNeverPriced_butBounded_isChargedTheBound_andTheBudgetStopsTheLoop() {
    RunawayGuard guard = guard(BOUNDED);
    int mark = LogCapture.mark();
    int admitted = 0;
    for (int i = 0; i < 1000; i++) {
      try {
        guard.call("llm", () -> "unpriced reply");
        admitted++;
      } catch (RunawayException refused) {
        break;
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    // The first call is charged the bound and teaches it as the estimate: $10 holds 33 of them.
    assertThat(admitted).isEqualTo(33);
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("9.90"));
    assertThat(LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN
        && e.message().contains("the most it can have cost")).toList()).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("$0.30").contains("estimate("));
    assertThat(zeroWarnings(mark)).isEmpty();
  }

  @Test
  void callAsyncWithoutEstimate_isChargedTheBoundToo() {
    RunawayGuard guard = guard(BOUNDED);
    guard.callAsync("llm", () -> CompletableFuture.completedFuture("unpriced reply")).join();
    assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("0.30"));
  }
}
