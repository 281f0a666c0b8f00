package dev.runaway.examples.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.testing.LogCapture;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real SDK, through the guard, against a loopback server speaking the chat-completions wire
 * format (the SDK's base URL points at it). Never calls the real API.
 */
final class GuardedChatTest {

  private static final String KEY = "sk-test-SENTINEL-0815";

  @RegisterExtension
  final StubServer server = StubServer.start();
  private final AtomicInteger status = new AtomicInteger(200);
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private OpenAIClient client;
  private RunawayGuard guard;

  @BeforeEach
  void start() {
    server.route("/v1/chat/completions", this::handle);
    client = OpenAIOkHttpClient.builder()
        .apiKey(KEY)
        .baseUrl(server.baseUrl() + "/v1")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
    guard = GuardedChat.guard(ManualTicker.startingAt(Instant.parse("2026-11-23T09:00:00Z")), alerts::add);
  }

  @AfterEach
  void stop() {
    guard.close();
    client.close();
  }

  @Test
  void ask_sendsTheSdkRequest_andCommitsTheCostOfItsTokenUsage() {
    ChatCompletion reply = new GuardedChat(client, guard, ChatModel.GPT_5_4_MINI).ask("tenant-42", "Hello?");

    assertThat(GuardedChat.text(reply)).isEqualTo("Hello from the stub.");
    assertThat(server.requests()).singleElement().satisfies(r -> {
      assertThat(r.method() + " " + r.path()).isEqualTo("POST /v1/chat/completions");
      assertThat(r.header("Authorization")).contains("Bearer " + KEY);
      assertThat(r.body()).contains("\"model\":\"gpt-5.4-mini\"").contains("Hello?");
    });
    // gpt-5.4-mini: 800 fresh input tokens at $0.75/M, 200 cached at $0.075/M, 500 output at $4.50/M.
    Cost expected = Cost.usd("0.002865");
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(expected);
    assertThat(guard.service("openai").forKey("tenant-42").snapshot().windows().get(0).spent()).isEqualTo(expected);
  }

  @Test
  void aTenantOverItsBudget_isRefusedBeforeTheSdkSendsAnything() {
    GuardedChat chat = new GuardedChat(client, guard, ChatModel.GPT_5_4_MINI);
    int admitted = 0;
    BudgetExceededException refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      try {
        chat.ask("tenant-7", "again, with the whole long context");
        admitted++;
      } catch (BudgetExceededException e) {
        refused = e;
      }
    }
    // Each long-context call costs $0.158865 (199,800 fresh input tokens at $0.75/M, 200 cached at
    // $0.075/M, 2,000 output at $4.50/M). Before each call the guard reserves what calls have been
    // costing (its $0.002 estimate only until real costs are known), so after three calls ($0.48)
    // the fourth does not fit the tenant's $0.50 and is refused before it is sent.
    assertThat(refused).as("the tenant's $0.50 per day runs out").isNotNull();
    assertThat(admitted).isEqualTo(3);
    assertThat(refused.getMessage()).contains("tenant-7");
    assertThat(server.requests()).hasSize(admitted);

    assertThatThrownBy(() -> chat.ask("tenant-7", "once more")).isInstanceOf(BudgetExceededException.class);
    assertThat(server.requests()).as("refused calls never reach the API").hasSize(admitted);
    assertThat(chat.ask("tenant-8", "hi")).isNotNull(); // another tenant still has its budget
  }

  @Test
  void theSdksOwnErrors_passThroughUnchanged_andCostNothing() {
    status.set(429);
    int mark = LogCapture.mark();
    GuardedChat chat = new GuardedChat(client, guard, ChatModel.GPT_5_4_MINI);

    assertThatThrownBy(() -> chat.ask("tenant-42", "Hello?")).isInstanceOf(RateLimitException.class);

    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.ZERO);
    assertThat(guard.snapshot("openai").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    assertThat(LogCapture.since(mark).stream().map(LogCapture.Event::fullText)).noneMatch(t -> t.contains(KEY));
  }

  /** The chat-completions endpoint: a 429 while {@link #status} says so, else a completion priced by its context. */
  private StubResponse handle(RecordedRequest request) {
    if (status.get() == 429) {
      return StubResponse.json(429, "{\"error\":{\"message\":\"Rate limit reached for gpt-5.4-mini on tokens per min (TPM)\","
          + "\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}")
          .withHeader("retry-after", "20").withHeader("x-request-id", "req_stub");
    }
    boolean longContext = request.body().contains("long context");
    int prompt = longContext ? 200_000 : 1000;
    int completion = longContext ? 2000 : 500;
    return StubResponse.ok("{\"id\":\"chatcmpl-stub1\",\"object\":\"chat.completion\",\"created\":1795424400,"
        + "\"model\":\"gpt-5.4-mini-2026-03-17\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hello from the stub.\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":"
        + completion + ",\"total_tokens\":" + (prompt + completion) + ",\"prompt_tokens_details\":{\"cached_tokens\":200,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
        + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\","
        + "\"system_fingerprint\":\"fp_stub\"}").withHeader("x-request-id", "req_stub");
  }
}
