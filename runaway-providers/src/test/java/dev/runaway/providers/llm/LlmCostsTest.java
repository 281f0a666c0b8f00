package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.Message;
import com.google.genai.types.GenerateContentResponse;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ManualTicker;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.bedrock.BedrockCosts;
import dev.runaway.providers.gemini.GeminiCosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/**
 * Each provider's billing rule, pinned with usage shaped like the providers' documented responses
 * and priced by hand from the bundled tables (the arithmetic is in each test).
 */
final class LlmCostsTest {

  private static Message anthropicMessage(String model, String usageJson) throws Exception {
    String json = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":" + usageJson + "}";
    return ObjectMappers.jsonMapper().readValue(json, Message.class);
  }

  /**
   * The Anthropic billing rules, one case a rule; each case is a model, the usage block of its
   * response and the cost priced by hand from the bundled table.
   */
  static Stream<Arguments> anthropicUsage() {
    return Stream.of(
        // Shape of the prompt-caching docs' responses: input_tokens counts only the tokens after the
        // last cache breakpoint; cache reads and writes are reported beside it.
        // claude-sonnet-4-5: $3 input, $3.75 5m write, $6 1h write, $0.30 cache read, $15 output per MTok.
        // 2000*3 + 4000*3.75 + 6000*6 + 50000*0.30 + 500*15 = 6000 + 15000 + 36000 + 15000 + 7500
        // = 79500 per million = $0.0795
        Arguments.of("input tokens exclude the cache, so each category is charged once",
            "claude-sonnet-4-5-20250929", "{\"input_tokens\":2000,"
                + "\"cache_creation_input_tokens\":10000,\"cache_read_input_tokens\":50000,"
                + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":4000,\"ephemeral_1h_input_tokens\":6000},"
                + "\"output_tokens\":500,\"service_tier\":\"standard\"}", "0.0795"),
        // claude-haiku-4-5: $1 input, $1.25 5m write, $5 output: 100*1 + 20000*1.25 + 100*5 = 25600 -> $0.0256
        Arguments.of("cache creation without a split is charged at the five-minute price", "claude-haiku-4-5",
            "{\"input_tokens\":100,\"cache_creation_input_tokens\":20000,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":100}", "0.0256"),
        // 150000 fresh + 60000 read from the cache = 210000 input tokens > 200K: the whole request at
        // the long-context prices of claude-sonnet-4-5 ($6 input, $0.60 cache read, $22.50 output).
        // 150000*6 + 60000*0.6 + 1000*22.5 = 900000 + 36000 + 22500 = 958500 per million = $0.9585
        Arguments.of("the long-context tier applies when all input exceeds 200K", "claude-sonnet-4-5",
            "{\"input_tokens\":150000,\"cache_read_input_tokens\":60000,\"output_tokens\":1000}", "0.9585"),
        // At exactly 200000 the standard tier applies: 140000*3 + 60000*0.3 + 1000*15 = 453000 -> $0.453
        Arguments.of("at exactly 200K input the standard tier applies", "claude-sonnet-4-5",
            "{\"input_tokens\":140000,\"cache_read_input_tokens\":60000,\"output_tokens\":1000}", "0.453"),
        // claude-opus-4-5: (1000*5 + 1000*25) / 1e6 = $0.03; batch 50% -> $0.015
        Arguments.of("the batch service tier is half price", "claude-opus-4-5",
            "{\"input_tokens\":1000,\"output_tokens\":1000,\"service_tier\":\"batch\"}", "0.015"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("anthropicUsage")
  void anthropic_messageIsPricedByItsUsage(String rule, String model, String usageJson, String expected)
      throws Exception {
    assertThat(AnthropicCosts.extractor().costOf(anthropicMessage(model, usageJson))).isEqualTo(Cost.usd(expected));
  }

  @Test
  void anthropic_rawJsonOfAMessageStartEventIsRead() {
    String event = "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-3-5-haiku-20241022\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":1}}}";
    // claude-3-5-haiku: 1000*0.80 + 1*4 = 804 per million
    assertThat(AnthropicCosts.extractor().costOf(event)).isEqualTo(Cost.usd("0.000804"));
  }

