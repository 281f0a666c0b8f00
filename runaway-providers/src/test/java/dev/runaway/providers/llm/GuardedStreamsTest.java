package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.anthropic.AnthropicStreams;
import dev.runaway.providers.openai.OpenAiCosts;
import dev.runaway.providers.openai.OpenAiStreams;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real openai-java and anthropic-java clients streaming from a loopback server in the
 * providers' SSE wire formats, behind the guarded streams. Costs are computed by hand from the
 * bundled prices.
 */
final class GuardedStreamsTest {

  private static final Cost ESTIMATE = Cost.usd("0.01");

  private final ManualTicker ticker = ManualTicker.create();
  private final SseStub stub;
  private final RunawayGuard guard;

  GuardedStreamsTest() throws Exception {
    stub = new SseStub();
    guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1"))).costExtractor(OpenAiCosts.extractor()))
        .service("claude", s -> s.budget(Budget.hourly(Cost.usd("1"))).costExtractor(AnthropicCosts.extractor()))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  @AfterEach
  void stop() {
    stub.close();
    guard.close();
  }

  private Cost spent(String service) {
    return guard.snapshot(service).windows().get(0).spent();
  }

  private Cost reserved(String service) {
    return guard.snapshot(service).windows().get(0).reserved();
  }

  // ---- OpenAI Chat Completions ----

  static String chunk(String content) {
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content
        + "\"},\"finish_reason\":null}]}";
  }

  static final String USAGE_CHUNK = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,"
      + "\"completion_tokens\":200,\"total_tokens\":1200,\"prompt_tokens_details\":{\"cached_tokens\":400}}}";

  // gpt-4o-mini: $0.15 input, $0.075 cached, $0.60 output per MTok; prompt_tokens includes the cached ones:
  // (1000 - 400) * 0.15 + 400 * 0.075 + 200 * 0.60 = 90 + 30 + 120 = 240 per million = $0.00024
  private static final Cost CHAT_COST = Cost.usd("0.00024");

  private OpenAIClient openai() {
    return openai(stub);
  }

  /** The real OpenAI client, talking to {@code stub}. */
  static OpenAIClient openai(SseStub stub) {
    return OpenAIOkHttpClient.builder().baseUrl(stub.baseUrl() + "/v1").apiKey("sk-test").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static ChatCompletionCreateParams chatParams() {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Say hello").build();
  }

  @Test
  void openAiChat_streamedToTheEnd_commitsTheLastChunksUsage_andTurnsIncludeUsageOn() {
    stub.script(SseStub.Ending.COMPLETE, chunk("Hel"), chunk("lo"), USAGE_CHUNK, "data: [DONE]");
    OpenAIClient client = openai();
    String text;
    try (StreamResponse<ChatCompletionChunk> s = OpenAiStreams.chat(guard.service("openai"), ESTIMATE, chatParams(),
        client.chat().completions()::createStreaming)) {
      text = s.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
          .collect(Collectors.joining());
    }
    assertThat(text).isEqualTo("Hello");
    assertThat(stub.bodies.get(0)).contains("\"include_usage\":true").contains("\"stream\":true");
    assertThat(spent("openai")).isEqualTo(CHAT_COST);
    assertThat(reserved("openai")).isEqualTo(Cost.ZERO);
  }

  /**
   * {@code OpenAiStreams.chat(...).stream()} kept, the {@code StreamResponse} not: the chunks' stream
   * does not hold the guarded response, so its cleaner settled the stream at the next GC, mid-read,
   * charging the reservation ($0.01) for a stream whose usage ($0.00024) came after.
   */
  @Test
  void openAiChat_chunksHeldButNotTheResponse_areNotSettledByAGcMidRead() {
    stub.script(SseStub.Ending.COMPLETE, chunk("Hel"), chunk("lo"), USAGE_CHUNK, "data: [DONE]");
    Iterator<ChatCompletionChunk> it = OpenAiStreams.chat(guard.service("openai"), ESTIMATE, chatParams(),
        openai().chat().completions()::createStreaming).stream().iterator();
    it.next();
    for (int i = 0; i < 50 && !reserved("openai").isZero(); i++) {
      System.gc();
      Thread.onSpinWait();
    }
    assertThat(reserved("openai")).isEqualTo(ESTIMATE);
    it.forEachRemaining(c -> { });
    assertThat(spent("openai")).isEqualTo(CHAT_COST);
    assertThat(reserved("openai")).isEqualTo(Cost.ZERO);
  }

  /** The chunks' hold on the guarded stream ends with them: dropped after one chunk, the stream is still settled. */
  @Test
  void openAiChat_chunksReadOnceThenDropped_areChargedTheReservationOnceCollected() {
    stub.script(SseStub.Ending.HANG, chunk("a"), chunk("b"));
    readOneChunkAndDrop();
    for (int i = 0; i < 200 && !reserved("openai").isZero(); i++) {
      System.gc();
      Thread.onSpinWait();
    }
    assertThat(reserved("openai")).isEqualTo(Cost.ZERO);
    assertThat(spent("openai")).isEqualTo(ESTIMATE);
  }

  private void readOneChunkAndDrop() {
    OpenAiStreams.chat(guard.service("openai"), ESTIMATE, chatParams(),
        openai().chat().completions()::createStreaming).stream().iterator().next();
  }

  /**
   * An async stream of which the caller keeps only the future ({@code subscribe(h).onCompleteFuture()}):
   * the SDK holds the handler, which did not hold the guarded stream, so a GC settled the stream
   * (charging its reservation) while the SDK was still delivering its chunks.
   */
  @Test
  void openAiChat_async_onlyItsFutureHeld_isNotSettledByAGcWhileItRuns() throws Exception {
    stub.script(SseStub.Ending.HANG, chunk("a"));
    CountDownLatch first = new CountDownLatch(1);
    CompletableFuture<Void> done = OpenAiStreams.chatAsync(guard.service("openai"), ESTIMATE, chatParams(),
        openai().async().chat().completions()::createStreaming).subscribe(c -> first.countDown()).onCompleteFuture();
    assertThat(first.await(20, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 50 && !reserved("openai").isZero(); i++) {
      System.gc();
      Thread.onSpinWait();
    }
    assertThat(reserved("openai")).isEqualTo(ESTIMATE);
    stub.close();
    done.handle((v, e) -> null).get(20, TimeUnit.SECONDS);
    assertThat(spent("openai")).isEqualTo(ESTIMATE);
    assertThat(reserved("openai")).isEqualTo(Cost.ZERO);
  }

  @Test
  void openAiChat_abandonedAfterTwoChunks_isChargedItsReservationNeverZero() {
    stub.script(SseStub.Ending.HANG, chunk("a"), chunk("b"), chunk("c"));
    OpenAIClient client = openai();
    List<ChatCompletionChunk> seen = new CopyOnWriteArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = OpenAiStreams.chat(guard.service("openai").forKey("u1"), ESTIMATE,
        chatParams(), client.chat().completions()::createStreaming)) {
      s.stream().limit(2).forEach(seen::add);
    }
    assertThat(seen).hasSize(2);
    // The prompt size arrives only with the final usage, which never came: the reservation is charged.
    assertThat(spent("openai")).isGreaterThan(Cost.ZERO).isLessThanOrEqualTo(ESTIMATE).isEqualTo(ESTIMATE);
    assertThat(reserved("openai")).isEqualTo(Cost.ZERO);
  }

  @Test
  void openAiChat_failedMidStream_isChargedItsReservationAndTheErrorReachesTheCaller() {
    stub.script(SseStub.Ending.COMPLETE, chunk("a"),
        "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null}}");
    OpenAIClient client = openai();
    assertThatThrownBy(() -> {
      try (StreamResponse<ChatCompletionChunk> s = OpenAiStreams.chat(guard.service("openai"), ESTIMATE, chatParams(),
          client.chat().completions()::createStreaming)) {
        s.stream().forEach(c -> { });
      }
    }).isInstanceOf(RuntimeException.class);
    assertThat(spent("openai")).isEqualTo(ESTIMATE);
  }

  @Test
  void openAiChat_async_commitsTheFinalUsage() throws Exception {
    stub.script(SseStub.Ending.COMPLETE, chunk("Hi"), USAGE_CHUNK, "data: [DONE]");
    OpenAIClient client = openai();
    List<ChatCompletionChunk> seen = new CopyOnWriteArrayList<>();
    var s = OpenAiStreams.chatAsync(guard.service("openai"), ESTIMATE, chatParams(),
        client.async().chat().completions()::createStreaming);
    s.subscribe(seen::add);
    s.onCompleteFuture().get(20, TimeUnit.SECONDS);
    assertThat(seen).hasSize(2);
    assertThat(spent("openai")).isEqualTo(CHAT_COST);
  }

  @Test
  void openAiChat_refusedByTheBudget_sendsNothing() {
    guard.record("openai", Cost.usd("1"));
    OpenAIClient client = openai();
    assertThatThrownBy(() -> OpenAiStreams.chat(guard.service("openai"), ESTIMATE, chatParams(),
        client.chat().completions()::createStreaming)).isInstanceOf(BudgetExceededException.class);
    assertThat(stub.bodies).isEmpty();
  }

  @Test
  void openAiChat_blocking_isPricedFromTheResponseUsage() {
    stub.script(SseStub.Ending.JSON, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,"
        + "\"completion_tokens\":200,\"total_tokens\":1200,\"prompt_tokens_details\":{\"cached_tokens\":400}}}");
    OpenAIClient client = openai();
    var reply = guard.call("openai", ESTIMATE, () -> client.chat().completions().create(chatParams()));
    assertThat(reply.choices().get(0).message().content()).contains("Hello");
    assertThat(spent("openai")).isEqualTo(CHAT_COST);
  }

  @Test
  void gemini_blocking_throughTheRealClient_isPricedFromUsageMetadata() {
    stub.script(SseStub.Ending.JSON, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]},"
        + "\"finishReason\":\"STOP\"}],\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"promptTokenCount\":1000,"
        + "\"candidatesTokenCount\":100,\"thoughtsTokenCount\":300,\"totalTokenCount\":1400}}");
    RunawayGuard g = RunawayGuard.builder()
        .service("gemini", s -> s.budget(Budget.hourly(Cost.usd("1")))
            .costExtractor(dev.runaway.providers.gemini.GeminiCosts.extractor()))
        .ticker(ticker).alertSink(a -> { }).build();
    try (g) {
      com.google.genai.Client client = com.google.genai.Client.builder().apiKey("test-key")
          .httpOptions(com.google.genai.types.HttpOptions.builder().baseUrl(stub.baseUrl()).build()).build();
      var reply = g.call("gemini", ESTIMATE, () -> client.models.generateContent("gemini-2.5-flash", "hi", null));
      assertThat(reply.text()).isEqualTo("Hi");
      // gemini-2.5-flash: $0.30 input, $2.50 output (thinking included): 1000 * 0.30 + (100 + 300) * 2.5
      // = 300 + 1000 = 1300 per million = $0.0013
      assertThat(g.snapshot("gemini").windows().get(0).spent()).isEqualTo(Cost.usd("0.0013"));
      assertThat(stub.bodies.get(0)).contains("hi");
    }
  }

