package dev.runaway.providers.rest;

import com.fasterxml.jackson.core.JsonPointer;
import dev.runaway.config.ConfigException;
import dev.runaway.config.ServiceSettings;
import dev.runaway.providers.http.RateLimitPolicy;
import dev.runaway.config.SettingsReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The custom REST detector's settings, parsed and validated (custom-rest.md §5.4).
 *
 * @param method GET or POST
 * @param url the URL template
 * @param headers header templates
 * @param body the body template, or null
 * @param auth the authentication
 * @param timeout the request timeout, or null for the service-level default
 * @param successStatus statuses accepted besides 2xx
 * @param format json or jsonl
 * @param recordsPointer where the records are, or null for the whole document
 * @param timestampPointer where a record's time is, or null
 * @param timestampFormat iso, epochSeconds or epochMillis
 * @param dimensions item dimensions by name
 * @param errorPointer where an in-body error is, or null
 * @param metrics the metrics
 * @param rateLimits how back-pressure is read
 * @param pagination how pages follow
 */
record RestConfig(String method, String url, Map<String, String> headers, String body, Auth auth,
    Duration timeout, Set<Integer> successStatus, String format, JsonPointer recordsPointer,
    JsonPointer timestampPointer, String timestampFormat, Map<String, JsonPointer> dimensions,
    JsonPointer errorPointer, List<Metric> metrics, RateLimitPolicy rateLimits, Pagination pagination) {

  private static final Pattern SNAKE = Pattern.compile("[A-Z]");
  static final Pattern SECRET_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z]+)\\s*\\}\\}");
  static final Set<String> PLACEHOLDERS = Set.of("windowStart", "windowEnd", "windowStartEpoch", "windowEndEpoch",
      "windowStartEpochMillis", "windowEndEpochMillis");

  /**
   * Authentication.
   *
   * @param type none, bearer, basic, apiKeyHeader or apiKeyQuery
   * @param secretEnv the variable holding the token, password or key, or null
   * @param username the basic user name, or null
   * @param usernameEnv the variable holding the basic user name, or null
   * @param name the header or query parameter of an API key, or null
   */
  public record Auth(String type, String secretEnv, String username, String usernameEnv, String name) {}

  /**
   * One metric.
   *
   * @param name its unit name in the report
   * @param valuePointer where its value is, or null when only {@code costPointer} is given
   * @param kind windowTotal, counter or gauge
   * @param unit what the value counts, for people
   * @param costPerUnit USD per unit, or null
   * @param costPointer where a value already in USD is, or null
   */
  public record Metric(String name, JsonPointer valuePointer, String kind, String unit, BigDecimal costPerUnit,
      JsonPointer costPointer) {}

  /**
   * Pagination.
   *
   * @param type none, pageNumber, cursor or linkHeader
   * @param param the page-number or cursor parameter
   * @param sizeParam the page-size parameter, or null
   * @param size the page size
   * @param start the first page number
   * @param pointer the cursor's pointer
   */
  public record Pagination(String type, String param, String sizeParam, int size, int start, JsonPointer pointer) {}

  /**
   * Parses and validates the settings.
   *
   * @param settings the service's settings
   * @return the config
   * @throws dev.runaway.config.ConfigException naming the offending key
   */
  public static RestConfig parse(ServiceSettings settings) {
    // One spelling per provider: snake_case, like every other setting; the camelCase of the first
    // releases is still read, with a deprecation WARN naming where it is written.
    SettingsReader top = snakeCase(settings.reader(), "rateLimit");
    top.allowOnly(Set.of("type", "id", "request", "response", "metrics", "rate_limit", "pagination",
        "allow_insecure_http", "timeout_seconds", "connect_timeout_seconds", "max_pages", "max_body_bytes"));
    if (!top.has("request")) {
      throw top.error("request", "is required: the request to send ({\"method\": \"GET\", \"url\": \"https://...\"})");
    }
    SettingsReader req = snakeCase(top.object("request"), "timeoutSeconds", "successStatus")
        .allowOnly(Set.of("method", "url", "headers", "body", "auth", "timeout_seconds", "success_status"));
    String method = req.choice("method", "GET", List.of("GET", "POST"));
    String url = req.requireString("url", "the API's URL, with {{windowStart}}/{{windowEnd}} where the span goes");
    checkPlaceholders(req, "url", url);
    Map<String, String> headers = req.stringMap("headers");
    String body = req.string("body").orElse(null);
    if (body != null) {
      if (method.equals("GET")) {
        throw req.error("body", "is only sent with \"method\": \"POST\"");
      }
      checkPlaceholders(req, "body", body);
    }
    Auth auth = auth(snakeCase(req.object("auth"), "tokenEnv", "usernameEnv", "passwordEnv", "keyEnv"));
    Duration timeout = req.nonNegativeDecimal("timeout_seconds").map(d -> {
      if (d.signum() == 0 || d.compareTo(BigDecimal.valueOf(3600)) > 0) {
        throw req.error("timeout_seconds", "must be more than 0 and at most 3600, got " + d.toPlainString());
      }
      return Duration.ofNanos(d.movePointRight(9).longValue());
    }).orElse(null);
    Set<Integer> success = new LinkedHashSet<>(req.integers("success_status"));
    for (int s : success) {
      if (s < 100 || s > 599) {
        throw req.error("success_status", "must hold HTTP statuses (100-599), got " + s);
      }
    }

    SettingsReader res = snakeCase(top.object("response"), "recordsPointer", "timestampPointer",
        "timestampFormat", "errorPointer").allowOnly(Set.of("format", "records_pointer", "timestamp_pointer",
        "timestamp_format", "dimensions", "error_pointer"));
    String format = res.choice("format", "json", List.of("json", "jsonl"));
    JsonPointer records = pointer(res, "records_pointer");
    JsonPointer timestamp = pointer(res, "timestamp_pointer");
    String tsFormat = res.choice("timestamp_format", "iso", List.of("iso", "epochSeconds", "epochMillis"));
    Map<String, JsonPointer> dimensions = new LinkedHashMap<>();
    SettingsReader dims = res.object("dimensions");
    for (String k : dims.keys()) {
      dimensions.put(k, pointer(dims, k));
    }
    JsonPointer error = pointer(res, "error_pointer");

    List<SettingsReader> metricReaders = top.objects("metrics");
    if (metricReaders.isEmpty()) {
      throw top.error("metrics", "is required: at least one {\"name\": ..., \"value_pointer\": \"/count\"}");
    }
    List<Metric> metrics = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (SettingsReader read : metricReaders) {
      SettingsReader m = snakeCase(read, "valuePointer", "costPerUnit", "costPointer");
      m.allowOnly(Set.of("name", "value_pointer", "kind", "unit", "cost_per_unit", "cost_pointer"));
      String name = m.requireString("name", "the metric's name, such as \"requests\"");
      if (!names.add(name)) {
        throw m.error("name", "is used by another metric; names must be unique");
      }
      JsonPointer value = pointer(m, "value_pointer");
      JsonPointer costPointer = pointer(m, "cost_pointer");
      BigDecimal costPerUnit = m.nonNegativeDecimal("cost_per_unit").orElse(null);
      String kind = m.choice("kind", "windowTotal", List.of("windowTotal", "counter", "gauge"));
      if (value == null && costPointer == null) {
        throw m.error("value_pointer", "is required unless cost_pointer is given");
      }
      if (costPerUnit != null && costPointer != null) {
        throw m.error("cost_per_unit", "cannot be combined with cost_pointer; give one of them");
      }
      if (costPerUnit != null && value == null) {
        throw m.error("cost_per_unit", "needs a value_pointer to multiply");
      }
      if (kind.equals("gauge") && (costPerUnit != null || costPointer != null)) {
        throw m.error("kind", "a gauge is a level and carries no cost; use windowTotal or counter for costs");
      }
      metrics.add(new Metric(name, value, kind, m.string("unit").orElse(name), costPerUnit, costPointer));
    }

    SettingsReader rl = snakeCase(top.object("rate_limit"), "remainingHeader", "resetHeader", "resetFormat",
        "retryAfterHeader").allowOnly(Set.of("remaining_header", "reset_header", "reset_format",
        "retry_after_header"));
    RateLimitPolicy.Builder policy = RateLimitPolicy.builder();
    rl.string("remaining_header").ifPresent(policy::remainingHeader);
    rl.string("reset_header").ifPresent(policy::resetHeader);
    rl.string("retry_after_header").ifPresent(policy::retryAfterHeader);
    switch (rl.choice("reset_format", "epochSeconds", List.of("secondsRemaining", "epochSeconds", "epochMillis",
        "rfc1123"))) {
      case "secondsRemaining":
        policy.resetFormat(RateLimitPolicy.ResetFormat.SECONDS_REMAINING);
        break;
      case "epochMillis":
        policy.resetFormat(RateLimitPolicy.ResetFormat.EPOCH_MILLIS);
        break;
      case "rfc1123":
        policy.resetFormat(RateLimitPolicy.ResetFormat.HTTP_DATE);
        break;
      default:
        policy.resetFormat(RateLimitPolicy.ResetFormat.EPOCH_SECONDS);
    }

    SettingsReader pg = snakeCase(top.object("pagination"), "sizeParam");
    String pType = pg.choice("type", "none", List.of("none", "pageNumber", "cursor", "linkHeader"));
    if (format.equals("jsonl") && (pType.equals("pageNumber") || pType.equals("cursor"))) {
      throw pg.error("type", "JSON Lines responses page only with \"linkHeader\" or \"none\"");
    }
    Pagination pagination;
    switch (pType) {
      case "pageNumber":
        pg.allowOnly(Set.of("type", "param", "size_param", "size", "start"));
        pagination = new Pagination(pType, pg.string("param").orElse("page"), pg.string("size_param").orElse(null),
            pg.integer("size", 100, 1, 10_000), pg.integer("start", 1, 0, 1), null);
        break;
      case "cursor":
        pg.allowOnly(Set.of("type", "pointer", "param"));
        JsonPointer p = pointer(pg, "pointer");
        if (p == null) {
          throw pg.error("pointer", "is required for cursor pagination: where the next cursor is, such as \"/next\"");
        }
        pagination = new Pagination(pType, pg.requireString("param", "the query parameter taking the cursor"),
            null, 0, 0, p);
        break;
      default:
        pg.allowOnly(Set.of("type"));
        pagination = new Pagination(pType, null, null, 0, 0, null);
    }
    return new RestConfig(method, url, Map.copyOf(headers), body, auth, timeout, Set.copyOf(success), format,
        records, timestamp, tsFormat, java.util.Collections.unmodifiableMap(dimensions), error, List.copyOf(metrics),
        policy.build(), pagination);
  }

  /**
   * Returns the names of every secret the settings refer to, without validating the rest.
   *
   * @param settings the settings
   * @return the names
   */
  public static List<String> secretNames(ServiceSettings settings) {
    RestConfig c;
    try {
      c = parse(settings);
    } catch (ConfigException e) {
      // A mistake elsewhere (a misspelt metric key) must not hide the credentials the request
      // names: check then reported the mistake without the missing credential beside it.
      return writtenSecretNames(settings.values());
    }
    Set<String> names = new LinkedHashSet<>();
    collect(c.url, names);
    c.headers.values().forEach(v -> collect(v, names));
    if (c.body != null) {
      collect(c.body, names);
    }
    if (c.auth.usernameEnv() != null) {
      names.add(c.auth.usernameEnv());
    }
    if (c.auth.secretEnv() != null) {
      names.add(c.auth.secretEnv());
    }
    return List.copyOf(names);
  }

  /** The variables named where the request is written, read without validating anything. */
  private static List<String> writtenSecretNames(Map<String, Object> values) {
    Set<String> names = new LinkedHashSet<>();
    if (values.get("request") instanceof Map<?, ?> req) {
      collect(String.valueOf(req.get("url")), names);
      collect(String.valueOf(req.get("body")), names);
      if (req.get("headers") instanceof Map<?, ?> headers) {
        headers.values().forEach(v -> collect(String.valueOf(v), names));
      }
      if (req.get("auth") instanceof Map<?, ?> auth) {
        for (String key : List.of("username_env", "usernameEnv", "token_env", "tokenEnv", "password_env",
            "passwordEnv", "key_env", "keyEnv")) {
          if (auth.get(key) instanceof String name && !name.isBlank()) {
            names.add(name);
          }
        }
      }
    }
    return List.copyOf(names);
  }

  static void collect(String template, Set<String> names) {
    Matcher m = SECRET_REF.matcher(template);
    while (m.find()) {
      names.add(m.group(1));
    }
  }

  private static Auth auth(SettingsReader a) {
    String type = a.choice("type", "none", List.of("none", "bearer", "basic", "apiKeyHeader", "apiKeyQuery",
        "digest", "oauth2ClientCredentials"));
    switch (type) {
      case "none":
        a.allowOnly(Set.of("type"));
        return new Auth(type, null, null, null, null);
      case "bearer":
        a.allowOnly(Set.of("type", "token_env"));
        return new Auth(type, a.requireString("token_env", "the environment variable holding the token"), null, null,
            null);
      case "basic":
        a.allowOnly(Set.of("type", "username", "username_env", "password_env"));
        if (a.has("username") == a.has("username_env")) {
          throw a.error("username", "give exactly one of username and username_env");
        }
        return new Auth(type, a.requireString("password_env", "the environment variable holding the password"),
            a.string("username").orElse(null), a.string("username_env").orElse(null), null);
      case "apiKeyHeader":
      case "apiKeyQuery":
        a.allowOnly(Set.of("type", "name", "key_env"));
        return new Auth(type, a.requireString("key_env", "the environment variable holding the key"), null, null,
            a.requireString("name", type.equals("apiKeyHeader") ? "the header carrying the key, such as X-Api-Key"
                : "the query parameter carrying the key, such as api_key"));
      default:
        throw a.error("type", type + " is not supported by the rest detector yet; use bearer, basic, "
            + "apiKeyHeader, apiKeyQuery or none, or a header with a ${SECRET} reference");
    }
  }

  /** Reads each camelCase key of the first releases as its snake_case spelling, warning once per parse. */
  private static SettingsReader snakeCase(SettingsReader r, String... camelKeys) {
    SettingsReader out = r;
    for (String old : camelKeys) {
      out = out.renamed(old, SNAKE.matcher(old).replaceAll(m -> "_" + m.group().toLowerCase(java.util.Locale.ROOT)));
    }
    return out;
  }

  private static JsonPointer pointer(SettingsReader r, String key) {
    String s = r.string(key).orElse(null);
    if (s == null) {
      return null;
    }
    try {
      return JsonPointer.compile(s);
    } catch (IllegalArgumentException e) {
      throw r.error(key, "must be a JSON Pointer (RFC 6901) such as \"/data/0/count\", starting with /");
    }
  }

  private static void checkPlaceholders(SettingsReader r, String key, String template) {
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        throw r.error(key, "has an unknown placeholder {{" + m.group(1) + "}}; known: " + new java.util.TreeSet<>(
            PLACEHOLDERS));
      }
    }
  }
}
