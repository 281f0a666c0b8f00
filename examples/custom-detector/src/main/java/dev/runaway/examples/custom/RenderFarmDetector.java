package dev.runaway.examples.custom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads an in-house render farm's usage: {@code GET {base_url}/v1/usage?from=<epoch s>&to=<epoch s>}
 * with a bearer token, answering
 * {@code {"jobs": 12, "gpu_seconds": 5400, "queues": [{"name": "cuda", "jobs": 10, "gpu_seconds": 5000}]}}.
 * The cost is GPU hours times the configured price; {@code jobs} is reported as the unit
 * {@code requests}, which the monitor's burn-rate meter counts as calls.
 *
 * <p>HTTP failures become {@link PollException}s the monitor understands: 429 with its
 * {@code Retry-After}, 401/403 naming the token's variable (never its value), 5xx and timeouts
 * as unavailable, an unreadable body as a bad response.
 *
 * <p>Thread-safe; the monitor never runs two polls of one detector at once.
 */
final class RenderFarmDetector implements Detector {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

  private final String service;
  private final URI base;
  private final BigDecimal pricePerGpuHour;
  private final String tokenEnv;
  private final Secret token;
  private final Duration timeout;
  private final HttpClient http;

  RenderFarmDetector(String service, URI base, BigDecimal pricePerGpuHour, String tokenEnv, Secret token,
      Duration timeout) {
    this.service = service;
    this.base = base;
    this.pricePerGpuHour = pricePerGpuHour;
    this.tokenEnv = tokenEnv;
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public UsageReport poll(PollContext ctx) throws Exception {
    URI uri = URI.create(base + "/v1/usage?from=" + ctx.since().getEpochSecond() + "&to=" + ctx.now().getEpochSecond());
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(timeout)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token.reveal())
        .GET()
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new PollException(PollException.Kind.UNAVAILABLE, "render farm " + service + " did not answer within "
          + timeout.toSeconds() + " s", null, null);
    } catch (IOException e) {
      throw new PollException(PollException.Kind.UNAVAILABLE, "render farm " + service + " cannot be reached: "
          + e.getClass().getSimpleName(), null, null);
    }
    int status = response.statusCode();
    if (status == 429) {
      throw new PollException(PollException.Kind.RATE_LIMITED, "render farm " + service + " asks to slow down (HTTP 429)",
          retryAfter(response).orElse(null), null);
    }
    if (status == 401 || status == 403) {
      throw new PollException(PollException.Kind.UNAUTHORIZED, "render farm " + service + " refused the token in "
          + tokenEnv + " (HTTP " + status + "); check " + tokenEnv, null, null);
    }
    if (status >= 500) {
      throw new PollException(PollException.Kind.UNAVAILABLE, "render farm " + service + " failed (HTTP " + status + ")",
          retryAfter(response).orElse(null), null);
    }
    if (status != 200) {
      throw new PollException(PollException.Kind.MISCONFIGURED, "render farm " + service + " answered HTTP " + status
          + " to GET /v1/usage; check base_url", null, null);
    }
    return report(ctx, response.body());
  }

  private UsageReport report(PollContext ctx, String body) throws PollException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new PollException(PollException.Kind.BAD_RESPONSE, "render farm " + service + " sent a body that is not"
          + " JSON", null, null);
    }
    if (root == null || !root.path("gpu_seconds").isNumber() || !root.path("jobs").isNumber()) {
      throw new PollException(PollException.Kind.BAD_RESPONSE, "render farm " + service + " sent no numeric jobs and"
          + " gpu_seconds", null, null);
    }
    List<UsageItem> items = new ArrayList<>();
    for (JsonNode q : root.path("queues")) {
      BigDecimal seconds = q.path("gpu_seconds").decimalValue();
      Map<String, Double> units = new LinkedHashMap<>();
      units.put("requests", q.path("jobs").asDouble());
      units.put("gpu_hours", seconds.doubleValue() / 3600);
      items.add(new UsageItem(q.path("name").asText("queue"), price(seconds), units));
    }
    BigDecimal seconds = root.path("gpu_seconds").decimalValue();
    Map<String, Double> units = new LinkedHashMap<>();
    units.put("requests", root.path("jobs").asDouble());
    units.put("gpu_hours", seconds.doubleValue() / 3600);
    return new UsageReport(service, ctx.since(), ctx.now(), price(seconds), units, items);
  }

  private Cost price(BigDecimal gpuSeconds) {
    return Cost.of(gpuSeconds.multiply(pricePerGpuHour).divide(SECONDS_PER_HOUR, MathContext.DECIMAL64));
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("Retry-After").flatMap(v -> {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }

  @Override
  public String toString() {
    return "RenderFarmDetector[" + service + ", " + base.getHost() + "]";
  }
}
