package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.gemini.GeminiCosts;
import dev.runaway.providers.openai.OpenAiCosts;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A model missing from the price table (a new or custom one) on a service without an estimate:
 * its calls were charged $0 and a loop ran past every budget (1,000 calls of $0.015 counted as
 * $0.00 in a new-user trial with anthropic-java). The LLM extractors bound such a result by its
 * usage at the table's dearest model, which the guard charges to a call that reserved nothing.
 * 3,000 input and 400 output tokens: Anthropic's dearest (Opus, $15/$75 per million) $0.075,
 * Gemini's ($2/$12) $0.0108, OpenAI's (o1-pro, $150/$600) $0.69.
 */
final class UnknownModelBoundTest {

  static final String ANTHROPIC = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
      + "\"model\":\"claude-fable-9\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
      + "\"usage\":{\"input_tokens\":3000,\"output_tokens\":400}}";
  static final String GEMINI = "{\"candidates\":[],\"modelVersion\":\"gemini-fable-9\","
      + "\"usageMetadata\":{\"promptTokenCount\":3000,\"candidatesTokenCount\":400,\"totalTokenCount\":3400}}";
  static final String OPENAI = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-fable-9\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":3000,\"completion_tokens\":400,\"total_tokens\":3400}}";

  private final ManualTicker ticker = ManualTicker.create();

  @Test
  void unknownModels_haveNoCost_butABoundAtTheDearestListedModel() {
    assertThat(AnthropicCosts.extractor().costOf(ANTHROPIC)).isNull();
    assertThat(AnthropicCosts.extractor().upperBoundOf(ANTHROPIC)).isEqualTo(Cost.usd("0.075"));
    assertThat(GeminiCosts.extractor().costOf(GEMINI)).isNull();
    assertThat(GeminiCosts.extractor().upperBoundOf(GEMINI)).isEqualTo(Cost.usd("0.0108"));
    assertThat(OpenAiCosts.extractor().costOf(OPENAI)).isNull();
    assertThat(OpenAiCosts.extractor().upperBoundOf(OPENAI)).isEqualTo(Cost.usd("0.69"));
  }

  @Test
  void aKnownModel_isBoundedByItsOwnPrice() {
    String sonnet = ANTHROPIC.replace("claude-fable-9", "claude-sonnet-4-5");
    assertThat(AnthropicCosts.extractor().upperBoundOf(sonnet)).isEqualTo(AnthropicCosts.extractor().costOf(sonnet));
  }

  private int loopUntilRefused(RunawayGuard guard) {
    int admitted = 0;
    for (int i = 0; i < 1000; i++) {
      try {
        guard.call("anthropic", () -> ANTHROPIC);
      } catch (RunawayException refused) {
        return admitted;
      }
      admitted++;
      ticker.advance(Duration.ofSeconds(1));
    }
    return admitted;
  }

  private RunawayGuard guard(CostExtractor extractor, Cost estimate) {
    return RunawayGuard.builder()
        .service("anthropic", s -> {
          s.budget(Budget.hourly(Cost.usd("1"))).costExtractor(extractor).budgetHorizon(Duration.ZERO);
          if (estimate != null) {
            s.estimate(estimate);
          }
        })
        .ticker(ticker).alertSink(a -> { }).build();
  }

  @Test
  void aLoopOnAnUnknownModelWithoutEstimate_isStoppedByItsBudget() {
    RunawayGuard guard = guard(AnthropicCosts.extractor(), null);
    // $1 holds 13 calls bounded at $0.075 (before: 1,000 calls, $0.00).
    assertThat(loopUntilRefused(guard)).isEqualTo(13);
    assertThat(guard.snapshot("anthropic").windows().get(0).spent()).isEqualTo(Cost.usd("0.975"));
  }

  @Test
  void withAnEstimate_anUnknownModelIsStillChargedTheEstimate() {
    RunawayGuard guard = guard(AnthropicCosts.extractor(), Cost.usd("0.02"));
    for (int i = 0; i < 3; i++) {
      guard.call("anthropic", () -> ANTHROPIC);
    }
    assertThat(guard.snapshot("anthropic").windows().get(0).spent()).isEqualTo(Cost.usd("0.06"));
  }
}
