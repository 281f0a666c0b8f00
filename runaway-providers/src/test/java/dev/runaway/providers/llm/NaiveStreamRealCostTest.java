package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.LogCapture;
import dev.runaway.testing.Race;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The naive form, {@code guard.call("openai", () -> client.chat().completions().createStreaming(params))}
 * (and Responses', Anthropic's, their async forms), measured as a user runs it: the real
 * openai-java and anthropic-java clients stream from a loopback server in the providers' SSE wire
 * formats, under a guard with a $1 hourly budget and nothing else. Each stream really costs a
 * known amount. Before, such a stream could not be priced (its usage arrives after the call
 * returned) and was charged 1,000 input and 1,000 output tokens at the table's dearest model: $0.75
 * with OpenAI's table, so the budget admitted ONE stream an hour (Anthropic: $0.09, 11). Now the
 * guard hands the stream to the extractor's {@code settleLater}, which wraps it like the stream
 * helpers do, and each stream is charged its real cost when its usage arrives.
 */
final class NaiveStreamRealCostTest {

  private static final int LOOP = 300;
  /** The loop's pace: two calls a minute, too few for the budget-velocity rule (ten a minute), so the budget alone stops it. */
  private static final Duration PACE = Duration.ofSeconds(30);

  // gpt-4o, $2.50 input and $10 output per MTok: 2000 * 2.5 + 500 * 10 = 10000 per million = $0.01
  private static final Cost OPENAI_STREAM = Cost.usd("0.01");
  // claude-sonnet-4-5, $3 input and $15 output per MTok: 2000 * 3 + 200 * 15 = 9000 per million = $0.009
  private static final Cost CLAUDE_STREAM = Cost.usd("0.009");
  /** What the fixed rule charged an OpenAI stream (o1-pro: 1,000 * 150 + 1,000 * 600 per million). */
  private static final Cost OPENAI_FIXED = Cost.usd("0.75");
  /**
   * The same 1,000 input and 1,000 output tokens at gpt-4o, the model the chunks name: what a stream
   * that ended early after a chunk named its model is charged in place of OPENAI_FIXED
   * (1,000 * 2.50 + 1,000 * 10 per million).
   */
  private static final Cost OPENAI_FIXED_AT_GPT_4O = Cost.usd("0.0125");

  private static String chatChunk(String content, String finish) {
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content
        + "\"},\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
  }

  private static final String CHAT_USAGE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":2000,"
      + "\"completion_tokens\":500,\"total_tokens\":2500}}\n\n";

  /** A chat stream as OpenAI sends it with include_usage: content, the finish, the usage chunk, [DONE]. */
  private static final String CHAT = chatChunk("Hel", null) + chatChunk("lo", null) + chatChunk("", "stop")
      + CHAT_USAGE + "data: [DONE]\n\n";

  private static final String RESPONSE = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1700000000,"
      + "\"status\":\"%s\",\"model\":\"gpt-4o-2024-08-06\",\"output\":[],\"parallel_tool_calls\":true,"
      + "\"tool_choice\":\"auto\",\"tools\":[],\"temperature\":1.0,\"top_p\":1.0,\"error\":null,"
      + "\"incomplete_details\":null,\"instructions\":null,\"metadata\":{}%s}";

  private static final String RESPONSES = "event: response.created\ndata: {\"type\":\"response.created\","
      + "\"sequence_number\":0,\"response\":" + String.format(RESPONSE, "in_progress", "") + "}\n\n"
      + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,"
      + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello\",\"logprobs\":[]}\n\n"
      + "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,\"response\":"
      + String.format(RESPONSE, "completed", ",\"usage\":{\"input_tokens\":2000,\"input_tokens_details\":"
      + "{\"cached_tokens\":0},\"output_tokens\":500,\"output_tokens_details\":{\"reasoning_tokens\":0},"
      + "\"total_tokens\":2500}") + "}\n\n";

  private static final String CLAUDE = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      + "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
      + "\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
      + "{\"input_tokens\":2000,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
      + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
      + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
      + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":200}}\n\n"
      + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  private final ManualTicker ticker = ManualTicker.create();
  private final StubServer server = StubServer.start();

  @AfterEach
  void stop() {
    server.close();
  }

