package dev.runaway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.TripReason;
import dev.runaway.providers.llm.TokenPrices;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An AiService over real LangChain4j OpenAI models, guarded, talking to a loopback server in
 * OpenAI's Chat Completions wire format (JSON, and SSE chunks for streaming).
 */
final class GuardedChatModelTest {

  interface Assistant {
    String chat(String message);
  }

  private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      + "\"content\":\"Hello!\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,"
      + "\"completion_tokens\":50,\"total_tokens\":1050,\"prompt_tokens_details\":{\"cached_tokens\":400}}}";

  private static final String STREAM = "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":"
      + "{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},"
      + "\"finish_reason\":\"stop\"}]}\n\n"
      + "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,"
      + "\"completion_tokens\":50,\"total_tokens\":1050,\"prompt_tokens_details\":{\"cached_tokens\":400}}}\n\n"
      + "data: [DONE]\n\n";

  // gpt-4o-mini: $0.15 input, $0.075 cached, $0.60 output per MTok; prompt_tokens includes the cached:
  // 600 * 0.15 + 400 * 0.075 + 50 * 0.60 = 90 + 30 + 30 = 150 per million = $0.00015 per call.
  private static final Cost CALL = Cost.usd("0.00015");

  private final ManualTicker ticker = ManualTicker.create();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final RunawayGuard guard;

