package dev.runaway.providers.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Service tiers, audio and image tokens, and who spends (fixtures/openai/README.md). */
final class OpenAiTiersAndAttributionTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  @RegisterExtension
  final StubServer stub = StubServer.start();

  @Test
  void poll_pricesTiersAndModalitiesFromTheTableAndNamesProjectAndKey() throws Exception {
    stub.route("/v1/organization/usage/completions",
        r -> StubResponse.ok(Fixtures.read("openai/completions-tiers-modalities.json")));
    Detector d = new OpenAiDetectorProvider().create(ServiceSettings.of("openai", "openai", Map.of(
        "base_url", stub.baseUrl() + "/v1", "endpoints", List.of("completions"), "costs_interval_seconds", 0.0)),
        SecretSource.of(Map.of("OPENAI_ADMIN_KEY", "sk-admin-test")));
    try {
      UsageReport r = d.poll(PollContext.of(NOW.minus(Duration.ofMinutes(5)), NOW, Duration.ofMinutes(5),
          ManualTicker.startingAt(NOW), true));

      // Priority gpt-5-mini ($0.45 / $0.045 / $3.60 per 1M):
      //   800,000 x 0.45 + 200,000 x 0.045 + 100,000 x 3.60 = 360,000 + 9,000 + 360,000 = 729,000 per 1e6 = $0.729
      //   (at standard rates it would be 200,000 + 5,000 + 200,000 -> $0.405).
      // Flex gpt-5-mini (half of $0.25 / $2.00): 2,000,000 x 0.125 + 400,000 x 1.00 = 650,000 per 1e6 = $0.65
      //   (standard: $1.30).
      // gpt-realtime-1.5, default tier:
      //   audio in 300,000 of which 100,000 cached: 200,000 x 32 + 100,000 x 0.40 = 6,440,000
      //   audio out 150,000 x 64 = 9,600,000
      //   image in 20,000 x 5 = 100,000
      //   text in 500,000 - 300,000 - 20,000 = 180,000, cached 150,000 - 100,000 = 50,000:
      //     130,000 x 4 + 50,000 x 0.40 = 540,000; text out 200,000 - 150,000 = 50,000 x 16 = 800,000
      //   = 17,480,000 per 1e6 = $17.48 (all at text rates it would be $4.66).
      // Total 0.729 + 0.65 + 17.48 = $18.859.
      assertThat(r.cost()).isEqualTo(Cost.usd("18.859"));
      assertThat(r.items()).extracting(UsageItem::name).containsExactly(
          "gpt-5-mini-2025-08-07 (priority tier, project proj_abc123, key key_runaway)",
          "gpt-5-mini-2025-08-07 (flex tier, project proj_abc123, key key_nightly)",
          "gpt-realtime-1.5 (project proj_voice, key key_voicebot)");
      assertThat(r.items()).extracting(UsageItem::cost)
          .containsExactly(Cost.usd("0.729"), Cost.usd("0.65"), Cost.usd("17.48"));
      assertThat(r.unit("tokens.input_audio")).isEqualTo(300_000);
      assertThat(r.unit("tokens.output_audio")).isEqualTo(150_000);
      assertThat(r.unit("tokens.input_image")).isEqualTo(20_000);
      RecordedRequest q = stub.requestsTo("/v1/organization/usage/completions").get(0);
      assertThat(q.params("group_by[]")).containsExactly("model", "batch", "service_tier", "project_id", "api_key_id");
    } finally {
      d.close();
    }
  }

  @Test
  void extractor_honoursServiceTier() {
    // Priority gpt-5-mini: uncached 1,317 - 1,024 = 293 x 0.45 + 1,024 x 0.045 + 210 x 3.60
    //   = 131.85 + 46.08 + 756 = 933.93 per 1e6 = $0.00093393 (standard: $0.00051885).
    assertThat(OpenAiCosts.extractor().costOf(Fixtures.read("openai/chat-priority.json")))
        .isEqualTo(Cost.usd("0.00093393"));
  }

  @Test
  void extractor_pricesAudioTokensAtTheAudioRate() {
    // gpt-realtime-2.1-mini: audio in 8,000 x 10 + audio out 1,500 x 20 = 80,000 + 30,000
    //   text in 10,000 - 8,000 = 2,000 x 0.60 + text out 2,000 - 1,500 = 500 x 2.40 = 1,200 + 1,200
    //   = 112,400 per 1e6 = $0.1124 (all at text rates: 10,000 x 0.6 + 2,000 x 2.4 -> $0.0108).
    assertThat(OpenAiCosts.extractor().costOf(Fixtures.read("openai/chat-audio.json")))
        .isEqualTo(Cost.usd("0.1124"));
  }
}