  // ---- OpenAI Responses ----

  private static final String RESPONSE_BODY = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1700000000,"
      + "\"status\":\"%s\",\"model\":\"gpt-4o-mini-2024-07-18\",\"output\":[],\"parallel_tool_calls\":true,"
      + "\"tool_choice\":\"auto\",\"tools\":[],\"temperature\":1.0,\"top_p\":1.0,\"error\":null,"
      + "\"incomplete_details\":null,\"instructions\":null,\"metadata\":{}%s}";

  private static final String RESPONSES_USAGE = ",\"usage\":{\"input_tokens\":1000,\"input_tokens_details\":"
      + "{\"cached_tokens\":400},\"output_tokens\":200,\"output_tokens_details\":{\"reasoning_tokens\":50},"
      + "\"total_tokens\":1200}";

  /** Streams "Say hello" to the Responses API through the guard, reads at most {@code max} events; returns how many. */
  private int readResponses(long max) {
    ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-4o-mini").input("Say hello").build();
    try (StreamResponse<ResponseStreamEvent> s = OpenAiStreams.responses(guard.service("openai"), ESTIMATE, params,
        openai().responses()::createStreaming)) {
      return s.stream().limit(max).toList().size();
    }
  }

  @Test
  void openAiResponses_streamedToTheEnd_commitsResponseCompletedUsage() {
    stub.script(SseStub.Ending.COMPLETE,
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
            + String.format(RESPONSE_BODY, "in_progress", "") + "}",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,"
            + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello\",\"logprobs\":[]}",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,\"response\":"
            + String.format(RESPONSE_BODY, "completed", RESPONSES_USAGE) + "}");
    assertThat(readResponses(Long.MAX_VALUE)).isEqualTo(3);
    // Same usage as the chat case (reasoning tokens are inside output_tokens): $0.00024
    assertThat(spent("openai")).isEqualTo(CHAT_COST);
  }

