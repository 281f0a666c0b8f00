package dev.runaway.micrometer;

import dev.runaway.monitor.UsageReport;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Objects;

/**
 * Records token usage under the OpenTelemetry GenAI semantic conventions: the histogram
 * {@code gen_ai.client.token.usage} (unit {@code {token}}) tagged {@code gen_ai.token.type}
 * ({@code input} or {@code output}), {@code gen_ai.provider.name} and, when known,
 * {@code gen_ai.request.model} ({@value #UNKNOWN_MODEL} when not known, so every meter has the
 * same tag keys); plus, like every {@code runaway.*} meter, {@code name} (the Runaway Guard
 * service) and {@code source}: {@code guard} for the tokens of this process's calls
 * ({@link #record}, from a cost extractor or advisor that reads a response's usage) and
 * {@code monitor} for the account-wide tokens of the monitor's usage reports
 * ({@link #recordReports(Map)}, {@code tokens.input} and {@code tokens.output} units). The two
 * count the same tokens twice when both are recorded (the account includes this process), so a
 * dashboard sums one {@code source}, as with the {@code runaway.*} meters.
 *
 * <p>A Prometheus scrape names it {@code gen_ai_client_token_usage__token__count}, {@code _sum}
 * and {@code _max}: Micrometer's Prometheus naming appends the base unit ({@code {token}},
 * sanitised), where OpenTelemetry's own exporter drops a unit in braces. The unit is kept on
 * purpose: Spring AI records its own {@code gen_ai.client.token.usage} as a counter
 * ({@code gen_ai_client_token_usage_total}), and Prometheus requires one type per name, so without
 * the unit this summary's registration failed in a Spring AI application and it was missing from
 * the scrape. Other registries (OTLP, for example) see the meter's name unchanged.
 *
 * <p>Thread-safe.
 */
public final class GenAiTokenMetrics {

  /** The OpenTelemetry GenAI metric name. */
  public static final String TOKEN_USAGE = "gen_ai.client.token.usage";

  /** The {@code gen_ai.request.model} tag when the model is not known. */
  public static final String UNKNOWN_MODEL = "unknown";

  private final MeterRegistry registry;

  private GenAiTokenMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /**
   * Returns a recorder writing to a registry.
   *
   * @param registry the registry
   * @return the recorder
   */
  public static GenAiTokenMetrics of(MeterRegistry registry) {
    return new GenAiTokenMetrics(registry);
  }

  /**
   * Records the tokens of one request of this process, tagged {@code source=guard}.
   *
   * @param service the Runaway Guard service
   * @param provider the {@code gen_ai.provider.name}, such as {@code openai}
   * @param model the request's model, or {@code null} when unknown
   * @param inputTokens input (prompt) tokens, not negative
   * @param outputTokens output (completion) tokens, not negative
   */
  public void record(String service, String provider, String model, long inputTokens, long outputTokens) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(provider, "provider");
    if (inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative, got input=" + inputTokens
          + " output=" + outputTokens);
    }
    // Always the same tag keys: registries such as Prometheus refuse one name with two key sets.
    Tags tags = Tags.of("name", service, "source", "guard", "gen_ai.provider.name", provider,
        "gen_ai.request.model", model == null ? UNKNOWN_MODEL : model);
    summary(tags.and("gen_ai.token.type", "input")).record(inputTokens);
    summary(tags.and("gen_ai.token.type", "output")).record(outputTokens);
  }

  /**
   * Records the token units of monitor reports ({@code tokens.input}, {@code tokens.output}),
   * tagged {@code source=monitor},
   * one observation per report and type, with the service as provider; reports without token
   * units are skipped. Pass each round's result of {@code RunawayMonitor.pollOnce()}.
   *
   * @param reports reports by service
   */
  public void recordReports(Map<String, UsageReport> reports) {
    for (UsageReport r : reports.values()) {
      Double in = r.units().get("tokens.input");
      Double out = r.units().get("tokens.output");
      Tags tags = Tags.of("name", r.service(), "source", "monitor", "gen_ai.provider.name", r.service(),
          "gen_ai.request.model", UNKNOWN_MODEL);
      if (in != null) {
        summary(tags.and("gen_ai.token.type", "input")).record(in);
      }
      if (out != null) {
        summary(tags.and("gen_ai.token.type", "output")).record(out);
      }
    }
  }

  private DistributionSummary summary(Tags tags) {
    return DistributionSummary.builder(TOKEN_USAGE)
        .description("Number of input and output tokens used")
        // Kept: without it Prometheus sees Spring AI's counter of the same name (class javadoc).
        .baseUnit("{token}")
        .tags(tags)
        .register(registry);
  }
}
