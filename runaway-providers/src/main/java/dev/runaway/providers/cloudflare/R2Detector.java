package dev.runaway.providers.cloudflare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.runaway.providers.http.RateLimitPolicy;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.config.SettingsReader;
import dev.runaway.providers.internal.CumulativeBucket;
import dev.runaway.providers.internal.Money;
import dev.runaway.internal.WarnOnce;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * The Cloudflare R2 detector; see
 * {@link dev.runaway.providers.cloudflare.CloudflareR2DetectorProvider}.
 *
 * <p>Polls are never concurrent (the monitor's contract); the detector keeps no memory between
 * them.
 */
final class R2Detector extends HttpDetector {

  private static final WarnOnce UNKNOWN_ACTIONS = new WarnOnce(LoggerFactory.getLogger(R2Detector.class));
  private static final int MAX_LIMIT = 10_000;
  private static final int MAX_PAGES = 100;
  /** The datasets keep 31 days (cloudflare-r2.md §2.1: "cannot request data older than 2678400s"). */
  private static final Duration RETENTION = Duration.ofDays(31).minusMinutes(1);
  private static final Duration BUDGET_WAIT = Duration.ofMinutes(5);
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final BigDecimal BYTES_PER_GB = BigDecimal.valueOf(1_000_000_000L);
  private static final BigDecimal NANOS_PER_DAY = BigDecimal.valueOf(Duration.ofDays(1).toNanos());
  private static final BigDecimal DAYS_PER_MONTH = BigDecimal.valueOf(30);
  private static final int SCALE = 18;

  /** One of the two datasets a poll reads. */
  private enum Dataset {
    OPS("ops", "r2OperationsAdaptiveGroups", "orderBy: [bucketName_ASC, actionType_ASC]",
        "sum { requests } dimensions { actionType actionStatus responseStatusCode bucketName }"),
    STORAGE("storage", "r2StorageAdaptiveGroups", "orderBy: [bucketName_ASC, datetime_ASC]",
        "max { payloadSize metadataSize objectCount uploadCount } dimensions { bucketName datetime }");

    final String alias;
    final String field;
    final String order;
    final String selection;

    Dataset(String alias, String field, String order, String selection) {
      this.alias = alias;
      this.field = field;
      this.order = order;
      this.selection = selection;
    }
  }

  private final String accountTag;
  private final String bucket;
  private final int pageSize;
  private final R2Pricing pricing;
  private final String tokenEnv;

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param token the API token
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public R2Detector(ServiceSettings settings, Secret token) {
    super(settings, Set.of("account_id", "bucket", "token_env", "prices", "free_tier", "storage_class", "bucket_storage_classes", "action_classes", "page_size"));
    this.tokenEnv = token.name();
    SettingsReader top = settings();
    String account = top.requireString("account_id", "the Cloudflare account id (32 hex digits, from the "
        + "dashboard's URL or Account Home)").toLowerCase(Locale.ROOT);
    if (!account.matches("[0-9a-f]{32}")) {
      throw top.error("account_id", "must be 32 hexadecimal digits");
    }
    this.accountTag = account;
    this.bucket = top.has("bucket") ? top.requireString("bucket", "an R2 bucket name") : null;
    this.pageSize = top.integer("page_size", MAX_LIMIT, 2, MAX_LIMIT);
    this.pricing = R2Pricing.parse(top, bucket != null);
    connect(clientBuilder("https://api.cloudflare.com/client/v4")
        .product("Cloudflare's GraphQL Analytics API").bearer(token)
        .credentialHint("an API token with Account Analytics: Read on account " + accountTag)
        .requestLimit(300, Duration.ofMinutes(5))
        .check(this::check));
  }

  /**
   * Returns the variable holding the token.
   *
   * @param settings the service's settings
   * @return {@code token_env}, default {@code CLOUDFLARE_API_TOKEN}
   */
  public static String tokenEnv(ServiceSettings settings) {
    return settings.string("token_env").orElse("CLOUDFLARE_API_TOKEN");
  }

  /** GraphQL reports its errors in the body, with HTTP 200 as often as with 4xx (cloudflare-r2.md §2.4). */
  private void check(ApiResponse r) throws PollException {
    if (r.status() == 429 && r.header("Retry-After").isEmpty()) {
      throw new PollException(Kind.RATE_LIMITED, "Cloudflare's GraphQL Analytics API rate-limited " + r.request()
          + " (HTTP 429: " + r.errorMessage() + "); its budget refills within 5 minutes", BUDGET_WAIT, null);
    }
    if (r.status() != 200) {
      return;
    }
    JsonNode errors;
    try {
      errors = r.json().path("errors");
    } catch (PollException e) {
      return; // the poll's own parse reports it
    }
    if (errors.isMissingNode() || errors.isNull() || (errors.isArray() && errors.size() == 0)) {
      return;
    }
    JsonNode first = errors.isArray() ? errors.get(0) : errors;
    String message = first.isTextual() ? first.asText() : first.path("message").asText("(no message)");
    boolean budget = false;
    for (JsonNode e : errors.isArray() ? errors : List.of(errors)) {
      budget |= "budget".equals(e.path("extensions").path("code").asText());
    }
    String lower = message.toLowerCase(Locale.ROOT);
    String path = first.path("path").isArray() ? " at " + join(first.path("path")) : "";
    String said = "Cloudflare's GraphQL Analytics API reported an error inside its HTTP 200 answer to " + r.request()
        + path + ": " + (message.length() > 300 ? message.substring(0, 300) + "..." : message);
    if (budget || lower.contains("rate limit")) {
      Duration wait = r.header("Retry-After").flatMap(v -> RateLimitPolicy.parseRetryAfter(v, ticker().instant()))
          .orElse(BUDGET_WAIT);
      throw new PollException(Kind.RATE_LIMITED, said, wait, null);
    }
    if (lower.contains("not authorized") || lower.contains("unauthorized") || lower.contains("authentication")) {
      throw new PollException(Kind.UNAUTHORIZED, said + "; check the environment variable " + tokenEnv
          + " (an API token with Account Analytics: Read on account " + accountTag + ")", null, null);
    }
    if (lower.contains("too many queries in progress")) {
      throw new PollException(Kind.UNAVAILABLE, said, null, null);
    }
    throw new PollException(Kind.BAD_RESPONSE, said, null, null);
  }

  private static String join(JsonNode path) {
    List<String> parts = new ArrayList<>();
    path.forEach(p -> parts.add(p.asText()));
    return String.join(".", parts);
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    CumulativeBucket month = CumulativeBucket.month(ctx.since(), ZoneOffset.UTC);
    Instant until = month.readUntil(ctx.now()).truncatedTo(ChronoUnit.SECONDS);
    Instant start = month.start();
    // Only a poll that crosses into a 31-day month's successor can reach past the retention; it then
    // reads a few minutes less of the month that ended, and the monitor counts no growth for it.
    Instant oldest = ctx.now().minus(RETENTION).truncatedTo(ChronoUnit.MINUTES);
    if (start.isBefore(oldest)) {
      start = oldest;
    }
    if (!until.isAfter(start)) {
      return UsageReport.empty(service(), month.start(), ctx.now());
    }
    // Operations by storage class ("standard", "infrequent_access") and operation class.
    Map<String, Map<String, BigDecimal>> ops = new LinkedHashMap<>();
    for (String sc : List.of(R2Pricing.STANDARD, R2Pricing.INFREQUENT)) {
      Map<String, BigDecimal> m = new LinkedHashMap<>();
      m.put("A", BigDecimal.ZERO);
      m.put("B", BigDecimal.ZERO);
      m.put("free", BigDecimal.ZERO);
      ops.put(sc, m);
    }
    Map<String, Double> unclassified = new LinkedHashMap<>();
    BigDecimal unbilled = BigDecimal.ZERO;
    for (JsonNode row : fetch(Dataset.OPS, start, until)) {
      JsonNode dims = row.path("dimensions");
      String action = dims.path("actionType").asText("");
      JsonNode n = row.path("sum").path("requests");
      if (!n.isNumber()) {
        throw client().failure(Kind.BAD_RESPONSE, "an r2OperationsAdaptiveGroups row without a numeric sum.requests",
            null);
      }
      int status = dims.path("responseStatusCode").asInt(0);
      if (status == 401 || status == 403) {
        // R2 does not bill requests that fail authentication or authorization (r2/pricing.mdx).
        unbilled = unbilled.add(n.decimalValue());
        continue;
      }
      String c = pricing.classOf(action);
      if (c == null) {
        c = "A";
        unclassified.merge("unclassified." + action, n.doubleValue(), Double::sum);
        UNKNOWN_ACTIONS.warn(service() + "/" + action, "{}: R2 action type '{}' is not in R2's price list; counted as "
            + "Class A, the dearer class. Classify it under action_classes in the service's settings.", service(),
            action);
      }
      ops.get(pricing.storageClassOf(dims.path("bucketName").asText(""))).merge(c, n.decimalValue(), BigDecimal::add);
    }
    Map<String, BigDecimal> perBucket = gbMonths(fetch(Dataset.STORAGE, start, until), month, start, until);
    Map<String, BigDecimal> gbByClass = new LinkedHashMap<>();
    gbByClass.put(R2Pricing.STANDARD, BigDecimal.ZERO);
    gbByClass.put(R2Pricing.INFREQUENT, BigDecimal.ZERO);
    perBucket.forEach((b, gb) -> gbByClass.merge(pricing.storageClassOf(b), gb, BigDecimal::add));

    // The free tier covers Standard storage only.
    Map<String, BigDecimal> std = ops.get(R2Pricing.STANDARD);
    Map<String, BigDecimal> ia = ops.get(R2Pricing.INFREQUENT);
    R2Pricing.Rates sr = pricing.rates(R2Pricing.STANDARD);
    R2Pricing.Rates ir = pricing.rates(R2Pricing.INFREQUENT);
    Cost costA = Money.times(std.get("A").subtract(BigDecimal.valueOf(pricing.freeClassA())).max(BigDecimal.ZERO),
        sr.classAPerMillion().divide(MILLION)).plus(Money.times(ia.get("A"), ir.classAPerMillion().divide(MILLION)));
    Cost costB = Money.times(std.get("B").subtract(BigDecimal.valueOf(pricing.freeClassB())).max(BigDecimal.ZERO),
        sr.classBPerMillion().divide(MILLION)).plus(Money.times(ia.get("B"), ir.classBPerMillion().divide(MILLION)));
    Cost costStorage = Money.times(gbByClass.get(R2Pricing.STANDARD).subtract(pricing.freeGbMonths())
        .max(BigDecimal.ZERO), sr.storageGbMonth())
        .plus(Money.times(gbByClass.get(R2Pricing.INFREQUENT), ir.storageGbMonth()));

    BigDecimal a = std.get("A").add(ia.get("A"));
    BigDecimal b = std.get("B").add(ia.get("B"));
    BigDecimal free = std.get("free").add(ia.get("free"));
    BigDecimal gbMonths = gbByClass.get(R2Pricing.STANDARD).add(gbByClass.get(R2Pricing.INFREQUENT));
    Map<String, Double> units = new LinkedHashMap<>();
    units.put("operations.class_a", a.doubleValue());
    units.put("operations.class_b", b.doubleValue());
    units.put("operations.free", free.doubleValue());
    units.put("operations.unbilled", unbilled.doubleValue());
    units.put("requests", a.add(b).add(free).add(unbilled).doubleValue());
    units.put("storage.gb_month", gbMonths.doubleValue());
    if (gbByClass.get(R2Pricing.INFREQUENT).signum() > 0 || ia.values().stream().anyMatch(v -> v.signum() > 0)) {
      units.put("infrequent_access.operations.class_a", ia.get("A").doubleValue());
      units.put("infrequent_access.operations.class_b", ia.get("B").doubleValue());
      units.put("infrequent_access.storage.gb_month", gbByClass.get(R2Pricing.INFREQUENT).doubleValue());
    }
    Map<String, Double> aUnits = new LinkedHashMap<>();
    aUnits.put("operations", a.doubleValue());
    aUnits.putAll(unclassified);
    List<UsageItem> items = new ArrayList<>(List.of(
        new UsageItem("Class A operations", costA, aUnits),
        new UsageItem("Class B operations", costB, Map.of("operations", b.doubleValue())),
        new UsageItem("Free operations", Cost.ZERO, Map.of("operations", free.doubleValue())),
        new UsageItem("Storage", costStorage, Map.of("gb_month", gbMonths.doubleValue()))));
    if (unbilled.signum() > 0) {
      items.add(new UsageItem("Unbilled operations (failed authentication)", Cost.ZERO,
          Map.of("operations", unbilled.doubleValue())));
    }
    return new UsageReport(service(), month.start(), ctx.now(), costA.plus(costB).plus(costStorage), units, items);
  }

  /**
   * Month-to-date GB-months: per bucket and UTC day the peak payload (a day without a sample keeps
   * the level last seen), the buckets summed, each day weighted by the part of it inside the read
   * span, divided by R2's 30-day month.
   */
  private Map<String, BigDecimal> gbMonths(List<JsonNode> rows, CumulativeBucket month, Instant start,
      Instant until) throws PollException {
    Map<String, TreeMap<Instant, BigDecimal>> samples = new HashMap<>();
    for (JsonNode row : rows) {
      JsonNode dims = row.path("dimensions");
      JsonNode size = row.path("max").path("payloadSize");
      Instant at;
      try {
        at = Instant.parse(dims.path("datetime").asText(""));
      } catch (DateTimeParseException e) {
        throw client().failure(Kind.BAD_RESPONSE, "an r2StorageAdaptiveGroups row whose datetime is not a time", null);
      }
      if (!size.isNumber()) {
        throw client().failure(Kind.BAD_RESPONSE, "an r2StorageAdaptiveGroups row without a numeric max.payloadSize",
            null);
      }
      if (at.isBefore(start) || !at.isBefore(until)) {
        continue;
      }
      samples.computeIfAbsent(dims.path("bucketName").asText(""), k -> new TreeMap<>())
          .merge(at, size.decimalValue(), BigDecimal::max);
    }
    Map<String, BigDecimal> out = new LinkedHashMap<>();
    for (Map.Entry<String, TreeMap<Instant, BigDecimal>> entry : samples.entrySet()) {
      TreeMap<Instant, BigDecimal> bucketSamples = entry.getValue();
      BigDecimal byteDays = BigDecimal.ZERO;
      BigDecimal level = BigDecimal.ZERO;
      for (LocalDate d = LocalDate.ofInstant(month.start(), ZoneOffset.UTC);
          d.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(until); d = d.plusDays(1)) {
        Instant dayStart = d.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant dayEnd = d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        java.util.NavigableMap<Instant, BigDecimal> today = bucketSamples.subMap(dayStart, true, dayEnd, false);
        // The level carried in from before the day's first sample counts towards its peak too.
        BigDecimal peak = level;
        if (!today.isEmpty()) {
          peak = today.values().stream().reduce(level, BigDecimal::max);
          level = today.lastEntry().getValue();
        } else if (level.signum() == 0) {
          continue;
        }
        Instant from = dayStart.isBefore(month.start()) ? month.start() : dayStart;
        Instant to = dayEnd.isAfter(until) ? until : dayEnd;
        BigDecimal weight = BigDecimal.valueOf(Duration.between(from, to).toNanos())
            .divide(NANOS_PER_DAY, SCALE, RoundingMode.HALF_UP);
        byteDays = byteDays.add(peak.multiply(weight));
      }
      out.put(entry.getKey(), byteDays.divide(BYTES_PER_GB, SCALE, RoundingMode.HALF_UP)
          .divide(DAYS_PER_MONTH, SCALE, RoundingMode.HALF_UP));
    }
    return out;
  }

  /**
   * Reads every group of a dataset, page after page. The API has no cursors: a page is a keyset
   * on {@code bucketName}, the next one starting again at the last bucket seen (whose groups may
   * have been cut). A storage bucket with more samples in the month than a page holds is then read
   * on its own, page after page by {@code datetime}, and the next page starts after it.
   */
  private List<JsonNode> fetch(Dataset dataset, Instant start, Instant until)
      throws PollException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    String after = null;
    boolean afterExclusive = false;
    int[] pages = {0};
    while (true) {
      JsonNode rows = page(dataset, pages, body(dataset, start, until, after, afterExclusive, null, null));
      if (rows.size() < pageSize) {
        rows.forEach(out::add);
        return out;
      }
      String last = rows.get(rows.size() - 1).path("dimensions").path("bucketName").asText("");
      int kept = 0;
      for (JsonNode row : rows) {
        if (!row.path("dimensions").path("bucketName").asText("").equals(last)) {
          out.add(row);
          kept++;
        }
      }
      if (kept == 0 || !afterExclusive && last.equals(after)) {
        if (dataset != Dataset.STORAGE) {
          throw client().failure(Kind.BAD_RESPONSE, dataset.field + " has more than " + pageSize + " groups for bucket '"
              + last + "' alone; raise page_size (at most " + MAX_LIMIT + ")", null);
        }
        // One bucket's samples fill the page: the rest of that bucket, by time.
        JsonNode part = rows;
        while (true) {
          String lastTime = null;
          for (JsonNode row : part) {
            if (row.path("dimensions").path("bucketName").asText("").equals(last)) {
              out.add(row);
              lastTime = row.path("dimensions").path("datetime").asText(null);
            }
          }
          if (part.size() < pageSize) {
            break;
          }
          if (lastTime == null) {
            throw client().failure(Kind.BAD_RESPONSE, dataset.field + " returned a full page without datetime", null);
          }
          part = page(dataset, pages, body(dataset, start, until, null, false, last, lastTime));
        }
        after = last;
        afterExclusive = true;
        continue;
      }
      after = last;
      afterExclusive = false;
    }
  }

  private JsonNode page(Dataset dataset, int[] pages, String body) throws PollException, InterruptedException {
    if (++pages[0] > MAX_PAGES) {
      throw client().failure(Kind.BAD_RESPONSE, dataset.field + " has more than " + MAX_PAGES + " pages of "
          + pageSize + " groups", null);
    }
    ApiResponse r = client().send(ApiRequest.post("/graphql", body));
    JsonNode accounts = r.json().path("data").path("viewer").path("accounts");
    if (!accounts.isArray()) {
      throw r.unexpected("no 'data.viewer.accounts' array");
    }
    if (accounts.size() == 0) {
      throw client().failure(Kind.MISCONFIGURED, "Cloudflare returned no account " + accountTag + "; check "
          + "account_id and that " + tokenEnv + " may read its analytics", null);
    }
    JsonNode rows = accounts.get(0).path(dataset.alias);
    if (!rows.isArray()) {
      throw r.unexpected("no '" + dataset.alias + "' array for " + dataset.field);
    }
    return rows;
  }

  private String body(Dataset dataset, Instant start, Instant until, String after, boolean afterExclusive,
      String inBucket, String afterTime) {
    StringBuilder vars = new StringBuilder("$accountTag: string!, $start: Time!, $end: Time!");
    StringBuilder filter = new StringBuilder("datetime_geq: $start, datetime_lt: $end");
    if (bucket != null) {
      vars.append(", $bucketName: string");
      filter.append(", bucketName: $bucketName");
    }
    if (after != null) {
      vars.append(", $after: string");
      filter.append(afterExclusive ? ", bucketName_gt: $after" : ", bucketName_geq: $after");
    }
    if (inBucket != null && bucket == null) {
      vars.append(", $inBucket: string");
      filter.append(", bucketName: $inBucket");
    }
    if (afterTime != null) {
      vars.append(", $afterTime: Time");
      filter.append(", datetime_gt: $afterTime");
    }
    String query = "query R2Usage(" + vars + ") { viewer { accounts(filter: { accountTag: $accountTag }) { "
        + dataset.alias + ": " + dataset.field + "(limit: " + pageSize + ", filter: { " + filter + " }, "
        + dataset.order + ") { " + dataset.selection + " } } } }";
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("query", query);
    ObjectNode v = body.putObject("variables");
    v.put("accountTag", accountTag);
    v.put("start", start.toString());
    v.put("end", until.toString());
    if (bucket != null) {
      v.put("bucketName", bucket);
    }
    if (after != null) {
      v.put("after", after);
    }
    if (inBucket != null && bucket == null) {
      v.put("inBucket", inBucket);
    }
    if (afterTime != null) {
      v.put("afterTime", afterTime);
    }
    try {
      return Json.MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write a GraphQL request", e);
    }
  }

  @Override
  public String toString() {
    return "R2Detector[" + service() + ", account " + accountTag + (bucket == null ? "" : ", bucket " + bucket) + "]";
  }
}
