package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.Message;
import com.google.genai.types.GenerateContentResponse;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.providers.llm.internal.LlmResultCosts;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A budget and nothing else: with {@code runaway-providers} on the class path, the guard prices
 * the LLM responses a guarded call returns, through the extractor this module registers with
 * {@link ServiceLoader}. Before, such a service charged every call $0 and its budget never stopped
 * a loop (one WARN said so).
 */
final class DiscoveredPricingTest {

  // gpt-4o: 20,000 prompt + 400 completion tokens: 20000 * $2.50 + 400 * $10 per MTok = $0.054.
  private static final String GPT_4O = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
      + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      + "\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20000,"
      + "\"completion_tokens\":400,\"total_tokens\":20400}}";

  private final ManualTicker ticker = ManualTicker.create();
  private RunawayGuard guard;

  @AfterEach
  void close() {
    if (guard != null) {
      guard.close();
    }
  }

  private RunawayGuard budgetOnly(String dollars) {
    guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd(dollars))).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build();
    return guard;
  }

  private Cost spent() {
    return guard.snapshot("llm").windows().get(0).spent();
  }

  @Test
  void theModuleRegistersItsExtractor() {
    assertThat(ServiceLoader.load(CostExtractor.class).stream().map(p -> p.type().getName()).toList())
        .contains(LlmResultCosts.class.getName());
  }

  @Test
  void anOpenAiBody_anAnthropicMessage_andAGeminiResponse_arePricedByTheirOwnTables() throws Exception {
    budgetOnly("10");
    guard.call("llm", () -> GPT_4O);
    assertThat(spent()).isEqualTo(Cost.usd("0.054"));

    // claude-haiku-4-5: 2,000 in + 100 out: 2000 * $1 + 100 * $5 per MTok = $0.0025.
    Message claude = ObjectMappers.jsonMapper().readValue("{\"id\":\"msg_01\",\"type\":\"message\",\"role\":"
        + "\"assistant\",\"model\":\"claude-haiku-4-5-20251001\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":2000,"
        + "\"output_tokens\":100}}", Message.class);
    guard.call("llm", () -> claude);
    assertThat(spent()).isEqualTo(Cost.usd("0.0565"));

    // gemini-2.5-flash: 1,000 prompt + 200 candidates: 1000 * $0.30 + 200 * $2.50 per MTok = $0.0008.
    GenerateContentResponse gemini = GenerateContentResponse.fromJson("{\"modelVersion\":\"gemini-2.5-flash\","
        + "\"usageMetadata\":{\"promptTokenCount\":1000,\"candidatesTokenCount\":200}}");
    guard.call("llm", () -> gemini);
    assertThat(spent()).isEqualTo(Cost.usd("0.0573"));
  }

  /** The real openai-java client against a loopback Chat Completions stub, the service's settings a budget only. */
  @Test
  void theOpenAiJavaClientsResponse_isPriced() throws Exception {
    try (SseStub stub = new SseStub()) {
      stub.script(SseStub.Ending.JSON, GPT_4O);
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(stub.baseUrl() + "/v1").apiKey("sk-test")
          .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
      budgetOnly("10");
      ChatCompletion reply = guard.call("llm", () -> client.chat().completions().create(
          ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Say hi").build()));
      assertThat(reply.choices().get(0).message().content()).contains("Hi");
      assertThat(spent()).isEqualTo(Cost.usd("0.054"));
    }
  }

  @Test
  void aTightLoop_isStoppedByTheBudgetAtTheRealCost() {
    budgetOnly("1");
    int admitted = 0;
    for (int i = 0; i < 1000; i++) {
      try {
        guard.call("llm", () -> GPT_4O);
        admitted++;
      } catch (RunawayException refused) {
        break;
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    // $1 holds 18 calls of $0.054 ($0.972); before, all 1,000 were admitted at $0 each.
    assertThat(admitted).isEqualTo(18);
    assertThat(spent()).isEqualTo(Cost.usd("0.972"));
  }

  @Test
  void aResultThatIsNoLlmResponse_isChargedZero_withTheGuardsOneWarning_andNothingFromTheExtractor() {
    budgetOnly("10");
    int mark = LogCapture.mark();
    for (Supplier<Object> result : List.<Supplier<Object>>of(() -> "plain text", () -> 42, () -> "{\"ok\":true}")) {
      guard.call("llm", result::get);
    }
    assertThat(spent()).isEqualTo(Cost.ZERO);
    List<String> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN)
        .map(LogCapture.Event::message).toList();
    assertThat(warnings).singleElement().satisfies(w -> assertThat(w).contains("charged $0"));
  }

  /**
   * A search API guarded with a budget only: its results are Strings, which the discovered LLM
   * pricing does not read. The WARN said "the cost extractor could not price a call's result ...
   * add the model to its TokenPrices", naming an extractor the user never set and a model it does
   * not have (new-user trial); it names the result's type and the extractor found, and what to set.
   */
  @Test
  void aNonLlmServiceWithABudgetOnly_isToldItsResultTypeIsNotRead_andWhatToSet() {
    budgetOnly("10");
    int mark = LogCapture.mark();
    for (int i = 0; i < 5; i++) {
      guard.call("llm", () -> "3 results for 'runaway'");
    }
    assertThat(spent()).isEqualTo(Cost.ZERO);
    List<String> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN)
        .map(LogCapture.Event::message).toList();
    assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
        .contains("llm has budgets but neither a cost extractor nor an estimate", "java.lang.String",
            LlmResultCosts.class.getSimpleName(), "charged $0", "estimate(...)")
        .doesNotContain("TokenPrices", "the cost extractor could not price"));
  }

  @Test
  void anExplicitExtractor_orAnEstimate_isNotReplaced() {
    guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(CostExtractor.none())
            .budgetHorizon(Duration.ZERO))
        .service("fixed", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.02"))
            .budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build();
    guard.call("llm", () -> GPT_4O);
    guard.call("fixed", () -> GPT_4O);
    assertThat(spent()).isEqualTo(Cost.ZERO);
    assertThat(guard.snapshot("fixed").windows().get(0).spent()).isEqualTo(Cost.usd("0.02"));
  }
}
