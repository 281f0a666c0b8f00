package dev.runaway.providers.vercel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.HttpDetector;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.config.SettingsReader;
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
 * <p>Polls are never concurrent (the monitor's contract); the figures of the current and the
 * previous Los Angeles day are confined to them and updated only when a poll succeeds.
 */
final class VercelDetector extends HttpDetector {

  /** Vercel's day buckets start at midnight in Los Angeles (vercel.md §4.2). */
  static final ZoneId BILLING_ZONE = ZoneId.of("America/Los_Angeles");
  private static final DateTimeFormatter WIRE_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  static final String PATH = "/v1/billing/charges";

  private final String teamParam;
  private final String teamValue;
  private final Duration lateWindow;
  /** The figures of the days read, by the day's start; confined to polls, which never overlap. */
  private final Map<Instant, DayFigures> seen = new java.util.HashMap<>();

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param token the access token
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public VercelDetector(ServiceSettings settings, Secret token) {
    super(settings, Set.of("team_id", "team_slug", "token_env", "late_data_hours"));
    SettingsReader top = settings();
    this.lateWindow = Duration.ofHours(top.integer("late_data_hours", 24, 0, 168));
    String teamId = top.has("team_id") ? top.requireString("team_id", "the team's id, team_...") : null;
    String slug = top.has("team_slug") ? top.requireString("team_slug", "the team's URL slug") : null;
    if (teamId != null && slug != null) {
      throw top.error("team_slug", "give either team_id or team_slug, not both");
    }
    this.teamParam = teamId != null ? "teamId" : slug != null ? "slug" : null;
    this.teamValue = teamId != null ? teamId : slug;
    connect(clientBuilder("https://api.vercel.com").product("the Vercel API")
        .bearer(token).header("Accept", "application/jsonl").header("Accept-Encoding", "gzip")
        .credentialHint("a token with access to " + (teamValue == null ? "the personal account" : "the team")
            + "; billing charges need the Owner, Member, Developer, Security, Billing or Enterprise Viewer role")
        .check(this::check));
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
    Duration wait = Duration.between(ticker().instant(), reset);
    if (wait.isNegative()) {
      wait = Duration.ZERO;
    }
    throw new PollException(Kind.RATE_LIMITED, "the Vercel API rate-limited " + r.request() + " (HTTP 429: "
        + r.errorMessage() + "); retry in " + wait.toSeconds() + " s", wait, null);
  }

  /** What was seen of one item (a service, per project) on one Los Angeles day. */
  private static final class Acc {
    BigDecimal billed = BigDecimal.ZERO;
    BigDecimal effective = BigDecimal.ZERO;
    final Map<String, Double> units = new LinkedHashMap<>();
    final Map<String, Double> itemUnits = new LinkedHashMap<>();
  }

  /** One day's figures: per item, and the credits. */
  private static final class DayFigures {
    final Map<String, Acc> items = new LinkedHashMap<>();
    BigDecimal credits = BigDecimal.ZERO;
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    CumulativeBucket day = CumulativeBucket.day(ctx.since(), BILLING_ZONE);
    CumulativeBucket previous = CumulativeBucket.day(day.start(), BILLING_ZONE);
    // Vercel posts some charges for a day after it ended: while the day before is young enough
    // and its figures are remembered, it is read again and what it grew by is counted too.
    boolean rereadPrevious = !seen.isEmpty() && seen.containsKey(previous.start())
        && ctx.now().isBefore(day.start().plus(lateWindow));
    ApiRequest request = ApiRequest.get(PATH)
        .withQuery("from", WIRE_TIME.format(rereadPrevious ? previous.start() : day.start()))
        .withQuery("to", WIRE_TIME.format(day.readUntil(ctx.now())));
    if (teamParam != null) {
      request = request.withQuery(teamParam, teamValue);
    }
    ApiResponse response = client().send(request);
    List<JsonNode> rows = response.jsonLines();

    Map<Instant, DayFigures> read = new LinkedHashMap<>();
    read.put(day.start(), new DayFigures());
    if (rereadPrevious) {
      read.put(previous.start(), new DayFigures());
    }
    for (JsonNode row : rows) {
      if (!row.isObject()) {
        throw response.unexpected("a JSON Lines row that is not an object");
      }
      Instant start = time(response, field(row, "ChargePeriodStart"));
      DayFigures target = start == null ? read.get(day.start())
          : day.contains(start) ? read.get(day.start())
          : rereadPrevious && previous.contains(start) ? read.get(previous.start()) : null;
      if (target == null) {
        continue;
      }
      String currency = field(row, "BillingCurrency").asText("USD");
      if (!currency.equalsIgnoreCase("USD")) {
        throw client().failure(Kind.MISCONFIGURED, "the Vercel API billed in " + currency
            + "; only USD charges can be added up", null);
      }
      BigDecimal billed = decimal(response, field(row, "BilledCost"), "BilledCost");
      JsonNode eff = field(row, "EffectiveCost");
      // EffectiveCost is required by FOCUS; a row without it is valued at what was billed.
      BigDecimal effective = eff.isMissingNode() || eff.isNull() ? billed : decimal(response, eff, "EffectiveCost");
      String category = field(row, "ChargeCategory").asText("Usage");
      if (category.equalsIgnoreCase("Credit")) {
        target.credits = target.credits.add(billed.abs());
        continue;
      }
      String serviceName = field(row, "ServiceName").asText("").isBlank() ? "Vercel"
          : field(row, "ServiceName").asText();
      JsonNode tags = field(row, "Tags");
      String project = tags.path("ProjectName").asText("").isBlank() ? tags.path("ProjectId").asText("")
          : tags.path("ProjectName").asText();
      String name = project.isBlank() ? serviceName : serviceName + " (project " + project + ")";
      Acc acc = target.items.computeIfAbsent(name, k -> new Acc());
      acc.billed = acc.billed.add(billed);
      acc.effective = acc.effective.add(effective);
      JsonNode qty = field(row, "ConsumedQuantity");
      if (!qty.isMissingNode() && !qty.isNull()) {
        double q = decimal(response, qty, "ConsumedQuantity").doubleValue();
        String unit = field(row, "ConsumedUnit").asText("");
        String unitKey = unit.isBlank() ? "quantity" : slug(unit);
        acc.itemUnits.merge(unitKey, q, Double::sum);
        acc.units.merge(slug(serviceName) + "." + unitKey, q, Double::sum);
      }
    }

    // What is new: all of it on the first poll (the day so far, reported as cumulative from the
    // day's start), else what each day grew by since the previous poll.
    boolean first = seen.isEmpty();
    Cost total = Cost.ZERO;
    BigDecimal effectiveTotal = BigDecimal.ZERO;
    BigDecimal credits = BigDecimal.ZERO;
    Map<String, Double> units = new LinkedHashMap<>();
    Map<String, Cost> itemCost = new LinkedHashMap<>();
    Map<String, Map<String, Double>> itemUnits = new LinkedHashMap<>();
    for (Map.Entry<Instant, DayFigures> d : read.entrySet()) {
      DayFigures before = seen.getOrDefault(d.getKey(), new DayFigures());
      credits = credits.add(d.getValue().credits.subtract(before.credits).max(BigDecimal.ZERO));
      for (Map.Entry<String, Acc> e : d.getValue().items.entrySet()) {
        Acc now = e.getValue();
        Acc was = before.items.getOrDefault(e.getKey(), new Acc());
        Cost cost = Money.usd(now.billed.subtract(was.billed).max(BigDecimal.ZERO));
        effectiveTotal = effectiveTotal.add(now.effective.subtract(was.effective).max(BigDecimal.ZERO));
        total = total.plus(cost);
        itemCost.merge(e.getKey(), cost, Cost::plus);
        Map<String, Double> iu = itemUnits.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>());
        now.itemUnits.forEach((u, v) -> {
          double grown = Math.max(0, v - was.itemUnits.getOrDefault(u, 0.0));
          iu.merge(u, grown, Double::sum);
        });
        now.units.forEach((u, v) -> units.merge(u, Math.max(0, v - was.units.getOrDefault(u, 0.0)), Double::sum));
      }
    }
    if (credits.signum() != 0) {
      units.put("credits.usd", credits.doubleValue());
    }
    // BilledCost stays near $0 for usage drawn from a commitment: the meter judges EffectiveCost.
    units.put(UsageReport.DETECTION_COST_UNIT, effectiveTotal.doubleValue());
    List<UsageItem> items = new ArrayList<>();
    for (Map.Entry<String, Cost> e : itemCost.entrySet()) {
      items.add(new UsageItem(e.getKey(), e.getValue(), itemUnits.get(e.getKey())));
    }
    // The poll succeeded: remember the days read, forget older ones.
    seen.putAll(read);
    seen.keySet().removeIf(start -> start.isBefore(previous.start()));
    return new UsageReport(service(), first ? day.start() : ctx.since(), ctx.now(), total, units, items);
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
    return dev.runaway.providers.http.internal.Json.decimal(v)
        .orElseThrow(() -> r.unexpected("a row whose '" + name + "' is not a number"));
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

}
