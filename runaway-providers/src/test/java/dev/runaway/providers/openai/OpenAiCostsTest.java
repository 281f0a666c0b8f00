package dev.runaway.providers.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.responses.Response;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.testing.LogCapture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

final class OpenAiCostsTest {

  /** The chat completion of openai.md 1.8: 1317 prompt (1024 cached), 210 completion (128 reasoning). */
  static final String CHAT = "{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5q\",\"object\":\"chat.completion\","
      + "\"created\":1787321100,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":"
      + "{\"role\":\"assistant\",\"content\":\"OK\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
      + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1317,\"completion_tokens\":210,"
      + "\"total_tokens\":1527,\"prompt_tokens_details\":{\"cached_tokens\":1024,\"audio_tokens\":0},"
      + "\"completion_tokens_details\":{\"reasoning_tokens\":128,\"audio_tokens\":0,"
      + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\"}";
  // gpt-4o-mini: (293 x 0.15 + 1024 x 0.075 + 210 x 0.60) / 1e6 = 246.75e-6 dollars; reasoning is inside the 210.
  static final Cost CHAT_COST = Cost.usd("0.00024675");

  static final String RESPONSE = "{\"id\":\"resp_67ccd2bed1ec8190\",\"object\":\"response\",\"created_at\":1787321100,"
      + "\"status\":\"completed\",\"model\":\"o3-2025-04-16\",\"output\":[],\"parallel_tool_calls\":true,"
      + "\"tool_choice\":\"auto\",\"tools\":[],\"usage\":{\"input_tokens\":1200,\"input_tokens_details\":"
      + "{\"cached_tokens\":1024,\"cache_write_tokens\":0},\"output_tokens\":350,\"output_tokens_details\":"
      + "{\"reasoning_tokens\":128},\"total_tokens\":1550}}";
  // o3 (family of o3-2025-04-16): (176 x 2 + 1024 x 0.5 + 350 x 8) / 1e6 = 3664e-6 dollars.
  static final Cost RESPONSE_COST = Cost.usd("0.003664");

  static final String EMBEDDING = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
      + "\"embedding\":[0.0023,-0.0093]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,"
      + "\"total_tokens\":8}}";
  // 8 x 0.02 / 1e6 = 0.16e-6 dollars.
  static final Cost EMBEDDING_COST = Cost.usd("0.00000016");

  private final CostExtractor extractor = OpenAiCosts.extractor();

  @Test
  void rawChatCompletion_isPricedByFamilyWithCachedDiscountAndReasoningAsOutput() {
    assertThat(extractor.costOf(CHAT)).isEqualTo(CHAT_COST);
    assertThat(extractor.costOf(Json.MAPPER.valueToTree(Map.of("x", 1)).isObject())).isNull();
  }

  @Test
  void rawResponsesApiBody_isPriced() throws Exception {
    assertThat(extractor.costOf(RESPONSE)).isEqualTo(RESPONSE_COST);
    assertThat(extractor.costOf(Json.MAPPER.readTree(RESPONSE))).isEqualTo(RESPONSE_COST);
    String completedEvent = "{\"type\":\"response.completed\",\"sequence_number\":9,\"response\":" + RESPONSE + "}";
    assertThat(extractor.costOf(completedEvent)).isEqualTo(RESPONSE_COST);
  }

  @Test
  void rawEmbeddings_arePricedAsInput() {
    assertThat(extractor.costOf(EMBEDDING)).isEqualTo(EMBEDDING_COST);
  }

  @Test
  void mapBody_isPriced() throws Exception {
    Map<?, ?> map = Json.MAPPER.readValue(CHAT, Map.class);
    assertThat(extractor.costOf(map)).isEqualTo(CHAT_COST);
  }

  @Test
  void sdkObjects_arePricedLikeTheirJson() throws Exception {
    ChatCompletion chat = ObjectMappers.jsonMapper().readValue(CHAT, ChatCompletion.class);
    Response response = ObjectMappers.jsonMapper().readValue(RESPONSE, Response.class);
    CreateEmbeddingResponse embedding = ObjectMappers.jsonMapper().readValue(EMBEDDING, CreateEmbeddingResponse.class);
    assertThat(extractor.costOf(chat)).isEqualTo(CHAT_COST);
    assertThat(extractor.costOf(response)).isEqualTo(RESPONSE_COST);
    assertThat(extractor.costOf(embedding)).isEqualTo(EMBEDDING_COST);
  }

