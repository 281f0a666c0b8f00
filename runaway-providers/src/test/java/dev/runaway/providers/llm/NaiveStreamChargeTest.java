package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.openai.client.OpenAIClient;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A new user's first streaming loop (found in a trial): {@code guard.call("openai", () ->
 * client.chat().completions().createStreaming(params))} returns the SDK's stream, whose usage
 * arrives after the call has returned. It was charged $0 (2,000 calls, $23 real, $0 counted), so a
 * budget never stopped the loop; then the documented per-stream amount of {@code UnpricedStreams}
 * ($0.75 for OpenAI, so a $1 budget admitted one stream an hour). Now the OpenAI and Anthropic
 * extractors take such a stream over ({@code CostExtractor.settleLater}) and charge its real usage
 * (see {@link NaiveStreamRealCostTest}); Gemini's, which cannot be wrapped, keeps the per-stream
 * amount; a service estimate without an extractor is charged per stream.
 * The real openai-java and anthropic-java clients stream from a loopback server in the providers'
 * SSE wire formats (fixtures of {@link GuardedStreamsTest}).
 */
final class NaiveStreamChargeTest {

  private static final int LOOP = 200;
  // 1,000 input and 1,000 output tokens at the bundled tables' dearest models:

  private final ManualTicker ticker = ManualTicker.create();
  private final SseStub stub;

  NaiveStreamChargeTest() throws Exception {
    stub = new SseStub();
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private RunawayGuard guard(String service, Consumer<dev.runaway.ServicePolicy.Builder> more) {
    return RunawayGuard.builder()
        .service(service, s -> {
          s.budget(Budget.hourly(Cost.usd("1")));
          more.accept(s);
        })
        .ticker(ticker).alertSink(a -> { }).build();
  }

  private int loop(Runnable call) {
    return loop(ticker, Duration.ofSeconds(1), LOOP, call);
  }

  /**
   * Calls {@code call} up to {@code max} times, {@code pace} apart on {@code ticker}, until the guard
   * refuses one (its budget, or the breaker its budget-velocity rule opens); returns how many ran.
   */
  static int loop(ManualTicker ticker, Duration pace, int max, Runnable call) {
    int admitted = 0;
    for (int i = 0; i < max; i++) {
      try {
        call.run();
        admitted++;
      } catch (RunawayException e) {
        break; // the budget, or its velocity rule's breaker: either way the loop is stopped
      }
      ticker.advance(pace);
    }
    return admitted;
  }

  private static Cost spent(RunawayGuard guard, String service) {
    return guard.snapshot(service).windows().get(0).spent();
  }

  private void openAiLoop(RunawayGuard guard, OpenAIClient client) {
    stub.script(SseStub.Ending.COMPLETE, GuardedStreamsTest.chunk("Hel"), GuardedStreamsTest.chunk("lo"),
        GuardedStreamsTest.USAGE_CHUNK, "data: [DONE]");
    loop(() -> {
      try (var s = guard.call("openai", () -> client.chat().completions().createStreaming(
          GuardedStreamsTest.chatParams()))) {
        s.stream().forEach(c -> { });
      }
    });
  }

  // gpt-4o-mini, USAGE_CHUNK: (1000 - 400) * 0.15 + 400 * 0.075 + 200 * 0.60 per million = $0.00024
  private static final Cost CHAT_COST = Cost.usd("0.00024");
  // claude-sonnet-4-5, MESSAGE_START + MESSAGE_DELTA: 2000 * 3 + 1000 * 0.30 + 300 * 15 per million = $0.0108
  private static final Cost CLAUDE_COST = Cost.usd("0.0108");

  private static List<String> streamWarnings(int mark) {
    return LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).map(LogCapture.Event::message)
        .filter(m -> m.contains("returned from guard.call") || m.contains("the most it can have cost")).toList();
  }