  @Test
  void gemini_promptIncludesCachedTokensAndThoughtsAreOutput() {
    // The usage a user posted on the Gemini forum (discuss.ai.google.dev, "Question about Gemini
    // API caching pricing"): promptTokenCount includes cachedContentTokenCount.
    GenerateContentResponse r = GenerateContentResponse.fromJson("{\"candidates\":[{\"content\":{\"role\":\"model\","
        + "\"parts\":[{\"text\":\"ok\"}]}}],\"modelVersion\":\"gemini-2.5-pro\",\"usageMetadata\":{"
        + "\"promptTokenCount\":11500,\"candidatesTokenCount\":1000,\"totalTokenCount\":22500,"
        + "\"cachedContentTokenCount\":10000,\"thoughtsTokenCount\":10000}}");
    // gemini-2.5-pro <=200k: $1.25 input, $0.125 cached, $10 output (thinking included).
    // fresh = 11500 - 10000 = 1500; output = 1000 + 10000 = 11000
    // 1500*1.25 + 10000*0.125 + 11000*10 = 1875 + 1250 + 110000 = 113125 per million = $0.113125
    assertThat(GeminiCosts.extractor().costOf(r)).isEqualTo(Cost.usd("0.113125"));
  }

  @Test
  void gemini_promptsAbove200kArePricedAtTheLongTierForTheWholeRequest() {
    GenerateContentResponse r = GenerateContentResponse.fromJson("{\"modelVersion\":\"gemini-2.5-pro\","
        + "\"usageMetadata\":{\"promptTokenCount\":300000,\"candidatesTokenCount\":1000}}");
    // >200k: $2.50 input, $15 output: 300000*2.5 + 1000*15 = 750000 + 15000 = 765000 -> $0.765
    assertThat(GeminiCosts.extractor().costOf(r)).isEqualTo(Cost.usd("0.765"));
  }

  /**
   * The tokens of tool-use prompts (URL context, search results) come apart from
   * {@code promptTokenCount} (the API reference's {@code UsageMetadata}) and are charged as input,
   * in the SDK object and in the JSON; the README's table left them out.
   */
  @Test
  void gemini_toolUsePromptTokensAreChargedAsInput() {
    String json = "{\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"promptTokenCount\":100,"
        + "\"toolUsePromptTokenCount\":9900,\"candidatesTokenCount\":200,\"totalTokenCount\":10200}}";
    // gemini-2.5-flash: (100 + 9900) * 0.30 + 200 * 2.50 = 3000 + 500 per million
    assertThat(GeminiCosts.extractor().costOf(json)).isEqualTo(Cost.usd("0.0035"));
    assertThat(GeminiCosts.extractor().costOf(GenerateContentResponse.fromJson(json))).isEqualTo(Cost.usd("0.0035"));
  }

  /**
   * {@code totalTokenCount} is the sum of the other counts (the API reference's
   * {@code UsageMetadata}); tokens it counts beyond them were priced at $0. A usage block with the
   * total only, and thinking counted in the total but not reported apart, are charged as output.
   */
  @Test
  void gemini_tokensOnlyTheTotalCounts_areChargedAsOutput_neverFree() {
    String totalOnly = "{\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"totalTokenCount\":1000}}";
    // gemini-2.5-flash: 1000 * $2.50 per million output
    assertThat(GeminiCosts.extractor().costOf(totalOnly)).isEqualTo(Cost.usd("0.0025"));
    assertThat(GeminiCosts.extractor().costOf(GenerateContentResponse.fromJson(totalOnly))).isEqualTo(Cost.usd("0.0025"));
    String thinkingInTotal = "{\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"promptTokenCount\":100,"
        + "\"candidatesTokenCount\":200,\"totalTokenCount\":1300}}";
    // 100 * 0.30 + (200 + 1000) * 2.50 = 30 + 3000 per million
    assertThat(GeminiCosts.extractor().costOf(thinkingInTotal)).isEqualTo(Cost.usd("0.00303"));
    assertThat(GeminiCosts.extractor().costOf(GenerateContentResponse.fromJson(thinkingInTotal)))
        .isEqualTo(Cost.usd("0.00303"));
  }

  @Test
  void gemini_modelWithoutCachedPriceChargesCachedTokensAtTheInputPrice() {
    String json = "{\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"promptTokenCount\":1000,"
        + "\"cachedContentTokenCount\":400,\"candidatesTokenCount\":100,\"thoughtsTokenCount\":50}}";
    // gemini-2.5-flash: $0.30 input (cached too: no sourced cache price), $2.50 output:
    // 600*0.30 + 400*0.30 + 150*2.5 = 180 + 120 + 375 = 675 per million
    assertThat(GeminiCosts.extractor().costOf(json)).isEqualTo(Cost.usd("0.000675"));
  }

