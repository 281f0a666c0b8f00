package dev.runaway.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * nu90 re-check of the nu86 trial app (Spring Boot 4, Spring AI 2.0.1 OpenAI starter, the runaway
 * starter, runaway-micrometer, micrometer-registry-prometheus). Spring AI's own chat observation
 * handler records a Counter named {@code gen_ai.client.token.usage} (tags gen_ai.operation.name,
 * gen_ai.system, gen_ai.request.model, gen_ai.response.model, gen_ai.token.type). Now that
 * GenAiTokenMetrics' DistributionSummary has no base unit, both map to the Prometheus name
 * {@code gen_ai_client_token_usage}: after the app's first ChatClient call, /record-tokens
 * (GenAiTokenMetrics.record) logged "PrometheusMeterRegistry: The meter (MeterId{name='gen_ai.client.token.usage',
 * ... source=guard}) registration has failed: Prometheus requires that all meters with the same name have
 * the same type. There is already an existing meter named 'gen_ai_client_token_usage' that is a COUNTER"
 * and the scrape held no runaway token meter at all (before the fix it held
 * gen_ai_client_token_usage__token__count/_sum/_max{source="guard"}).
 */
final class GenAiTokenMetricsNu90RecheckTest {

  @Test
  void tokenUsage_isScraped_besideSpringAisCounterOfTheSameName() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // What Spring AI's ChatModelMeterObservationHandler registers on the app's first ChatClient call.
    Counter.builder("gen_ai.client.token.usage")
        .tag("gen_ai.operation.name", "chat").tag("gen_ai.system", "openai")
        .tag("gen_ai.request.model", "gpt-5-mini").tag("gen_ai.response.model", "gpt-5-mini")
        .tag("gen_ai.token.type", "input").register(registry).increment(3000);

    GenAiTokenMetrics.of(registry).record("openai", "openai", "gpt-5-mini", 3000, 400);

    String scrape = registry.scrape();
    assertThat(scrape).as("the runaway token meters (source=guard) in the scrape")
        .containsPattern("gen_ai_client_token_usage\\w*\\{[^}]*source=\"guard\"");
  }
}