  /** A budget and nothing else, as a new user starts. */
  private RunawayGuard guard(Cost hourly) {
    return RunawayGuard.builder().service("openai", s -> s.budget(Budget.hourly(hourly)))
        .service("claude", s -> s.budget(Budget.hourly(hourly))).ticker(ticker).alertSink(a -> { }).build();
  }

  private OpenAIClient openai() {
    return OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("sk-test").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  private AnthropicClient anthropic() {
    return AnthropicOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("sk-ant-test").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** A chat request that asks for usage, as OpenAI needs to report a stream's usage. */
  private static ChatCompletionCreateParams chatParams() {
    return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Say hello")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
  }

  private static MessageCreateParams claudeParams() {
    return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024).addUserMessage("Say hello").build();
  }

  private static Cost spent(RunawayGuard guard, String service) {
    return guard.snapshot(service).windows().get(0).spent();
  }

  private static Cost reserved(RunawayGuard guard, String service) {
    return guard.snapshot(service).windows().get(0).reserved();
  }

  private int loop(Runnable call) {
    return NaiveStreamChargeTest.loop(ticker, PACE, LOOP, call);
  }

  private void report(String what, RunawayGuard guard, String service, int admitted) {
    System.out.println("Naive " + what + " against a $1 hourly budget: " + admitted + " calls admitted, "
        + spent(guard, service) + " counted, " + reserved(guard, service) + " left reserved");
  }

  @Test
  void openAiChatNaiveStreamLoop_isChargedEachStreamsRealCost_untilTheBudgetIsFull() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      int admitted = loop(() -> {
        try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
          assertThat(s.stream().filter(c -> !c.choices().isEmpty()).count()).isEqualTo(3);
        }
      });
      report("OpenAI chat streams", guard, "openai", admitted);
      // Before: 1 call, $0.75 counted. $0.01 a stream: 100 fill $1.
      assertThat(admitted).isEqualTo(100);
      assertThat(server.requests()).hasSize(100);
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_STREAM.times(admitted)).isEqualTo(Cost.usd("1"));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void openAiResponsesNaiveStreamLoop_isChargedEachStreamsRealCost() {
    server.route("/v1/responses", r -> StubResponse.eventStream(RESPONSES));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-4o").input("Say hello").build();
      int admitted = loop(() -> {
        try (var s = guard.call("openai", () -> client.responses().createStreaming(params))) {
          assertThat(s.stream().count()).isEqualTo(3);
        }
      });
      report("OpenAI Responses streams", guard, "openai", admitted);
      assertThat(admitted).isEqualTo(100);
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("1"));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void anthropicNaiveStreamLoop_isChargedEachStreamsRealCost_untilTheBudgetIsFull() {
    server.route("/v1/messages", r -> StubResponse.eventStream(CLAUDE));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      AnthropicClient client = anthropic();
      int admitted = loop(() -> {
        try (var s = guard.call("claude", () -> client.messages().createStreaming(claudeParams()))) {
          assertThat(s.stream().count()).isEqualTo(6);
        }
      });
      report("Anthropic streams", guard, "claude", admitted);
      // Before: 11 calls, $0.09 each. $0.009 a stream: 111 fit in $1 ($0.999).
      assertThat(admitted).isEqualTo(111);
      assertThat(spent(guard, "claude")).isEqualTo(CLAUDE_STREAM.times(111));
      assertThat(reserved(guard, "claude")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void asyncNaiveStreams_areChargedTheirRealCost() throws Exception {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    server.route("/v1/messages", r -> StubResponse.eventStream(CLAUDE));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      for (int i = 0; i < 3; i++) {
        var s = guard.call("openai", () -> client.async().chat().completions().createStreaming(chatParams()));
        List<ChatCompletionChunk> seen = new CopyOnWriteArrayList<>();
        s.subscribe(seen::add);
        s.onCompleteFuture().get(20, TimeUnit.SECONDS);
        assertThat(seen).hasSize(4);
        ticker.advance(PACE);
      }
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_STREAM.times(3));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
      AnthropicClient claude = anthropic();
      var s = guard.call("claude", () -> claude.async().messages().createStreaming(claudeParams()));
      AtomicInteger events = new AtomicInteger();
      s.subscribe(e -> events.incrementAndGet());
      s.onCompleteFuture().get(20, TimeUnit.SECONDS);
      assertThat(events).hasValue(6);
      assertThat(spent(guard, "claude")).isEqualTo(CLAUDE_STREAM);
      assertThat(reserved(guard, "claude")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void streamClosedEarly_isChargedItsReservation_theLearnedRealCost() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
        s.stream().forEach(c -> { });
      }
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
        assertThat(reserved(guard, "openai")).isEqualTo(OPENAI_STREAM);
        assertThat(s.stream().limit(1).count()).isEqualTo(1);
      }
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_STREAM.times(2));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void firstStreamClosedEarly_isChargedThePerStreamAmountAtTheModelItsChunksNamed_neverZero() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
        // No cost per call known yet: the stream holds the per-stream bound until it is settled.
        assertThat(reserved(guard, "openai")).isEqualTo(OPENAI_FIXED);
        s.stream().limit(1).forEach(c -> { });
      }
      // Its first chunk named gpt-4o: 1,000 + 1,000 tokens at gpt-4o, not at o1-pro ($0.75 before).
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_FIXED_AT_GPT_4O);
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void firstAnthropicStreamClosedEarly_isChargedItsInputAndThePerStreamOutputAtItsModel_notOpus() {
    server.route("/v1/messages", r -> StubResponse.eventStream(CLAUDE));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      AnthropicClient client = anthropic();
      try (var s = guard.call("claude", () -> client.messages().createStreaming(claudeParams()))) {
        assertThat(reserved(guard, "claude")).isEqualTo(Cost.usd("0.09"));
        s.stream().limit(3).forEach(e -> { });
      }
      // message_start named claude-sonnet-4-5 and 2,000 input tokens: 2,000 * 3 + 1,000 * 15 per million.
      // Before: $0.09, 1,000 + 1,000 tokens at Opus, the reservation made before the model was known.
      assertThat(spent(guard, "claude")).isEqualTo(Cost.usd("0.021"));
      assertThat(reserved(guard, "claude")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void firstStreamClosedEarly_doesNotMakeThePerStreamAmountTheRunningEstimate() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
        s.stream().limit(1).forEach(c -> { });
      }
      // $0.9875 left ($0.0125, the per-stream amount at gpt-4o, charged; it was $0.75 at o1-pro, which left
      // $0.25 and 25 streams). Before that, the $0.75 charged was learned as the cost of a call, so every
      // later stream reserved $0.75 and none was admitted; the running estimate must follow real costs.
      int admitted = loop(() -> {
        try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
          s.stream().forEach(c -> { });
        }
      });
      report("chat streams after a first one closed early", guard, "openai", admitted);
      assertThat(admitted).isEqualTo(98);
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_FIXED_AT_GPT_4O.plus(OPENAI_STREAM.times(98)));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void streamNeverReadAndDropped_isChargedItsReservationOnceCollected() {
    server.route("/v1/messages", r -> StubResponse.eventStream(CLAUDE));
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      AnthropicClient client = anthropic();
      try (var s = guard.call("claude", () -> client.messages().createStreaming(claudeParams()))) {
        s.stream().forEach(e -> { });
      }
      WeakReference<Object> dropped = new WeakReference<>(
          guard.call("claude", () -> client.messages().createStreaming(claudeParams())));
      assertThat(reserved(guard, "claude")).isEqualTo(CLAUDE_STREAM);
      for (int i = 0; i < 200 && !reserved(guard, "claude").isZero(); i++) {
        System.gc();
        Thread.onSpinWait();
      }
      assertThat(dropped.get()).isNull();
      assertThat(reserved(guard, "claude")).isEqualTo(Cost.ZERO);
      assertThat(spent(guard, "claude")).isEqualTo(CLAUDE_STREAM.times(2));
    }
  }

  @Test
  void streamFailingMidway_reachesTheCaller_andIsChargedThePerStreamAmountAtItsModel() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(chatChunk("a", null)
        + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null}}\n\n"));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      assertThatThrownBy(() -> {
        try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
          s.stream().forEach(c -> { });
        }
      }).isInstanceOf(RuntimeException.class).isNotInstanceOf(RunawayException.class);
      assertThat(spent(guard, "openai")).isEqualTo(OPENAI_FIXED_AT_GPT_4O);
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  /** One chunk of a gpt-4o-mini stream as OpenAI sends it without include_usage. */
  private static String miniChunk(String model, String delta, String finish) {
    return "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"" + model + "\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_1\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
  }

  /**
   * A gpt-4o-mini answer of 300 tokens, streamed a token a chunk, without a usage chunk (the
   * request did not set include_usage): the role chunk, 300 content chunks, the finish, [DONE].
   */
  private static String noUsageStream(String model, List<String> tokens, int count) {
    StringBuilder sse = new StringBuilder(miniChunk(model, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
    for (int i = 0; i < count; i++) {
      sse.append(miniChunk(model, "{\"content\":\"" + tokens.get(i % tokens.size()) + "\"}", null));
    }
    return sse.append(miniChunk(model, "{}", "stop")).append("data: [DONE]\n\n").toString();
  }

  private static final List<String> WORDS = List.of(" The", " model", " writes", " one", " token", " per", " chunk", ".");

  private static ChatCompletionCreateParams plainParams(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Explain streaming").build();
  }

  @Test
  void chatStreamWithoutIncludeUsage_isChargedWhatItStreamed_atItsModel_notThePerStreamAmount() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("gpt-4o-mini-2024-07-18",
        WORDS, 300)));
    // 300 chunks of 1,427 ASCII characters: max(300, ceil(1427 / 3)) = 476 output tokens, and the
    // 1,000 input tokens of the allowance, at gpt-4o-mini ($0.15 and $0.60 per MTok):
    // 0.00015 + 0.0002856. Before: $0.75 (1,000 + 1,000 tokens at o1-pro): a $1 hourly budget admitted
    // one stream an hour, now 2,295 (measured once; the loop here runs a tenth of that, $0.10: 1 -> 229).
    // Without the budget-velocity rule, which would stop a loop this fast.
    Cost perStream = Cost.usd("0.0004356");
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("0.10"))).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build()) {
      OpenAIClient client = openai();
      int mark = LogCapture.mark();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
        assertThat(s.stream().count()).isEqualTo(302);
      }
      assertThat(server.requests().get(0).body()).doesNotContain("include_usage");
      assertThat(spent(guard, "openai")).isEqualTo(perStream);
      assertThat(LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).map(LogCapture.Event::message)
          .filter(m -> m.contains("include_usage")).toList()).singleElement().satisfies(m -> assertThat(m)
          .contains("1000 input tokens", "gpt-4o-mini-2024-07-18", perStream.toString(), "OpenAiStreams.withUsage")
          .doesNotContain("reservation"));
      int admitted = 1 + NaiveStreamChargeTest.loop(ticker, Duration.ofSeconds(1), 300, () -> {
        try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
          s.stream().forEach(c -> { });
        }
      });
      System.out.println("Naive gpt-4o-mini chat streams without include_usage against a $0.10 hourly budget: "
          + admitted + " calls admitted, " + spent(guard, "openai") + " counted (" + perStream + " each)");
      assertThat(admitted).isEqualTo(229);
      assertThat(spent(guard, "openai")).isEqualTo(perStream.times(229));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
    // In this method: the warning is said once per process.
    cjkOutputAndAModelTheTableLacks_areNotUndercounted();
  }

  @Test
  void chatStreamReadToItsEnd_butNeverClosed_isSettledAtItsEnd_notHeldUntilCollected() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("gpt-4o-mini-2024-07-18",
        WORDS, 300)));
    Cost perStream = Cost.usd("0.0004356");
    List<AutoCloseable> unclosed = new CopyOnWriteArrayList<>();  // held, so the collector settles nothing
    try (RunawayGuard guard = guard(Cost.usd("1"))) {
      OpenAIClient client = openai();
      // stream().forEach without try-with-resources: before, the stream stayed unsettled ($0 spent,
      // the $0.75 per-stream amount reserved) and, holding the turn of the calls without an estimate,
      // made the third such call wait 30 s and be refused ("its cost per call is not known yet").
      var first = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")));
      unclosed.add(first);
      first.stream().forEach(c -> { });
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
      assertThat(spent(guard, "openai")).isEqualTo(perStream);
      // An iterator read until hasNext() is false.
      var second = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")));
      unclosed.add(second);
      int chunks = 0;
      for (var it = second.stream().iterator(); it.hasNext(); it.next()) {
        chunks++;
      }
      assertThat(chunks).isEqualTo(302);
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
      assertThat(spent(guard, "openai")).isEqualTo(perStream.times(2));
      // Closing it later charges nothing more.
      for (AutoCloseable s : unclosed) {
        s.close();
      }
      assertThat(spent(guard, "openai")).isEqualTo(perStream.times(2));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void chatStreamsWithoutIncludeUsage_readHalfAndClosed_areChargedThePerStreamAmountAtTheirModel_notTheDearest() {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("gpt-4o-mini-2024-07-18",
        WORDS, 300)));
    // 1,000 input and 1,000 output tokens (150 chunks seen, fewer) at gpt-4o-mini: 0.00015 + 0.0006.
    // Before: at o1-pro, $0.75 each while no cost was known, which none of these streams ever made
    // known: a $1 hourly budget was exhausted by the second such stream ($1.50 spent, 150%).
    Cost perStream = Cost.usd("0.00075");
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("0.10"))).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build()) {
      OpenAIClient client = openai();
      int admitted = NaiveStreamChargeTest.loop(ticker, Duration.ofSeconds(1), 300, () -> {
        try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
          assertThat(s.stream().limit(150).count()).isEqualTo(150);
        }
      });
      System.out.println("Naive gpt-4o-mini chat streams read half and closed against a $0.10 hourly budget: "
          + admitted + " calls admitted, " + spent(guard, "openai") + " counted");
      assertThat(admitted).isEqualTo(133);
      assertThat(spent(guard, "openai")).isEqualTo(perStream.times(133));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }

  private void cjkOutputAndAModelTheTableLacks_areNotUndercounted() {
    // 100 chunks of one CJK character each (3 UTF-8 bytes): 150 output tokens, not 100.
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("gpt-4o-mini-2024-07-18",
        List.of("\u5b57"), 100) + ""));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
        s.stream().forEach(c -> { });
      }
      // 0.00015 + 150 * 0.0000006
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.00024"));
    }
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("acme-unlisted-1", WORDS, 8)));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
        s.stream().forEach(c -> { });
      }
      // 38 characters: 13 output tokens, at the dearest model (o1-pro, $150 and $600 per MTok): 0.15 + 0.0078
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.1578"));
    }
    // The async form is counted and priced the same way.
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("gpt-4o-mini-2024-07-18",
        WORDS, 300)));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      var s = guard.call("openai", () -> client.async().chat().completions().createStreaming(plainParams("gpt-4o-mini")));
      AtomicInteger chunks = new AtomicInteger();
      s.subscribe(c -> chunks.incrementAndGet());
      try {
        s.onCompleteFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      assertThat(chunks).hasValue(302);
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.0004356"));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
    // An OpenAI-compatible server that leaves the model out: priced at the dearest model too.
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(noUsageStream("acme-unlisted-1", WORDS, 8)
        .replace("\"model\":\"acme-unlisted-1\",", "")));
    try (RunawayGuard guard = guard(Cost.usd("10"))) {
      OpenAIClient client = openai();
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(plainParams("gpt-4o-mini")))) {
        s.stream().forEach(c -> { });
      }
      assertThat(server.requests().get(server.requests().size() - 1).body()).contains("gpt-4o-mini");
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.1578"));
    }
  }

  @Test
  void threadsLoopingNaiveStreams_fillAnExactBudget_neverMore_andLeaveNothingReserved() throws Exception {
    server.route("/v1/chat/completions", r -> StubResponse.eventStream(CHAT));
    // $0.50 is 50 streams of $0.01 (and below the $0.75 per-stream bound: the first stream runs alone).
    // Without the budget-velocity rule, which would open the breaker on threads looping at full speed.
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("0.50"))).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(a -> { }).build()) {
      OpenAIClient client = openai();
      AtomicInteger admitted = new AtomicInteger();
      Race.run(4, thread -> {
        for (int i = 0; i < 100; i++) {
          try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(chatParams()))) {
            s.stream().forEach(c -> { });
            admitted.incrementAndGet();
          } catch (BudgetExceededException e) {
            return;
          }
        }
      });
      assertThat(admitted).hasValue(50);
      assertThat(server.requests()).hasSize(50);
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.50"));
      assertThat(reserved(guard, "openai")).isEqualTo(Cost.ZERO);
    }
  }
}
