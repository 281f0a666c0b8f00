package dev.runaway.providers.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.HttpDetector;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.Paginator;
import dev.runaway.providers.http.internal.StandIns;
import dev.runaway.providers.internal.Money;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Polls one configured REST API and turns the values its config points at into a report.
 *
 * <p>Polls are not concurrent (the monitor's contract); the counter memory is confined to them.
 */
final class RestDetector extends HttpDetector {

  /** The URL checked in place of one made with a stand-in credential; never polled. */
  private static final String STAND_IN_URL = "https://stand-in.invalid/";

  private final RestConfig config;
  private final String pathTemplate;
  private final String bodyTemplate;
  private final Secret queryKey;
  private final Map<String, BigDecimal> counters = new HashMap<>();

  /**
   * Creates the detector, resolving every secret reference now.
   *
   * @param config the parsed config
   * @param settings the service's settings
   * @param secrets where the secrets are
   * @throws ConfigException if a secret is missing or the URL is invalid
   */
  public RestDetector(RestConfig config, ServiceSettings settings, SecretSource secrets) {
    super(settings);
    this.config = config;
    List<Secret> referenced = new ArrayList<>();
    String url = resolveSecrets(config.url(), secrets, referenced);
    if (referenced.stream().anyMatch(StandIns::isStandIn)) {
      // A settings check without the credentials: a URL made with a variable's value (a whole base
      // URL, a port) is known only with the real value, so it is not checked against a stand-in.
      url = STAND_IN_URL;
    }
    int schemeEnd = url.indexOf("://");
    int pathStart = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 3);
    int queryStart = url.indexOf('?', Math.max(0, schemeEnd + 3));
    int originEnd = pathStart < 0 ? (queryStart < 0 ? url.length() : queryStart)
        : (queryStart >= 0 && queryStart < pathStart ? queryStart : pathStart);
    if (schemeEnd < 0) {
      throw settings.error("request.url", "must be an absolute http or https URL");
    }
    checkUrl(settings, url);
    URI origin = URI.create(url.substring(0, originEnd));
    String rest = url.substring(originEnd);
    this.pathTemplate = rest;
    this.bodyTemplate = config.body() == null ? null : resolveSecrets(config.body(), secrets, referenced);
    ApiClient.Builder b = ApiClient.builder().service(service()).product(service() + "'s API").baseUrl(origin)
        .timeoutsFrom(settings).rateLimits(config.rateLimits()).ticker(ticker());
    if (config.timeout() != null) {
      b.requestTimeout(config.timeout());
    }
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      b.header(h.getKey(), resolveSecrets(h.getValue(), secrets, referenced));
    }
    for (Secret s : referenced) {
      b.credential(s);
    }
    RestConfig.Auth auth = config.auth();
    Secret key = null;
    switch (auth.type()) {
      case "bearer":
        b.bearer(secrets.require(auth.secretEnv()));
        break;
      case "basic":
        String user = auth.username() != null ? auth.username() : secrets.require(auth.usernameEnv()).reveal();
        b.basicAuth(user, secrets.require(auth.secretEnv()));
        break;
      case "apiKeyHeader":
        Secret hk = secrets.require(auth.secretEnv());
        b.credential(hk).header(auth.name(), hk.reveal());
        break;
      case "apiKeyQuery":
        key = secrets.require(auth.secretEnv());
        b.credential(key);
        break;
      default:
        break;
    }
    this.queryKey = key;
    connect(b);
  }

  private static String resolveSecrets(String template, SecretSource secrets, List<Secret> referenced) {
    Matcher m = RestConfig.SECRET_REF.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      Secret s = secrets.require(m.group(1));
      if (!referenced.contains(s)) {
        referenced.add(s);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(s.reveal()));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * Checks that the URL is valid with its placeholders filled, so that a bad value (such as a
   * substituted secret holding a space) fails now, naming the setting, and never at poll time
   * with a URL (and any key) in the message. Neither the URL nor its parts are quoted.
   */
  private static void checkUrl(ServiceSettings settings, String resolvedUrl) {
    Instant sample = Instant.EPOCH;
    PollContext ctx = PollContext.of(sample, sample.plusSeconds(1), java.time.Duration.ofSeconds(1),
        dev.runaway.Ticker.system(), true);
    int q = resolvedUrl.indexOf('?');
    String filled = fill(q < 0 ? resolvedUrl : resolvedUrl.substring(0, q), ctx);
    try {
      new URI(filled);
    } catch (java.net.URISyntaxException e) {
      throw settings.error("request.url", "is not a valid URL once its ${...} references are filled in: "
          + e.getReason() + " at index " + e.getIndex() + " (the URL is not shown: it may hold a secret; a value"
          + " substituted into a URL must not hold spaces or other characters a URL cannot hold)");
    }
    if (q >= 0) {
      for (String pair : fill(resolvedUrl.substring(q + 1), ctx).split("&")) {
        try {
          URLDecoder.decode(pair, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          // URLDecoder quotes its input, which may hold a secret: report without it.
          throw settings.error("request.url", "has a query parameter with a malformed %-escape (the URL is not"
              + " shown: it may hold a secret)");
        }
      }
    }
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    List<ApiResponse> pages = client().pages(firstRequest(ctx), paginator());
    List<JsonNode> records = new ArrayList<>();
    for (ApiResponse page : pages) {
      List<JsonNode> docs = config.format().equals("jsonl") ? page.jsonLines() : List.of(page.json());
      for (JsonNode doc : docs) {
        checkError(page, doc);
        addRecords(page, doc, records);
      }
    }
    return evaluate(ctx, filterByTime(pages.get(0), records, ctx));
  }

  private ApiRequest firstRequest(PollContext ctx) {
    String target = fill(pathTemplate, ctx);
    String path = target;
    String query = null;
    int q = target.indexOf('?');
    if (q >= 0) {
      path = target.substring(0, q);
      query = target.substring(q + 1);
    }
    ApiRequest r = ApiRequest.of(config.method(), path, bodyTemplate == null ? null : fill(bodyTemplate, ctx));
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        r = r.withQuery(name, value);
      }
    }
    if (queryKey != null) {
      r = r.withQuery(config.auth().name(), queryKey.reveal());
    }
    RestConfig.Pagination p = config.pagination();
    if (p.type().equals("pageNumber")) {
      r = r.replacingQuery(p.param(), p.start());
      if (p.sizeParam() != null) {
        r = r.replacingQuery(p.sizeParam(), p.size());
      }
    }
    if (!config.successStatus().isEmpty()) {
      r = r.accepting(config.successStatus());
    }
    return r;
  }

  private Paginator paginator() {
    RestConfig.Pagination p = config.pagination();
    switch (p.type()) {
      case "pageNumber":
        return Paginator.pageNumber(p.param(), p.start(),
            config.recordsPointer() == null ? "" : config.recordsPointer().toString(), p.size());
      case "cursor":
        return Paginator.cursor(p.param(), p.pointer().toString(), null);
      case "linkHeader":
        return Paginator.linkHeader();
      default:
        return Paginator.none();
    }
  }

  private static String fill(String template, PollContext ctx) {
    Matcher m = RestConfig.PLACEHOLDER.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v;
      switch (m.group(1)) {
        case "windowStart":
          v = ctx.since().toString();
          break;
        case "windowEnd":
          v = ctx.now().toString();
          break;
        case "windowStartEpoch":
          v = Long.toString(ctx.since().getEpochSecond());
          break;
        case "windowEndEpoch":
          v = Long.toString(ctx.now().getEpochSecond());
          break;
        case "windowStartEpochMillis":
          v = Long.toString(ctx.since().toEpochMilli());
          break;
        case "windowEndEpochMillis":
          v = Long.toString(ctx.now().toEpochMilli());
          break;
        default:
          throw new AssertionError(m.group(1));
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private void checkError(ApiResponse page, JsonNode doc) throws PollException {
    if (config.errorPointer() == null) {
      return;
    }
    JsonNode e = doc.at(config.errorPointer());
    boolean empty = e.isMissingNode() || e.isNull() || (e.isBoolean() && !e.asBoolean())
        || ((e.isArray() || e.isObject()) && e.size() == 0) || (e.isTextual() && e.asText().isEmpty());
    if (!empty) {
      String text = e.toString();
      if (text.length() > 300) {
        text = text.substring(0, 300) + "...";
      }
      throw client().failure(PollException.Kind.BAD_RESPONSE, service() + "'s API reported an error at '"
          + config.errorPointer() + "' (HTTP " + page.status() + "): " + text, null);
    }
  }

  private void addRecords(ApiResponse page, JsonNode doc, List<JsonNode> records) throws PollException {
    if (config.recordsPointer() == null) {
      records.add(doc);
      return;
    }
    JsonNode r = doc.at(config.recordsPointer());
    if (r.isMissingNode() || r.isNull()) {
      return;
    }
    if (!r.isArray()) {
      throw page.unexpected("'" + config.recordsPointer() + "' is not an array");
    }
    r.forEach(records::add);
  }

  private List<JsonNode> filterByTime(ApiResponse page, List<JsonNode> records, PollContext ctx)
      throws PollException {
    if (config.timestampPointer() == null) {
      return records;
    }
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : records) {
      JsonNode t = r.at(config.timestampPointer());
      Instant at;
      try {
        switch (config.timestampFormat()) {
          case "epochSeconds":
            at = Instant.ofEpochSecond(t.asLong(Long.MIN_VALUE));
            break;
          case "epochMillis":
            at = Instant.ofEpochMilli(t.asLong(Long.MIN_VALUE));
            break;
          default:
            at = Instant.parse(t.asText());
        }
      } catch (java.time.DateTimeException | ArithmeticException e) {
        throw page.unexpected("a record's '" + config.timestampPointer() + "' is not a " + config.timestampFormat()
            + " time");
      }
      if (!t.isValueNode()) {
        throw page.unexpected("a record has no time at '" + config.timestampPointer() + "'");
      }
      if (!at.isBefore(ctx.since()) && at.isBefore(ctx.now())) {
        out.add(r);
      }
    }
    return out;
  }

  private UsageReport evaluate(PollContext ctx, List<JsonNode> records) throws PollException {
    Map<String, Map<String, BigDecimal[]>> sums = new LinkedHashMap<>();
    Set<String> dimKeys = new LinkedHashSet<>();
    for (JsonNode r : records) {
      String dim = dimensionKey(r);
      dimKeys.add(dim);
      for (RestConfig.Metric m : config.metrics()) {
        BigDecimal[] acc = sums.computeIfAbsent(m.name(), k -> new LinkedHashMap<>())
            .computeIfAbsent(dim, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        if (m.valuePointer() != null) {
          acc[0] = acc[0].add(number(r, m.valuePointer().toString()));
        }
        if (m.costPointer() != null) {
          acc[1] = acc[1].add(number(r, m.costPointer().toString()));
        }
      }
    }
    Map<String, Double> units = new LinkedHashMap<>();
    Map<String, Map<String, Double>> itemUnits = new LinkedHashMap<>();
    Map<String, Cost> itemCost = new LinkedHashMap<>();
    Map<String, BigDecimal> staged = new HashMap<>();
    Cost total = Cost.ZERO;
    for (RestConfig.Metric m : config.metrics()) {
      units.put(m.name(), 0.0);
      for (Map.Entry<String, BigDecimal[]> e : sums.getOrDefault(m.name(), Map.of()).entrySet()) {
        String dim = e.getKey();
        BigDecimal value = e.getValue()[0];
        BigDecimal money = e.getValue()[1];
        if (m.kind().equals("counter")) {
          value = growth(staged, m.name() + "\u0000v\u0000" + dim, value);
          money = growth(staged, m.name() + "\u0000c\u0000" + dim, money);
        }
        Cost cost = Cost.ZERO;
        if (m.costPerUnit() != null) {
          cost = Money.times(value, m.costPerUnit());
        } else if (m.costPointer() != null) {
          cost = Money.usd(money);
        }
        double shown = m.valuePointer() != null ? value.doubleValue() : money.doubleValue();
        units.merge(m.name(), shown, Double::sum);
        total = total.plus(cost);
        itemUnits.computeIfAbsent(dim, k -> new LinkedHashMap<>()).merge(m.name(), shown, Double::sum);
        itemCost.merge(dim, cost, Cost::plus);
      }
    }
    List<UsageItem> items = new ArrayList<>();
    if (!config.dimensions().isEmpty()) {
      for (String dim : dimKeys) {
        items.add(new UsageItem(dim, itemCost.getOrDefault(dim, Cost.ZERO), itemUnits.get(dim)));
      }
    }
    UsageReport report = new UsageReport(service(), ctx.since(), ctx.now(), total, units, items);
    // Remembered only now: a poll that fails before returning its report (an amount out of range)
    // leaves the counters as they were, so the retry counts the same growth.
    counters.putAll(staged);
    return report;
  }

  private BigDecimal growth(Map<String, BigDecimal> staged, String key, BigDecimal current) {
    staged.put(key, current);
    BigDecimal previous = counters.get(key);
    if (previous == null) {
      return BigDecimal.ZERO;
    }
    return current.compareTo(previous) >= 0 ? current.subtract(previous) : current;
  }

  private String dimensionKey(JsonNode record) {
    if (config.dimensions().isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, com.fasterxml.jackson.core.JsonPointer> d : config.dimensions().entrySet()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      JsonNode v = record.at(d.getValue());
      sb.append(d.getKey()).append('=').append(v.isMissingNode() || v.isNull() ? "-" : v.asText());
    }
    return sb.toString();
  }

  private BigDecimal number(JsonNode record, String pointer) throws PollException {
    JsonNode v = record.at(pointer);
    if (v.isMissingNode() || v.isNull()) {
      return BigDecimal.ZERO;
    }
    return dev.runaway.providers.http.internal.Json.decimal(v).orElseThrow(() -> client().failure(
        PollException.Kind.BAD_RESPONSE, "the value at '" + pointer + "' is not a number", null));
  }

}