  GuardedChatModelTest() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(body);
      boolean stream = body.replace(" ", "").contains("\"stream\":true");
      byte[] out = (stream ? STREAM : ANSWER).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", stream ? "text/event-stream" : "application/json");
      exchange.sendResponseHeaders(200, out.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(out);
      }
    });
    server.start();
    guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))).perKeyBudget(Budget.hourly(Cost.usd("0.0004"))))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    guard.close();
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  private GuardedChatModel guarded() {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("sk-test").modelName("gpt-4o-mini")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    return GuardedChatModel.builder(model, guard, "openai").prices(TokenPrices.bundled("openai"))
        .estimate(Cost.usd("0.0002")).build();
  }

  @Test
  void aiService_perUserKeys_refusalReachesTheCaller() {
    GuardedChatModel guarded = guarded();
    Assistant alice = AiServices.builder(Assistant.class).chatModel(guarded.forKey("alice")).build();
    Assistant bob = AiServices.builder(Assistant.class).chatModel(guarded.forKey("bob")).build();

    assertThat(alice.chat("hi 1")).isEqualTo("Hello!");
    assertThat(alice.chat("hi 2")).isEqualTo("Hello!");
    // alice: 2 * $0.00015 = $0.0003 spent; + $0.0002 reserved > $0.0004: refused, nothing sent.
    assertThatThrownBy(() -> alice.chat("hi 3")).isInstanceOf(BudgetExceededException.class)
        .hasMessageContaining("alice");
    assertThat(bob.chat("hi")).isEqualTo("Hello!");

    assertThat(requests).hasSize(3);
    assertThat(guard.snapshot("openai", "alice").windows().get(0).spent()).isEqualTo(CALL.times(2));
    assertThat(guard.snapshot("openai", "bob").windows().get(0).spent()).isEqualTo(CALL);
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(CALL.times(3));
  }

  /**
   * A budget and nothing else, and the model called through {@code guard.call} rather than
   * wrapped: the {@link ChatResponse} it returns is priced by the extractor this module registers
   * (the same gap a trial found with Spring AI's response: no extractor on the class path read it,
   * so each call was charged $0 and a loop was never stopped).
   */
  @Test
  void chatResponseOfGuardCall_withABudgetAlone_isChargedItsTokensAndTheLoopIsStopped() {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("sk-test").modelName("gpt-4o-mini")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    try (RunawayGuard alone = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(CALL.times(4)))).ticker(ticker).alertSink(a -> { }).build()) {
      int admitted = 0;
      try {
        for (int i = 0; i < 20; i++) {
          ChatRequest request = ChatRequest.builder().messages(UserMessage.from("loop " + i)).build();
          alone.call("openai", () -> model.chat(request));
          admitted++;
        }
      } catch (BudgetExceededException e) {
        // the budget stops the loop
      }
      // Each call after the first reserves the last real cost ($0.00015): the fifth does not fit.
      assertThat(admitted).isEqualTo(4);
      assertThat(requests).hasSize(4);
      assertThat(alone.snapshot("openai").windows().get(0).spent()).isEqualTo(CALL.times(4));
    }
  }

  /**
   * A budget and nothing else (no prices on the builder, no cost extractor on the service): each
   * call is priced by the bundled tables from the response's model and usage. Before, each call
   * was charged the fixed $0.01 (here 67 times its cost; a dear model's calls were under-counted
   * the same way, so a budget stopped a loop far from where it was set).
   */
  @Test
  void withNoPricesAndNoExtractor_theBundledTablesPriceEachCall() {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("sk-test").modelName("gpt-4o-mini")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    Assistant dan = AiServices.builder(Assistant.class).chatModel(GuardedChatModel.builder(model, guard, "openai")
        .build()).build();

    assertThat(dan.chat("hi 1")).isEqualTo("Hello!");
    assertThat(dan.chat("hi 2")).isEqualTo("Hello!");
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(CALL.times(2));
  }

  @Test
  void sameRequestRepeated_tripsTheBreakerWithItsOwnReason() {
    Assistant carol = AiServices.builder(Assistant.class).chatModel(guarded()).build();
    // No key: the service's budget ($10) is no limit here; the loop signature is.
    for (int i = 1; i < 8; i++) {
      assertThat(carol.chat("the same question")).isEqualTo("Hello!");
    }
    assertThatThrownBy(() -> carol.chat("the same question")).isInstanceOf(CircuitOpenException.class)
        .satisfies(e -> assertThat(((CircuitOpenException) e).reason()).isEqualTo(TripReason.REPEATED_REQUEST));
    assertThat(requests).hasSize(7);
  }

  @Test
  void streaming_refusalIsThrownFromChat_theHandlerIsNotCalled_andNothingIsSent() {
    OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey("sk-test")
        .modelName("gpt-4o-mini").timeout(Duration.ofSeconds(20)).build();
    GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder(model, guard, "openai")
        .prices(TokenPrices.bundled("openai")).estimate(Cost.usd("0.0005")).build().forKey("erin");
    List<String> handlerCalls = new CopyOnWriteArrayList<>();
    StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        handlerCalls.add("partial");
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        handlerCalls.add("complete");
      }

      @Override
      public void onError(Throwable error) {
        handlerCalls.add("error");
      }
    };
    // erin's $0.0004 budget cannot hold the $0.0005 estimate: refused before the model is called.
    assertThatThrownBy(() -> guarded.chat("hi", handler)).isInstanceOf(BudgetExceededException.class)
        .hasMessageContaining("erin");
    assertThat(handlerCalls).isEmpty();
    assertThat(requests).isEmpty();
  }

  @Test
  void streaming_commitsTheCompleteResponsesUsage() throws Exception {
    OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey("sk-test")
        .modelName("gpt-4o-mini").timeout(Duration.ofSeconds(20)).build();
    GuardedStreamingChatModel guarded = GuardedStreamingChatModel.builder(model, guard, "openai")
        .prices(TokenPrices.bundled("openai")).estimate(Cost.usd("0.0002")).build().forKey("dave");
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    StringBuilder text = new StringBuilder();
    guarded.chat("hi", new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        text.append(partial);
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        done.completeExceptionally(error);
      }
    });
    done.get(20, TimeUnit.SECONDS);
    assertThat(text.toString()).isEqualTo("Hello");
    assertThat(guard.snapshot("openai", "dave").windows().get(0).spent()).isEqualTo(CALL);
  }
}
