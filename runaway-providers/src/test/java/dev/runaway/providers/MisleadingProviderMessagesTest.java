package dev.runaway.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.ManualTicker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.internal.TrackingSecrets;
import dev.runaway.providers.openai.OpenAiDetectorProvider;
import dev.runaway.providers.stripe.StripeDetectorProvider;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.providers.vercel.VercelDetectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider messages that used to mislead a new user (issue 18). */
final class MisleadingProviderMessagesTest {

  @TempDir
  Path dir;

  @Test
  void unknownProviderKey_getsADidYouMean() {
    Throwable vercel = catchThrowable(() -> new VercelDetectorProvider().create(ServiceSettings.of("vercel", "vercel",
        Map.of("tokenenv", "MY_VERCEL_TOKEN")), SecretSource.of(Map.of("VERCEL_TOKEN", "t"))));
    assertThat(vercel).isInstanceOf(ConfigException.class).hasMessageContaining("services.vercel.tokenenv")
        .hasMessageContaining("did you mean \"token_env\"?");
    Throwable openai = catchThrowable(() -> new OpenAiDetectorProvider().create(ServiceSettings.of("openai", "openai",
        Map.of("endpoint", List.of("completions"))), SecretSource.of(Map.of("OPENAI_ADMIN_KEY", "k"))));
    assertThat(openai).isInstanceOf(ConfigException.class).hasMessageContaining("did you mean \"endpoints\"?");
  }

  @Test
  void insecureHttp_namesTheConfigFileAndLine() throws Exception {
    Path file = dir.resolve("monitor_config.json");
    Files.writeString(file, "{\n  \"services\": {\n    \"stripe\": {\n      \"type\": \"stripe\",\n"
        + "      \"base_url\": \"http://api.example.com\"\n    }\n  }\n}\n", StandardCharsets.UTF_8);
    ServiceSettings s = MonitorConfig.load(file).services().get("stripe");
    Throwable t = catchThrowable(() -> new StripeDetectorProvider().create(s,
        SecretSource.of(Map.of("STRIPE_API_KEY", "sk_test_x"))));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining(file.toString() + ":3")
        .hasMessageContaining("refusing plain http://");
  }

  @Test
  void htmlErrorPage_isDescribedInWords_notAsAParserDump() throws Exception {
    Instant now = Instant.parse("2026-08-21T14:05:00Z");
    try (StubServer stub = StubServer.start()) {
      stub.route("/v1/balance_transactions", r -> new StubResponse(200, List.of(Map.entry("Content-Type",
          "text/html; charset=utf-8")), Fixtures.read("html/bad-gateway.html").getBytes(StandardCharsets.UTF_8),
          Duration.ZERO, false));
      Detector d = new StripeDetectorProvider().create(ServiceSettings.of("stripe", "stripe",
          Map.of("base_url", stub.baseUrl().toString())), SecretSource.of(Map.of("STRIPE_API_KEY", "sk_test_x")));
      try {
        PollException e = (PollException) catchThrowable(() -> d.poll(PollContext.of(now.minusSeconds(300), now,
            Duration.ofMinutes(5), ManualTicker.startingAt(now), true)));
        String shown = new TrackingSecrets(SecretSource.of(Map.of())).describe(e);
        assertThat(shown).contains("an HTML page titled \"502 Bad Gateway\" where JSON was expected")
            .doesNotContain("Jackson").doesNotContain("StreamReadFeature").doesNotContain("SanitizedException")
            .doesNotContain("com.fasterxml");
      } finally {
        d.close();
      }
    }
  }
}
