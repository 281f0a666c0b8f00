package dev.runaway.examples.custom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.HttpDetector;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an in-house render farm's usage: {@code GET {base_url}/v1/usage?from=<epoch s>&to=<epoch s>}
 * with a bearer token, answering
 * {@code {"jobs": 12, "gpu_seconds": 5400, "queues": [{"name": "cuda", "jobs": 10, "gpu_seconds": 5000}]}}.
 * The cost is GPU hours times the configured price; {@code jobs} is reported as the unit
 * {@code requests}, which the monitor's burn-rate meter counts as calls.
 *
 * <p>Built on {@link HttpDetector}, like every built-in detector: the skeleton owns the settings
 * (with the common {@code base_url}, {@code timeout_seconds}, ... keys), the {@code ApiClient}
 * and its mapping of HTTP failures to {@link PollException}s the monitor understands (429 with its
 * {@code Retry-After}, 401/403 naming the token's variable and never its value, 5xx and timeouts
 * as unavailable, an unreadable body as a bad response), the closed check and {@code close()}.
 * This class implements only the reading.
 *
 * <p>Thread-safe; the monitor never runs two polls of one detector at once.
 */
final class RenderFarmDetector extends HttpDetector {

  private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
  /** The price when {@code price_per_gpu_hour} is absent. */
  static final BigDecimal DEFAULT_PRICE = new BigDecimal("2.50");

  private final BigDecimal pricePerGpuHour;

  RenderFarmDetector(ServiceSettings settings, Secret token) {
    super(settings, Set.of("price_per_gpu_hour", "token_env"));
    if (!settings().has("base_url")) {
      throw settings().error("base_url", "is required: the render farm's API root, such as"
          + " https://farm.internal.example.com");
    }
    this.pricePerGpuHour = settings().nonNegativeDecimal("price_per_gpu_hour").orElse(DEFAULT_PRICE);
    connect(clientBuilder("https://farm.invalid").product("render farm " + settings.name()).bearer(token)
        .credentialHint("a farm API token with usage: read"));
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    ApiResponse response = client().send(ApiRequest.get("/v1/usage")
        .withQuery("from", ctx.since().getEpochSecond()).withQuery("to", ctx.now().getEpochSecond()));
    JsonNode root = response.json();
    if (!root.path("gpu_seconds").isNumber() || !root.path("jobs").isNumber()) {
      throw response.unexpected("no numeric jobs and gpu_seconds");
    }
    List<UsageItem> items = new ArrayList<>();
    for (JsonNode q : root.path("queues")) {
      items.add(new UsageItem(q.path("name").asText("queue"), price(q.path("gpu_seconds").decimalValue()),
          units(q)));
    }
    return new UsageReport(service(), ctx.since(), ctx.now(), price(root.path("gpu_seconds").decimalValue()),
        units(root), items);
  }

  private static Map<String, Double> units(JsonNode node) {
    Map<String, Double> units = new LinkedHashMap<>();
    units.put("requests", node.path("jobs").asDouble());
    units.put("gpu_hours", node.path("gpu_seconds").asDouble() / 3600);
    return units;
  }

  private Cost price(BigDecimal gpuSeconds) {
    return Cost.of(gpuSeconds.multiply(pricePerGpuHour).divide(SECONDS_PER_HOUR, MathContext.DECIMAL64));
  }
}
