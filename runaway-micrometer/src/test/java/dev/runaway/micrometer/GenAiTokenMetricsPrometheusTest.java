package dev.runaway.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * nu86 trial (Spring Boot 4 app, runaway-micrometer, micrometer-registry-prometheus, Spring AI):
 * the README names the meter {@code gen_ai.client.token.usage}, "OpenTelemetry GenAI names", but
 * a Prometheus scrape showed it as {@code gen_ai_client_token_usage__token__count/_sum/_max}: the
 * base unit {@code {token}} is appended to the name as {@code _token_}. OpenTelemetry drops a unit
 * in braces when it names a Prometheus metric, so dashboards and queries written for
 * {@code gen_ai_client_token_usage_*} (what OpenTelemetry exporters give) miss it.
 */
final class GenAiTokenMetricsPrometheusTest {

  @Test
  void tokenUsage_isScrapedUnderItsOpenTelemetryName_notWithTheBraceUnitAppended() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GenAiTokenMetrics.of(registry).record("openai", "openai", "gpt-5-mini", 3000, 400);

    String scrape = registry.scrape();
    assertThat(scrape).doesNotContain("__token_")
        .contains("gen_ai_client_token_usage_sum{").contains("gen_ai_client_token_usage_count{");
  }
}