  @Test
  void openAiResponses_abandoned_isChargedItsReservation() {
    stub.script(SseStub.Ending.HANG,
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
            + String.format(RESPONSE_BODY, "in_progress", "") + "}",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,"
            + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\",\"logprobs\":[]}");
    assertThat(readResponses(2)).isEqualTo(2);
    assertThat(spent("openai")).isEqualTo(ESTIMATE);
  }

  // ---- Anthropic Messages ----

  static final String MESSAGE_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      + "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
      + "\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
      + "{\"input_tokens\":2000,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}";
  static final String BLOCK_START = "event: content_block_start\ndata: {\"type\":\"content_block_start\","
      + "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";

  static String delta(String text) {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}";
  }

  static final String BLOCK_STOP = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}";
  static final String MESSAGE_DELTA = "event: message_delta\ndata: {\"type\":\"message_delta\","
      + "\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":300}}";
  static final String MESSAGE_STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}";

  // claude-sonnet-4-5: $3 input, $0.30 cache read, $15 output per MTok; input_tokens excludes the cache:
  // 2000 * 3 + 1000 * 0.30 + 300 * 15 = 6000 + 300 + 4500 = 10800 per million = $0.0108
  private static final Cost CLAUDE_COST = Cost.usd("0.0108");

  private AnthropicClient anthropic() {
    return anthropic(stub);
  }

  /** The real Anthropic client, talking to {@code stub}. */
  static AnthropicClient anthropic(SseStub stub) {
    return AnthropicOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("sk-ant-test").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static MessageCreateParams claudeParams() {
    return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024).addUserMessage("Say hello").build();
  }

  @Test
  void anthropic_blocking_isPricedFromTheMessageUsage() {
    stub.script(SseStub.Ending.JSON, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}],"
        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":2000,"
        + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1000,\"output_tokens\":300}}");
    AnthropicClient client = anthropic();
    var message = guard.call("claude", ESTIMATE, () -> client.messages().create(claudeParams()));
    assertThat(message.content()).hasSize(1);
    assertThat(spent("claude")).isEqualTo(CLAUDE_COST);
  }

  /** Streams the Claude request through the guard, reads at most {@code max} events; returns how many. */
  private int readClaude(long max) {
    try (var s = AnthropicStreams.messages(guard.service("claude"), ESTIMATE, claudeParams(),
        anthropic().messages()::createStreaming)) {
      return s.stream().limit(max).toList().size();
    }
  }

  /**
   * Services given a fixed {@code estimate(...)} and no extractor have nothing to price a result
   * with: the helpers' streams were charged their reservation ($0.01) for the usage they had read.
   */
  @Test
  void helperStreams_ofServicesWithAnEstimateAndNoExtractor_areChargedTheirUsageAtTheBundledPrices() {
    stub.script(SseStub.Ending.COMPLETE, chunk("Hel"), chunk("lo"), USAGE_CHUNK, "data: [DONE]");
    try (RunawayGuard g = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.02")))
        .service("claude", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.02")))
        .ticker(ticker).alertSink(a -> { }).build()) {
      try (StreamResponse<ChatCompletionChunk> s = OpenAiStreams.chat(g.service("openai"), ESTIMATE, chatParams(),
          openai().chat().completions()::createStreaming)) {
        s.stream().forEach(c -> { });
      }
      assertThat(g.snapshot("openai").windows().get(0).spent()).isEqualTo(CHAT_COST);
      stub.script(SseStub.Ending.COMPLETE, MESSAGE_START, BLOCK_START, delta("Hel"), delta("lo"), BLOCK_STOP,
          MESSAGE_DELTA, MESSAGE_STOP);
      try (var s = AnthropicStreams.messages(g.service("claude"), ESTIMATE, claudeParams(),
          anthropic().messages()::createStreaming)) {
        s.stream().forEach(e -> { });
      }
      assertThat(g.snapshot("claude").windows().get(0).spent()).isEqualTo(CLAUDE_COST);
    }
  }

  @Test
  void anthropic_streamedToTheEnd_commitsMessageStartPlusCumulativeDelta() {
    stub.script(SseStub.Ending.COMPLETE, MESSAGE_START, BLOCK_START, delta("Hel"), delta("lo"), BLOCK_STOP,
        MESSAGE_DELTA, MESSAGE_STOP);
    assertThat(readClaude(Long.MAX_VALUE)).isEqualTo(7);
    assertThat(spent("claude")).isEqualTo(CLAUDE_COST);
  }

  @Test
  void anthropic_abandonedAfterThreeEvents_isChargedMoreThanZeroAndAtMostItsReservation() {
    stub.script(SseStub.Ending.HANG, MESSAGE_START, BLOCK_START, delta("Hel"), delta("lo"));
    assertThat(readClaude(3)).isEqualTo(3);
    // Seen: 2000 input + 1000 cache read + max(1 output, 1 delta) = 6000 + 300 + 15 = $0.006315,
    // below the $0.01 reservation, which is charged.
    assertThat(spent("claude")).isGreaterThan(Cost.ZERO).isLessThanOrEqualTo(ESTIMATE).isEqualTo(ESTIMATE);
  }

  @Test
  void anthropic_abandonedWithALargePrompt_isChargedTheTokensSeenWhenAboveTheReservation() {
    String bigStart = MESSAGE_START.replace("\"input_tokens\":2000", "\"input_tokens\":100000");
    stub.script(SseStub.Ending.HANG, bigStart, BLOCK_START, delta("a"));
    assertThat(readClaude(3)).isEqualTo(3);
    // 100000 * 3 + 1000 * 0.30 + 1 * 15 = 300000 + 300 + 15 = 300315 per million = $0.300315
    assertThat(spent("claude")).isEqualTo(Cost.usd("0.300315"));
  }

  @Test
  void anthropic_errorEventMidStream_isChargedConservatively() {
    stub.script(SseStub.Ending.COMPLETE, MESSAGE_START, BLOCK_START, delta("Hel"),
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
    assertThatThrownBy(() -> readClaude(Long.MAX_VALUE)).isInstanceOf(RuntimeException.class);
    assertThat(spent("claude")).isEqualTo(ESTIMATE);
  }

  @Test
  void anthropic_async_commitsTheFinalUsage() throws Exception {
    stub.script(SseStub.Ending.COMPLETE, MESSAGE_START, BLOCK_START, delta("Hi"), BLOCK_STOP, MESSAGE_DELTA,
        MESSAGE_STOP);
    AnthropicClient client = anthropic();
    ServiceGuard claude = guard.service("claude").forKey("tenant-7");
    var s = AnthropicStreams.messagesAsync(claude, ESTIMATE, claudeParams(), client.async().messages()::createStreaming);
    List<RawMessageStreamEvent> seen = new CopyOnWriteArrayList<>();
    s.subscribe(seen::add);
    s.onCompleteFuture().get(20, TimeUnit.SECONDS);
    assertThat(seen).hasSize(6);
    assertThat(spent("claude")).isEqualTo(CLAUDE_COST);
  }
}
