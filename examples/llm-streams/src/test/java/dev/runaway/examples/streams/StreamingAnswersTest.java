package dev.runaway.examples.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.google.genai.Client;
import com.google.genai.types.HttpOptions;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example against a loopback server speaking the three providers' SSE formats. */
final class StreamingAnswersTest {

  private static final String OPENAI = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A breaker \"},"
      + "\"finish_reason\":null}]}\n\ndata: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"stops calls.\"},"
      + "\"finish_reason\":\"stop\"}]}\n\ndata: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":10,"
      + "\"total_tokens\":30}}\n\ndata: [DONE]\n\n";

  private static final String ANTHROPIC = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      + "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-haiku-4-5-20251001\","
      + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n"
      + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
      + "{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\","
      + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"It trips.\"}}\n\nevent: content_block_stop\n"
      + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\","
      + "\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":10}}\n\n"
      + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  private static final String GEMINI = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":"
      + "[{\"text\":\"It opens \"}]}}],\"modelVersion\":\"gemini-2.5-flash\"}\n\n"
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"on a runaway.\"}]},"
      + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":10,"
      + "\"totalTokenCount\":30},\"modelVersion\":\"gemini-2.5-flash\"}\n\n";

  @RegisterExtension
  final StubServer server = StubServer.start();

  @Test
  void everyProvider_streamsItsTextAndIsChargedItsFinalUsage() {
    server.fallback(r -> StubResponse.eventStream(r.path().endsWith("/messages") ? ANTHROPIC
        : r.path().contains(":streamGenerateContent") ? GEMINI : OPENAI));
    String base = server.baseUrl().toString();
    try (RunawayGuard guard = StreamingAnswers.guard(ManualTicker.create())) {
      StringBuilder a = new StringBuilder();
      StreamingAnswers.openAi(guard, OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("k").build(),
          "u", "q", a::append);
      StringBuilder b = new StringBuilder();
      StreamingAnswers.claude(guard, AnthropicOkHttpClient.builder().baseUrl(base).apiKey("k").build(), "u", "q", b::append);
      StringBuilder c = new StringBuilder();
      StreamingAnswers.gemini(guard, Client.builder().apiKey("k")
          .httpOptions(HttpOptions.builder().baseUrl(base).build()).build(), "u", "q", c::append);

      assertThat(a.toString()).isEqualTo("A breaker stops calls.");
      assertThat(b.toString()).isEqualTo("It trips.");
      assertThat(c.toString()).isEqualTo("It opens on a runaway.");
      // gpt-4o-mini: 20 * $0.15 + 10 * $0.60 per MTok = 3 + 6 = 9 per million
      assertThat(guard.snapshot("openai", "u").windows().get(0).spent()).isEqualTo(Cost.usd("0.000009"));
      // claude-haiku-4-5: 20 * $1 + 10 * $5 per MTok = 20 + 50 = 70 per million
      assertThat(guard.snapshot("claude", "u").windows().get(0).spent()).isEqualTo(Cost.usd("0.00007"));
      // gemini-2.5-flash: 20 * $0.30 + 10 * $2.50 per MTok = 6 + 25 = 31 per million
      assertThat(guard.snapshot("gemini", "u").windows().get(0).spent()).isEqualTo(Cost.usd("0.000031"));
    }
  }
}