  @Test
  void bedrock_converseUsageWithCacheReadAndInferenceProfile() {
    ConverseResponse r = ConverseResponse.builder().usage(TokenUsage.builder().inputTokens(1000).outputTokens(200)
        .cacheReadInputTokens(500).cacheWriteInputTokens(0).totalTokens(1700).build()).build();
    // amazon.nova-pro: $0.80 input, $0.20 cached, $3.20 output: 1000*0.8 + 500*0.2 + 200*3.2 = 1540 per million
    assertThat(BedrockCosts.extractor("us.amazon.nova-pro-v1:0").costOf(r)).isEqualTo(Cost.usd("0.00154"));
    // Claude through a global inference profile, with a cache write:
    ConverseResponse c = ConverseResponse.builder().usage(TokenUsage.builder().inputTokens(100).outputTokens(100)
        .cacheReadInputTokens(0).cacheWriteInputTokens(1000).totalTokens(1200).build()).build();
    // anthropic.claude-sonnet-4-5: 100*3 + 1000*3.75 + 100*15 = 300 + 3750 + 1500 = 5550 per million
    assertThat(BedrockCosts.extractor("global.anthropic.claude-sonnet-4-5-20250929-v1:0").costOf(c))
        .isEqualTo(Cost.usd("0.00555"));
  }

  @Test
  void openAiTable_readsInTheSameFormat_promptIncludesCached() {
    TokenPrices openai = TokenPrices.bundled("openai");
    // gpt-4o: $2.50 input, $1.25 cached, $10 output. OpenAI's prompt_tokens includes cached_tokens:
    // a 1000-token prompt with 400 cached is 600 fresh + 400 cached.
    LlmUsage u = LlmUsage.of("gpt-4o-2024-08-06", 600, 100).withCacheRead(400);
    // 600*2.5 + 400*1.25 + 100*10 = 1500 + 500 + 1000 = 3000 per million
    assertThat(openai.cost(u)).contains(Cost.usd("0.003"));
    assertThat(openai.models().values()).allSatisfy(p -> assertThat(p.source()).isNotBlank());
  }

  @Test
  void everyBundledEntry_namesItsSourceAndDate() {
    for (String provider : new String[] {"openai", "anthropic", "gemini", "bedrock"}) {
      TokenPrices t = TokenPrices.bundled(provider);
      assertThat(t.models()).as(provider).isNotEmpty();
      assertThat(t.models()).allSatisfy((id, p) -> {
        assertThat(p.source()).as(provider + " " + id).isNotBlank();
        assertThat(p.asOf()).as(provider + " " + id).isNotBlank();
      });
    }
  }