  @Test
  void openAiNaiveStreamLoop_eachStreamIsChargedItsRealUsage_notThePerStreamAmount() {
    int mark = LogCapture.mark();
    try (RunawayGuard guard = guard("openai", s -> { })) {
      OpenAIClient client = GuardedStreamsTest.openai(stub);
      openAiLoop(guard, client);
      int requests = stub.bodies.size();
      System.out.println("Naive OpenAI streams against a $1 hourly budget, a second apart: " + requests
          + " calls admitted, " + spent(guard, "openai") + " counted");
      // Before: 1 call, charged the $0.75 per-stream amount (1,000 + 1,000 tokens at o1-pro). The
      // streams really cost $0.00024 each: the loop's 200 cost $0.048, which is what is counted.
      assertThat(requests).isEqualTo(LOOP);
      assertThat(spent(guard, "openai")).isEqualTo(CHAT_COST.times(LOOP));
      assertThat(guard.snapshot("openai").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    }
    // Nothing to warn about: each stream was priced (before: "cannot price ... returned from guard.call").
    assertThat(streamWarnings(mark)).isEmpty();
  }

  @Test
  void anthropicNaiveStreamLoop_aSecondApart_isStoppedByTheBudgetVelocityRule_atItsRealCost() {
    stub.script(SseStub.Ending.COMPLETE, GuardedStreamsTest.MESSAGE_START, GuardedStreamsTest.BLOCK_START,
        GuardedStreamsTest.delta("Hello"), GuardedStreamsTest.BLOCK_STOP, GuardedStreamsTest.MESSAGE_DELTA,
        GuardedStreamsTest.MESSAGE_STOP);
    int mark = LogCapture.mark();
    try (RunawayGuard guard = guard("claude", s -> { })) {
      AnthropicClient client = GuardedStreamsTest.anthropic(stub);
      int admitted = loop(() -> {
        try (var s = guard.call("claude", () -> client.messages().createStreaming(GuardedStreamsTest.claudeParams()))) {
          s.stream().forEach(e -> { });
        }
      });
      System.out.println("Naive Anthropic streams against a $1 hourly budget, a second apart: " + admitted
          + " calls admitted, " + spent(guard, "claude") + " counted");
      // $0.0108 a second would spend the $1 in under two minutes: the budget-velocity rule opens the
      // breaker after ten calls (before: ten as well, but each counted $0.09, the per-stream amount).
      assertThat(admitted).isBetween(1, 11);
      assertThat(stub.bodies).hasSize(admitted);
      assertThat(spent(guard, "claude")).isEqualTo(CLAUDE_COST.times(admitted));
    }
    assertThat(streamWarnings(mark)).isEmpty();
  }

  @Test
  void geminiNaiveStream_isChargedThePerStreamAmountToo() {
    String chunk = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hi\"}]}}],"
        + "\"modelVersion\":\"gemini-2.5-flash\"}";
    stub.script(SseStub.Ending.COMPLETE, chunk);
    try (RunawayGuard guard = guard("gemini", s -> { })) {
      com.google.genai.Client client = com.google.genai.Client.builder().apiKey("test-key")
          .httpOptions(com.google.genai.types.HttpOptions.builder().baseUrl(stub.baseUrl()).build()).build();
      try (var s = guard.call("gemini", () -> client.models.generateContentStream("gemini-2.5-flash", "hi", null))) {
        s.forEach(r -> { });
      }
      assertThat(stub.bodies).hasSize(1);
      // gemini-3.1-pro, the bundled table's dearest, $2 input and $12 output per MTok: 0.002 + 0.012
      assertThat(spent(guard, "gemini")).isEqualTo(Cost.usd("0.014"));
    }
  }

  @Test
  void serviceEstimate_isChargedForEachNaiveStreamInstead() {
    try (RunawayGuard guard = guard("openai", s -> s.estimate(Cost.usd("0.02")))) {
      openAiLoop(guard, GuardedStreamsTest.openai(stub));
      assertThat(stub.bodies).hasSizeBetween(1, 50);
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.02").times(stub.bodies.size()));
    }
  }

  @Test
  void guardedStream_isStillPricedExactly() {
    stub.script(SseStub.Ending.COMPLETE, GuardedStreamsTest.chunk("Hi"), GuardedStreamsTest.USAGE_CHUNK,
        "data: [DONE]");
    try (RunawayGuard guard = guard("openai", s -> { })) {
      try (var s = dev.runaway.providers.openai.OpenAiStreams.chat(guard.service("openai"), Cost.usd("0.01"),
          GuardedStreamsTest.chatParams(), GuardedStreamsTest.openai(stub).chat().completions()::createStreaming)) {
        s.stream().forEach(c -> { });
      }
      assertThat(spent(guard, "openai")).isEqualTo(Cost.usd("0.00024"));
    }
  }
}