  @Test
  void sdkResponseWithAChatModelEnum_isPriced() throws Exception {
    Response response = ObjectMappers.jsonMapper().readValue(RESPONSE.replace("o3-2025-04-16", "gpt-4o-mini"),
        Response.class);
    // gpt-4o-mini: (176 x 0.15 + 1024 x 0.075 + 350 x 0.6) / 1e6 = 313.2e-6 dollars.
    assertThat(extractor.costOf(response)).isEqualTo(Cost.usd("0.0003132"));
  }

  @Test
  void datedModelListedItself_usesItsOwnPrice() {
    String chat = CHAT.replace("gpt-4o-mini-2024-07-18", "gpt-4o-2024-05-13");
    // gpt-4o-2024-05-13 lists no cached price: (1317 x 5 + 210 x 15) / 1e6 = 9735e-6 dollars.
    assertThat(extractor.costOf(chat)).isEqualTo(Cost.usd("0.009735"));
  }

  @Test
  void longContextRequest_usesTheAbove272kPrice() {
    String big = "{\"object\":\"chat.completion\",\"model\":\"gpt-5.4-2026-03-05\",\"usage\":{\"prompt_tokens\":300000,"
        + "\"completion_tokens\":1000,\"total_tokens\":301000}}";
    // gpt-5.4 above 272k: (300000 x 5 + 1000 x 22.5) / 1e6 = 1.5225 dollars.
    assertThat(extractor.costOf(big)).isEqualTo(Cost.usd("1.5225"));
  }

  @Test
  void unknownModel_returnsNullAndWarnsOncePerModel() {
    int mark = LogCapture.mark();
    String chat = CHAT.replace("gpt-4o-mini-2024-07-18", "gpt-unknown-9");
    assertThat(extractor.costOf(chat)).isNull();
    assertThat(extractor.costOf(chat)).isNull();
    assertThat(extractor.costOf(chat.replace("gpt-unknown-9", "ft:gpt-4o-mini:acme::x1"))).isNull();
    List<LogCapture.Event> warns = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).toList();
    assertThat(warns).hasSize(2);
    assertThat(warns.get(0).message()).contains("gpt-unknown-9");
    assertThat(warns.get(1).message()).contains("ft:gpt-4o-mini:acme::x1");
  }

  @Test
  void streamedChunkWithoutUsage_returnsNullSilently() {
    int mark = LogCapture.mark();
    String chunk = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1787321100,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
        + "\"usage\":null}";
    assertThat(extractor.costOf(chunk)).isNull();
    assertThat(extractor.costOf(null)).isNull();
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.level() == Level.WARN);
  }

  @Test
  void unreadableResult_returnsNullAndWarnsOncePerType() {
    int mark = LogCapture.mark();
    assertThat(extractor.costOf(42)).isNull();
    assertThat(extractor.costOf(43)).isNull();
    assertThat(extractor.costOf("not json")).isNull();
    assertThat(LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN)).hasSize(2);
  }

  @Test
  void customPrices_override() {
    OpenAiPrices prices = OpenAiPrices.bundled().withModel("gpt-4o-mini",
        OpenAiPrices.ModelPrice.of("1", "0.5", "2"));
    // (293 x 1 + 1024 x 0.5 + 210 x 2) / 1e6 = 1225e-6 dollars.
    assertThat(OpenAiCosts.extractor(prices).costOf(CHAT)).isEqualTo(Cost.usd("0.001225"));
  }

  @Test
  void bundledTable_keepsItsSourceAndDate() {
    OpenAiPrices p = OpenAiPrices.bundled();
    assertThat(p.source()).contains("litellm");
    assertThat(p.asOf()).contains("2026-07-09");
    assertThat(p.find("gpt-4o-mini-2024-07-18")).isEqualTo(p.find("gpt-4o-mini"));
    assertThat(p.find("gpt-4-0613")).isEmpty();
    assertThat(p.find("text-embedding-3-small")).isPresent();
  }
}