  @Test
  void unknownModel_returnsNullSoTheGuardCommitsTheReservation() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("claude", s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(AnthropicCosts.extractor()))
        .ticker(ticker).alertSink(a -> { }).build()) {
      Message m = anthropicMessage("claude-unreleased-9", "{\"input_tokens\":10,\"output_tokens\":10}");
      assertThat(AnthropicCosts.extractor().costOf(m)).isNull();
      try (Reservation r = guard.reserve("claude", Cost.usd("0.25"))) {
        r.commitResult(m);
      }
      assertThat(guard.snapshot("claude").windows().get(0).spent()).isEqualTo(Cost.usd("0.25"));
    }
  }

  @Test
  void overrides_fromCodeAndFromAFileInTheSameFormat(@TempDir Path dir) throws Exception {
    TokenPrices base = TokenPrices.bundled("anthropic");
    TokenPrices code = base.withModel("claude-unreleased-9", TokenPrices.ModelPrice.of("2", "8").withCacheRead("0.2"));
    LlmUsage u = LlmUsage.of("claude-unreleased-9-20270101", 1000, 1000).withCacheRead(1000);
    // 1000*2 + 1000*0.2 + 1000*8 = 10200 per million
    assertThat(code.cost(u)).contains(Cost.usd("0.0102"));

    Path file = dir.resolve("prices.json");
    Files.writeString(file, "{\"models\":{\"claude-sonnet-4-5\":{\"input_per_1m_usd\":1,\"output_per_1m_usd\":2,"
        + "\"source\":\"our contract\",\"as_of\":\"2027-01-01\"}}}");
    TokenPrices merged = base.withOverrides(TokenPrices.load(file));
    assertThat(merged.find("claude-sonnet-4-5-20250929").orElseThrow().source()).isEqualTo("our contract");
    // 1000*1 + 1000*1 (no cache price: input) + 1000*2 = 4000 per million
    assertThat(merged.cost(LlmUsage.of("claude-sonnet-4-5", 1000, 1000).withCacheRead(1000))).contains(Cost.usd("0.004"));
    // Others keep the bundled prices.
    assertThat(merged.find("claude-haiku-4-5").orElseThrow().input()).isEqualByComparingTo("1");
    CostExtractor x = AnthropicCosts.extractor(merged);
    assertThat(x.costOf(anthropicMessage("claude-sonnet-4-5", "{\"input_tokens\":1000,\"output_tokens\":0}")))
        .isEqualTo(Cost.usd("0.001"));
  }

  @Test
  void invalidTables_areRejectedNamingTheModelAndField() {
    assertThatThrownBy(() -> TokenPrices.parse("{\"models\":{\"m\":{\"input_per_1m_usd\":1}}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("models.m.output_per_1m_usd must be a number");
    assertThatThrownBy(() -> TokenPrices.parse("{\"models\":{\"m\":{\"input_per_1m_usd\":-1,\"output_per_1m_usd\":1}}}"))
        .hasMessageContaining("models.m.input_per_1m_usd must be zero or more");
    assertThatThrownBy(() -> TokenPrices.parse("{\"models\":{\"m\":{\"input_per_1m_usd\":1,\"output_per_1m_usd\":1,"
        + "\"long_context\":{\"input_per_1m_usd\":2,\"output_per_1m_usd\":2}}}}"))
        .hasMessageContaining("models.m.long_context.above_input_tokens must be a positive token count");
    assertThatThrownBy(() -> TokenPrices.bundled("nope")).hasMessageContaining("bundled: openai, anthropic, gemini, bedrock");
  }

  @Test
  void familyResolution_prefersTheLongestListedId() {
    TokenPrices t = TokenPrices.bundled("gemini");
    assertThat(t.findEntry("gemini-2.5-flash-lite-preview-09-2025").orElseThrow().getKey()).isEqualTo("gemini-2.5-flash-lite");
    assertThat(t.findEntry("models/gemini-2.5-flash").orElseThrow().getKey()).isEqualTo("gemini-2.5-flash");
    assertThat(t.find("gemini-2.5")).isEmpty();
    assertThat(TokenPrices.bundled("anthropic").findEntry("claude-opus-4-1-20250805").orElseThrow().getKey())
        .isEqualTo("claude-opus-4-1");
  }

  @ParameterizedTest(name = "{0} is priced as {1}")
  @CsvSource({
      "anthropic, claude-sonnet-4-5-20250929, claude-sonnet-4-5",
      "anthropic, claude-sonnet-4-5@20250929, claude-sonnet-4-5",
      "anthropic, claude-3-7-sonnet-latest, claude-3-7-sonnet",
      "anthropic, claude-3-haiku-20240307, claude-3-haiku",
      "bedrock, anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic.claude-sonnet-4-5",
      "bedrock, anthropic.claude-3-5-haiku-20241022-v1:0:200k, anthropic.claude-3-5-haiku",
      "bedrock, amazon.nova-pro-v1:0, amazon.nova-pro",
      "gemini, gemini-2.0-flash-001, gemini-2.0-flash",
      "gemini, gemini-2.5-flash-preview-05-20, gemini-2.5-flash",
      "gemini, gemini-2.5-pro-exp-03-25, gemini-2.5-pro",
      "gemini, gemini-3-pro-preview, gemini-3-pro",
  })
  void familyResolution_acceptsSnapshotQualifiers(String table, String model, String family) {
    assertThat(TokenPrices.bundled(table).findEntry(model).orElseThrow().getKey()).isEqualTo(family);
  }

  /**
   * A listed id that merely starts a model's id is not its price: a newer minor version or a
   * variant can cost more (Haiku 4.5 costs four times Haiku 3; Gemini's image output many times
   * its text). Before, each of these was priced as the listed id in silence.
   */
  @ParameterizedTest(name = "{0} {1} is unknown")
  @CsvSource({
      "anthropic, claude-sonnet-5-5",
      "anthropic, claude-opus-4-7",
      "anthropic, claude-opus-4-9-20270101",
      "gemini, gemini-2.5-flash-image",
      "gemini, gemini-2.5-flash-preview-tts",
      "gemini, gemini-3-pro-image-preview",
      "bedrock, anthropic.claude-sonnet-4-7-20270101-v1:0",
  })
  void familyResolution_doesNotGuessAnUnlistedVersionOrVariant(String table, String model) {
    assertThat(TokenPrices.bundled(table).find(model)).isEmpty();
  }
}
