package dev.runaway.providers.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The admission and settlement every framework integration delegates to. */
final class GuardedCallsTest {

  /** A framework's response: its usage (null for none) and, for the unpriced path, its cost. */
  private record Reply(LlmUsage usage, Cost cost) {
  }

  private static final Cost ESTIMATE = Cost.usd("0.01");

  private final RunawayGuard guard = RunawayGuard.builder()
      .service("llm", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.daily(Cost.usd("100")))
          .perKeyBudget(Budget.daily(Cost.usd("10")))
          .costExtractor(r -> ((Reply) r).cost()))
      .ticker(ManualTicker.create()).alertSink(a -> { }).build();

  private GuardedCalls.Settings<String> settings() {
    return new GuardedCalls.Settings<>(guard, "llm", ESTIMATE, null);
  }

  private GuardedCalls<String, Reply> build(GuardedCalls.Settings<String> settings) {
    return settings.build("GuardedCallsTest", q -> q, r -> r.usage() != null, Reply::usage);
  }

  private Cost spent() {
    return guard.snapshot("llm").windows().get(0).spent();
  }

  private static LlmUsage usage(long input, long output) {
    return LlmUsage.of("gpt-4o-mini", input, output);
  }

  @Test
  void unpriced_chargesTheServicesExtractorWhenTheResponseHasUsage_elseTheEstimate() {
    GuardedCalls<String, Reply> calls = build(settings());
    calls.call("q1", () -> new Reply(usage(10, 10), Cost.usd("0.5")), r -> r);
    assertThat(spent()).isEqualTo(Cost.usd("0.5"));

    calls.call("q2", () -> new Reply(null, Cost.usd("0.5")), r -> r);
    calls.call("q3", () -> (Reply) null, r -> r);
    assertThat(spent()).isEqualTo(Cost.usd("0.52"));
  }

  /**
   * The service's extractor cannot read the framework's response (the Spring Boot README's
   * customizer sets OpenAiCosts, which the advisor hands Spring AI's ChatResponse): the response's
   * usage is priced by the bundled tables. It was charged the fixed estimate (new-user trial: $0.01
   * a round trip for $0.00155 of gpt-5-mini tokens).
   */
  @Test
  void unpriced_aResponseTheServicesExtractorCannotRead_isPricedFromItsUsageByTheBundledTables() {
    GuardedCalls<String, Reply> calls = build(settings());
    // gpt-4o-mini: 1,000,000 input tokens at $0.15 per million.
    calls.call("q", () -> new Reply(usage(1_000_000, 0), null), r -> r);
    assertThat(spent()).isEqualTo(Cost.usd("0.15"));
  }

  @Test
  void priced_conservativeSettlementChargesTheLargerOfUsageAndEstimate() {
    GuardedCalls<String, Reply> calls = build(settings().prices(TokenPrices.bundled("openai")));
    // gpt-4o-mini: 1,000,000 input tokens at $0.15 per million: above the estimate, charged as read.
    Reservation big = calls.admit("big");
    calls.settle(big, new Reply(usage(1_000_000, 0), null), true);
    assertThat(spent()).isEqualTo(Cost.usd("0.15"));
    // 1,000 input tokens: $0.00015, below the estimate; a stream cut short is charged the estimate.
    Reservation small = calls.admit("small");
    calls.settle(small, new Reply(usage(1_000, 0), null), true);
    assertThat(spent()).isEqualTo(Cost.usd("0.16"));
    // Completed, the same usage is charged as read.
    Reservation done = calls.admit("done");
    calls.settle(done, new Reply(usage(1_000, 0), null), false);
    assertThat(spent()).isEqualTo(Cost.usd("0.16015"));
  }

  @Test
  void priced_withoutAnEstimate_reservesTheRecentPricedCostPerCall_soParallelCallsDoNotOvershoot() {
    GuardedCalls<String, Reply> calls = build(settings().prices(TokenPrices.bundled("openai")));
    assertThat(calls.estimate()).isEqualTo(ESTIMATE);
    // gpt-4o-mini, 400,000 input tokens at $0.15 per million: $0.06 a call.
    calls.call("first", () -> new Reply(usage(400_000, 0), null), r -> r);
    assertThat(calls.estimate()).isEqualTo(Cost.usd("0.06"));
    Reservation inFlight = calls.admit("second");
    assertThat(inFlight.estimate()).isEqualTo(Cost.usd("0.06"));
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.usd("0.06"));
    calls.settle(inFlight, new Reply(usage(400_000, 0), null), false);

    // Cheaper calls bring it down slowly (it sits near a high quantile), a dearer one halfway up at once.
    calls.call("cheap", () -> new Reply(usage(80_000, 0), null), r -> r);
    assertThat(calls.estimate()).isEqualTo(Cost.usd("0.0585"));
    calls.call("dear", () -> new Reply(usage(800_000, 0), null), r -> r);
    assertThat(calls.estimate()).isEqualTo(Cost.usd("0.08925"));
    // A keyed copy shares what was learned.
    assertThat(calls.withKey("alice").estimate()).isEqualTo(Cost.usd("0.08925"));
  }

  /**
   * A model missing from the table (a new version): with no estimate set, the call is charged its
   * tokens at the table's dearest model, as the guard charges an unpriced call that reserved none,
   * and calls then reserve toward that. It was charged the default $0.01 (new-user trial with
   * LangChain4j: gpt-7o calls of $0.023 counted $0.01 each). An estimate set on the builder is
   * still what such a call is charged.
   */
  @Test
  void anUnknownModel_withNoEstimateSet_isChargedItsTokensAtTheDearestModel_withOneSetTheEstimate() {
    TokenPrices openai = TokenPrices.bundled("openai");
    LlmUsage unknown = LlmUsage.of("gpt-7o", 3000, 400);
    Cost dearest = PricedExtractor.dearest(openai, unknown);
    assertThat(dearest).isGreaterThan(Cost.usd("0.023"));

    GuardedCalls<String, Reply> byDefault = build(settings().prices(openai));
    byDefault.call("q", () -> new Reply(unknown, null), r -> r);
    assertThat(spent()).isEqualTo(dearest);
    assertThat(byDefault.estimate()).isEqualTo(dearest);

    GuardedCalls<String, Reply> withEstimate = build(settings().prices(openai).estimate(Cost.usd("0.05")));
    withEstimate.call("q", () -> new Reply(unknown, null), r -> r);
    assertThat(spent()).isEqualTo(dearest.plus(Cost.usd("0.05")));
  }

  @Test
  void anEstimateSetOnTheBuilder_orNoPrices_staysFixed() {
    GuardedCalls<String, Reply> fixed = build(settings().prices(TokenPrices.bundled("openai")).estimate(Cost.usd("0.02")));
    fixed.call("q", () -> new Reply(usage(400_000, 0), null), r -> r);
    assertThat(fixed.estimate()).isEqualTo(Cost.usd("0.02"));

    GuardedCalls<String, Reply> unpriced = build(settings());
    unpriced.call("q", () -> new Reply(usage(10, 10), Cost.usd("0.5")), r -> r);
    assertThat(unpriced.estimate()).isEqualTo(ESTIMATE);
  }

  @Test
  void call_thatThrows_releasesItsReservation() {
    GuardedCalls<String, Reply> calls = build(settings());
    assertThatThrownBy(() -> calls.<Reply>call("q", () -> {
      throw new IllegalStateException("model down");
    }, r -> r)).hasMessage("model down");
    assertThat(spent()).isEqualTo(Cost.ZERO);
    assertThat(guard.snapshot("llm").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
  }

  @Test
  void keys_boundKeyWinsOverTheKeyFunction_andABlankKeyIsRefused() {
    GuardedCalls<String, Reply> calls = build(settings().keyFrom(q -> "from-function"));
    calls.withKey("bound").call("q", () -> new Reply(null, null), r -> r);
    calls.call("q", () -> new Reply(null, null), r -> r);
    assertThat(guard.service("llm").forKey("bound").snapshot().windows().get(0).spent()).isEqualTo(ESTIMATE);
    assertThat(guard.service("llm").forKey("from-function").snapshot().windows().get(0).spent()).isEqualTo(ESTIMATE);
    assertThatThrownBy(() -> calls.withKey(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key must not be blank");
  }

  @Test
  void build_refusesANegativeEstimateAndAnUnknownService() {
    GuardedCalls.Settings<String> negative = settings().estimate(Cost.usd("-1"));
    assertThatThrownBy(negative::requireNonNegativeEstimate).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("estimate must not be negative");
    assertThatThrownBy(() -> build(negative)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> build(new GuardedCalls.Settings<>(guard, "nope", ESTIMATE, null)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * nu86 trial: only requests the guard admitted count as repeats, for every integration. Seven
   * attempts refused by the key's budget are never sent and leave the breaker closed; once the
   * budget has room, the identical request that is the 8th one sent is refused by the breaker it
   * opens, its reservation released.
   */
  @Test
  void loopSignature_countsAdmittedRequestsOnly_andTheTrippingRequestIsRefusedAndReleased() {
    GuardedCalls<String, Reply> calls = build(settings()).withKey("tenant");
    calls.call("same", () -> new Reply(usage(10, 10), Cost.usd("9.995")), r -> r);
    for (int i = 0; i < 7; i++) {
      assertThatThrownBy(() -> calls.admit("same")).isInstanceOf(dev.runaway.BudgetExceededException.class);
    }
    assertThat(guard.service("llm").forKey("tenant").breaker().state()).hasToString("CLOSED");

    GuardedCalls<String, Reply> other = build(settings()).withKey("other");
    for (int i = 1; i < 8; i++) {
      other.call("again", () -> new Reply(null, Cost.ZERO), r -> r);
    }
    Cost before = spent();
    assertThatThrownBy(() -> other.admit("again")).isInstanceOf(dev.runaway.CircuitOpenException.class)
        .satisfies(e -> assertThat(((dev.runaway.CircuitOpenException) e).reason())
            .isEqualTo(dev.runaway.breaker.TripReason.REPEATED_REQUEST));
    assertThat(spent()).isEqualTo(before);
  }
}
