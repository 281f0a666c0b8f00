package dev.runaway.providers.vercel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.ContextTicker;
import dev.runaway.providers.internal.ConfigReader;
import dev.runaway.providers.internal.CumulativeBucket;
import dev.runaway.providers.internal.Money;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Vercel detector; see {@link dev.runaway.providers.vercel.VercelDetectorProvider}.
 *
 * <p>Polls are never concurrent (the monitor's contract); the detector keeps no memory between
 * them.
 */
public final class VercelDetector implements Detector {

  /** Vercel's day buckets start at midnight in Los Angeles (vercel.md §4.2). */
  static final ZoneId BILLING_ZONE = ZoneId.of("America/Los_Angeles");
  private static final DateTimeFormatter WIRE_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  static final String PATH = "/v1/billing/charges";

  private final String service;
  private final String teamParam;
  private final String teamValue;
  private final ApiClient client;
  private final ContextTicker ticker = new ContextTicker();

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param token the access token
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public VercelDetector(ServiceSettings settings, Secret token) {
    this.service = settings.name();
    ConfigReader top = ConfigReader.of(settings).allowOnly(Set.of("type", "base_url", "allow_insecure_http",
        "timeout_seconds", "connect_timeout_seconds", "max_pages", "max_body_bytes", "team_id", "team_slug", "token_env"));
    String teamId = top.has("team_id") ? top.requireString("team_id", "the team's id, team_...") : null;
    String slug = top.has("team_slug") ? top.requireString("team_slug", "the team's URL slug") : null;
    if (teamId != null && slug != null) {
      throw top.error("team_slug", "give either team_id or team_slug, not both");
    }
    this.teamParam = teamId != null ? "teamId" : slug != null ? "slug" : null;
    this.teamValue = teamId != null ? teamId : slug;
    this.client = ApiClient.builder().settings(settings, "https://api.vercel.com").product("the Vercel API")
        .bearer(token).header("Accept", "application/jsonl").header("Accept-Encoding", "gzip")
        .credentialHint("a token with access to " + (teamValue == null ? "the personal account" : "the team")
            + "; billing charges need the Owner, Member, Developer, Security, Billing or Enterprise Viewer role")
        .check(this::check).ticker(ticker).build();
  }

  /**
   * Returns the variable holding the token.
   *
   * @param settings the service's settings
   * @return {@code token_env}, default {@code VERCEL_TOKEN}
   */
  public static String tokenEnv(ServiceSettings settings) {
    return settings.string("token_env").orElse("VERCEL_TOKEN");
  }

  /** A 429 whose only wait is in the body's {@code error.limit} (vercel.md §4.4). */
  private void check(ApiResponse r) throws PollException {
    if (r.status() != 429 || r.header("Retry-After").isPresent() || r.header("X-RateLimit-Reset").isPresent()) {
      return;
    }
    JsonNode limit;
    try {
      limit = r.json().path("error").path("limit");
    } catch (PollException e) {
      return; // not JSON: the generic mapping backs off
    }
    Instant reset = null;
    if (limit.path("resetMs").canConvertToLong() && limit.path("resetMs").isNumber()) {
      reset = Instant.ofEpochMilli(limit.path("resetMs").asLong());
    } else if (limit.path("reset").isNumber()) {
      reset = Instant.ofEpochSecond(limit.path("reset").asLong());
    }
    if (reset == null) {
      return;
    }
    Duration wait = Duration.between(ticker.instant(), reset);
    if (wait.isNegative()) {
      wait = Duration.ZERO;
    }
    throw new PollException(Kind.RATE_LIMITED, "the Vercel API rate-limited " + r.request() + " (HTTP 429: "
        + r.errorMessage() + "); retry in " + wait.toSeconds() + " s", wait, null);
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public UsageReport poll(PollContext ctx) throws PollException, InterruptedException {
    if (client.isClosed()) {
      throw new IllegalStateException(service + ": the detector is closed");
    }
    ticker.use(ctx.ticker());
    CumulativeBucket day = CumulativeBucket.day(ctx.since(), BILLING_ZONE);
    ApiRequest request = ApiRequest.get(PATH).withQuery("from", WIRE_TIME.format(day.start()))
        .withQuery("to", WIRE_TIME.format(day.readUntil(ctx.now())));
    if (teamParam != null) {
      request = request.withQuery(teamParam, teamValue);
    }
    ApiResponse response = client.send(request);
    List<JsonNode> rows = response.jsonLines();

    Cost total = Cost.ZERO;
    BigDecimal credits = BigDecimal.ZERO;
    Map<String, Double> units = new LinkedHashMap<>();
    Map<String, Cost> itemCost = new LinkedHashMap<>();
    Map<String, Map<String, Double>> itemUnits = new LinkedHashMap<>();
    for (JsonNode row : rows) {
      if (!row.isObject()) {
        throw response.unexpected("a JSON Lines row that is not an object");
      }
      Instant start = time(response, field(row, "ChargePeriodStart"));
      if (start != null && !day.contains(start)) {
        continue;
      }
      String currency = field(row, "BillingCurrency").asText("USD");
      if (!currency.equalsIgnoreCase("USD")) {
        throw client.failure(Kind.MISCONFIGURED, "the Vercel API billed in " + currency
            + "; only USD charges can be added up", null);
      }
      BigDecimal billed = decimal(response, field(row, "BilledCost"), "BilledCost");
      String category = field(row, "ChargeCategory").asText("Usage");
      if (category.equalsIgnoreCase("Credit")) {
        credits = credits.add(billed.abs());
        continue;
      }
      String name = field(row, "ServiceName").asText("").isBlank() ? "Vercel" : field(row, "ServiceName").asText();
      Cost cost = Money.usd(billed);
      total = total.plus(cost);
      itemCost.merge(name, cost, Cost::plus);
      Map<String, Double> iu = itemUnits.computeIfAbsent(name, k -> new LinkedHashMap<>());
      JsonNode qty = field(row, "ConsumedQuantity");
      if (!qty.isMissingNode() && !qty.isNull()) {
        double q = decimal(response, qty, "ConsumedQuantity").doubleValue();
        String unit = field(row, "ConsumedUnit").asText("");
        String unitKey = unit.isBlank() ? "quantity" : slug(unit);
        iu.merge(unitKey, q, Double::sum);
        units.merge(slug(name) + "." + unitKey, q, Double::sum);
      }
    }
    if (credits.signum() != 0) {
      units.put("credits.usd", credits.doubleValue());
    }
    List<UsageItem> items = new ArrayList<>();
    for (Map.Entry<String, Cost> e : itemCost.entrySet()) {
      items.add(new UsageItem(e.getKey(), e.getValue(), itemUnits.get(e.getKey())));
    }
    return new UsageReport(service, day.start(), ctx.now(), total, units, items);
  }

  /** Reads a FOCUS field in its wire PascalCase, else in the camelCase of the SDK's documentation. */
  private static JsonNode field(JsonNode row, String pascal) {
    JsonNode v = row.get(pascal);
    if (v == null) {
      v = row.get(Character.toLowerCase(pascal.charAt(0)) + pascal.substring(1));
    }
    return v == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : v;
  }

  private static BigDecimal decimal(ApiResponse r, JsonNode v, String name) throws PollException {
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isTextual()) {
      try {
        return dev.runaway.providers.http.internal.Json.parseBounded(v.asText());
      } catch (IllegalArgumentException e) { // not a number, or beyond 1e30
        // reported below
      }
    }
    throw r.unexpected("a row whose '" + name + "' is not a number");
  }

  private static Instant time(ApiResponse r, JsonNode v) throws PollException {
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    try {
      return Instant.parse(v.asText());
    } catch (DateTimeParseException e) {
      throw r.unexpected("a row whose 'ChargePeriodStart' is not an ISO-8601 time");
    }
  }

  /** {@code "Serverless Function Execution"} to {@code serverless_function_execution}, {@code GB-Seconds} to {@code gb_seconds}. */
  static String slug(String s) {
    String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    out = out.replaceAll("^_+|_+$", "");
    return out.isEmpty() ? "other" : out;
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "VercelDetector[" + service + "]";
  }
}
