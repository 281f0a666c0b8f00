package dev.runaway.providers.supabase;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
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
import dev.runaway.providers.http.RateLimitPolicy;
import dev.runaway.providers.http.internal.StandIns;
import dev.runaway.config.SettingsReader;
import dev.runaway.providers.internal.CumulativeBucket;
import dev.runaway.providers.internal.Money;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Supabase detector; see {@link dev.runaway.providers.supabase.SupabaseDetectorProvider}.
 *
 * <p>Polls are never concurrent (the monitor's contract); the detector keeps no memory between
 * them.
 */
final class SupabaseDetector extends HttpDetector {

  private static final Logger LOG = LoggerFactory.getLogger(SupabaseDetector.class);

  /** The request kinds of {@code usage.api-counts}, in report order, with their wire fields. */
  private static final String[][] KINDS = {
      {"rest", "total_rest_requests"}, {"auth", "total_auth_requests"},
      {"realtime", "total_realtime_requests"}, {"storage", "total_storage_requests"}};
  private static final Pattern PROJECT_REF = Pattern.compile("[a-z]{20}");
  /** The project of a settings check made without {@code SUPABASE_URL}; never polled. */
  private static final String STAND_IN_REF = "a".repeat(20);
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  /** The usage endpoints allow 30 requests a minute (supabase.md §1.3). */
  static final int REQUESTS_PER_MINUTE = 30;

  private final String countsPath;
  private final String totalPath;
  private final Map<String, BigDecimal> pricePerMillion;

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param secrets where the token (and, without {@code project_ref}, the project URL) is
   * @throws ConfigException if a setting or credential is missing or invalid
   */
  public SupabaseDetector(ServiceSettings settings, SecretSource secrets) {
    super(settings, Set.of("project_ref", "token_env", "url_env", "price_per_million_requests"));
    SettingsReader top = settings();
    SettingsReader prices = top.object("price_per_million_requests")
        .allowOnly(Set.of("rest", "auth", "realtime", "storage"));
    Map<String, BigDecimal> p = new LinkedHashMap<>();
    for (String[] k : KINDS) {
      p.put(k[0], prices.nonNegativeDecimal(k[0]).orElse(BigDecimal.ZERO));
    }
    this.pricePerMillion = Map.copyOf(p);
    Secret token = secrets.require(tokenEnv(settings));
    String ref = projectRef(settings, top, secrets);
    String base = "/v1/projects/" + ref + "/analytics/endpoints/";
    this.countsPath = base + "usage.api-counts";
    this.totalPath = base + "usage.api-requests-count";
    connect(clientBuilder("https://api.supabase.com")
        .product("the Supabase Management API").bearer(token)
        .credentialHint("a personal access token (sbp_...) or OAuth token with analytics_usage_read on project "
            + ref)
        .rateLimits(RateLimitPolicy.builder().resetFormat(RateLimitPolicy.ResetFormat.SECONDS_REMAINING).build())
        .requestLimit(REQUESTS_PER_MINUTE, Duration.ofMinutes(1))
        .check(SupabaseDetector::check));
    if (p.values().stream().allMatch(v -> v.signum() == 0)) {
      LOG.info("{}: no price_per_million_requests configured; Supabase bills no price per API request, so the "
          + "reported cost stays $0 and the request counts drive spike detection", service());
    }
  }

  /**
   * Returns the variables a configuration needs.
   *
   * @param settings the service's settings
   * @return the token variable, and the project URL variable unless {@code project_ref} is set
   */
  public static List<String> secretNames(ServiceSettings settings) {
    List<String> out = new ArrayList<>();
    out.add(tokenEnv(settings));
    if (settings.string("project_ref").isEmpty()) {
      out.add(settings.string("url_env").orElse("SUPABASE_URL"));
    }
    return List.copyOf(out);
  }

  private static String tokenEnv(ServiceSettings settings) {
    return settings.string("token_env").orElse("SUPABASE_ACCESS_TOKEN");
  }

  private static String projectRef(ServiceSettings settings, SettingsReader top, SecretSource secrets) {
    if (top.has("project_ref")) {
      String ref = top.requireString("project_ref", "the project's reference id");
      if (!PROJECT_REF.matcher(ref).matches()) {
        throw top.error("project_ref", "must be a Supabase project reference: 20 lower-case letters");
      }
      return ref;
    }
    String env = settings.string("url_env").orElse("SUPABASE_URL");
    Secret url = secrets.require(env);
    if (StandIns.isStandIn(url)) {
      return STAND_IN_REF; // a settings check without the credentials: the project is known only from the real URL
    }
    String host;
    try {
      host = new URI(url.reveal().trim()).getHost();
    } catch (URISyntaxException e) {
      host = null;
    }
    String label = host == null ? "" : host.toLowerCase(Locale.ROOT);
    int dot = label.indexOf('.');
    String ref = dot < 0 ? "" : label.substring(0, dot);
    if (!label.endsWith(".supabase.co") || !PROJECT_REF.matcher(ref).matches()) {
      throw new ConfigException(settings.file().orElse(null), settings.pathOf("project_ref"), 0, 0,
          "is required: " + env + " does not look like a project URL https://<20-letter ref>.supabase.co (a custom "
              + "domain hides the reference), so set project_ref to the project's reference id", null);
    }
    return ref;
  }

  private static void check(ApiResponse r) throws PollException {
    if (r.status() != 200) {
      return;
    }
    JsonNode body;
    try {
      body = r.json();
    } catch (PollException e) {
      return; // the caller's own parse reports it
    }
    JsonNode error = body.path("error");
    if (error.isMissingNode() || error.isNull() || (error.isTextual() && error.asText().isBlank())
        || (error.isContainerNode() && error.size() == 0)) {
      return;
    }
    String message;
    Kind kind = Kind.BAD_RESPONSE;
    if (error.isObject()) {
      int code = error.path("code").asInt(0);
      message = error.path("message").asText("(no message)") + " (" + error.path("status").asText("no status")
          + (code == 0 ? "" : ", code " + code) + ")";
      if (code == 401 || code == 403) {
        kind = Kind.UNAUTHORIZED;
      } else if (code == 429) {
        kind = Kind.RATE_LIMITED;
      } else if (code >= 500 || "UNAVAILABLE".equals(error.path("status").asText())) {
        kind = Kind.UNAVAILABLE;
      }
    } else {
      message = error.asText();
    }
    if (message.length() > 300) {
      message = message.substring(0, 300) + "...";
    }
    throw new PollException(kind, "Supabase reported an error inside its HTTP 200 answer to " + r.request() + ": "
        + message, kind == Kind.RATE_LIMITED ? Duration.ofMinutes(1) : null, null);
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    CumulativeBucket day = CumulativeBucket.day(ctx.since(), ZoneOffset.UTC);
    Instant until = day.readUntil(ctx.now());
    Duration lookBack = Duration.between(day.start(), ctx.now());
    String interval = lookBack.compareTo(Duration.ofHours(23)) <= 0 ? "1day" : "3day";

    ApiResponse counts = client().send(ApiRequest.get(countsPath).withQuery("interval", interval));
    JsonNode result = counts.json().path("result");
    if (!result.isArray() && !result.isMissingNode() && !result.isNull()) {
      throw counts.unexpected("'result' is not an array");
    }
    Map<String, BigDecimal> sums = new LinkedHashMap<>();
    for (String[] k : KINDS) {
      sums.put(k[0], BigDecimal.ZERO);
    }
    if (result.isArray()) {
      for (JsonNode bucket : result) {
        Instant at = timestamp(counts, bucket.path("timestamp"));
        if (!day.contains(at) || !at.isBefore(until)) {
          continue;
        }
        boolean any = false;
        for (String[] k : KINDS) {
          JsonNode v = bucket.path(k[1]);
          if (v.isNumber()) {
            sums.merge(k[0], v.decimalValue(), BigDecimal::add);
            any = true;
          } else if (!v.isMissingNode() && !v.isNull()) {
            throw counts.unexpected("'" + k[1] + "' is not a number");
          }
        }
        if (!any) {
          throw counts.unexpected("a bucket without any of the total_*_requests counts");
        }
      }
    }

    ApiResponse total = client().send(ApiRequest.get(totalPath));
    JsonNode totalResult = total.json().path("result");
    double reportedTotal = 0;
    if (totalResult.isArray() && totalResult.size() > 0) {
      JsonNode count = totalResult.get(0).path("count");
      if (!count.isNumber()) {
        throw total.unexpected("'result[0].count' is not a number");
      }
      reportedTotal = count.doubleValue();
    } else if (!totalResult.isArray() && !totalResult.isMissingNode() && !totalResult.isNull()) {
      throw total.unexpected("'result' is not an array");
    }

    Map<String, Double> units = new LinkedHashMap<>();
    List<UsageItem> items = new ArrayList<>();
    BigDecimal all = BigDecimal.ZERO;
    Cost cost = Cost.ZERO;
    units.put("requests", 0.0);
    for (String[] k : KINDS) {
      BigDecimal n = sums.get(k[0]);
      Cost c = Money.times(n, pricePerMillion.get(k[0]).divide(MILLION));
      all = all.add(n);
      cost = cost.plus(c);
      units.put("requests." + k[0], n.doubleValue());
      items.add(new UsageItem(k[0], c, Map.of("requests", n.doubleValue())));
    }
    units.put("requests", all.doubleValue());
    units.put("requests.reported_total", reportedTotal);
    return new UsageReport(service(), day.start(), ctx.now(), cost, units, items);
  }

  /** Reads a bucket time: ISO-8601 with or without zone (UTC then), or epoch seconds, millis or micros. */
  private static Instant timestamp(ApiResponse r, JsonNode t) throws PollException {
    if (t.isNumber()) {
      long v = t.asLong();
      if (Math.abs(v) >= 100_000_000_000_000L) {
        return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1000L);
      }
      return Math.abs(v) >= 100_000_000_000L ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
    }
    String s = t.asText("");
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw r.unexpected("a bucket whose 'timestamp' is not a time");
      }
    }
  }

}
