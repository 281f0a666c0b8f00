package dev.runaway.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * nu86 trial (Spring Boot 4 app, runaway-micrometer, micrometer-registry-prometheus, Spring AI):
 * the README promised a scrape named {@code gen_ai_client_token_usage_*} (OpenTelemetry's
 * exporter's names), but Micrometer appends the base unit {@code {token}} as {@code _token_}. The
 * first fix dropped the unit, and the re-check (nu90, {@link GenAiTokenMetricsNu90RecheckTest})
 * found the summary then clashed with Spring AI's own counter of the same name and vanished from
 * the scrape. The unit stays; the README and javadoc now give the name a scrape really shows.
 */
final class GenAiTokenMetricsPrometheusTest {

  @Test
  void tokenUsage_isScrapedUnderTheNameTheReadmeGives() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GenAiTokenMetrics.of(registry).record("openai", "openai", "gpt-5-mini", 3000, 400);

    String scrape = registry.scrape();
    assertThat(scrape).contains("gen_ai_client_token_usage__token__sum{")
        .contains("gen_ai_client_token_usage__token__count{").contains("gen_ai_client_token_usage__token__max{");
  }
}
