package dev.runaway.providers.mongodb;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.mongodb.internal.AtlasAuth;
import dev.runaway.providers.mongodb.internal.AtlasSession;
import dev.runaway.providers.http.HttpDetector;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.config.SettingsReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MongoDB Atlas detector; see
 * {@link dev.runaway.providers.mongodb.MongoDbAtlasDetectorProvider}.
 *
 * <p>Polls are never concurrent (the monitor's contract); the only state kept between them is the
 * authenticator's token or nonce.
 */
final class AtlasDetector extends HttpDetector {

  /** The version the spec lists for the invoice endpoints (mongodb-atlas.md §3.1). */
  static final String ACCEPT = "application/vnd.atlas.2023-01-01+json";
  private static final int MAX_PAGES = 100;
  private static final long NANOS_PER_CENT = 10_000_000L;
  private static final Pattern RETRY_AFTER_DETAIL = Pattern.compile("retry after (\\d{1,6}) seconds?",
      Pattern.CASE_INSENSITIVE);

  private final String pendingPath;
  private final boolean includeLinked;
  private final AtlasAuth auth;

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param secrets where the service account or API key is
   * @throws ConfigException if a setting or credential is missing or invalid
   */
  public AtlasDetector(ServiceSettings settings, SecretSource secrets) {
    super(settings, Set.of("org_id", "auth", "client_id_env", "client_secret_env", "public_key_env", "private_key_env", "include_linked_invoices"));
    SettingsReader top = settings();
    String org = top.requireString("org_id", "the Atlas organization's id (24 hex digits, Organization Settings)");
    if (!org.matches("[0-9a-fA-F]{24}")) {
      throw top.error("org_id", "must be 24 hexadecimal digits");
    }
    this.pendingPath = "/api/atlas/v2/orgs/" + org + "/invoices/pending";
    this.includeLinked = top.bool("include_linked_invoices", true);
    String mode = top.has("auth") ? top.choice("auth", "service_account", List.of("service_account", "api_key"))
        : null;
    AtlasSession.Credentials credentials = AtlasSession.Credentials.find(settings, secrets, mode);
    connect(credentials.applyTo(clientBuilder("https://cloud.mongodb.com").product("MongoDB Atlas")
        .credentialHint("the Organization Billing Viewer role on organization " + org + "; the organization's IP "
            + "access list applies to API calls")
        .rateLimits(AtlasSession.RATE_LIMITS).check(AtlasDetector::check)));
    this.auth = credentials.authenticator(client(), ticker());
  }

  /**
   * Returns the variables the configured {@code auth} needs.
   *
   * @param settings the service's settings
   * @return the service account's or the API key's variables; none when {@code auth} is not set
   */
  public static List<String> secretNames(ServiceSettings settings) {
    return AtlasSession.secretNames(settings);
  }

  /** A 429 whose wait is only in its body: "Please retry after 55 seconds" (mongodb-atlas.md §3.4). */
  private static void check(ApiResponse r) throws PollException {
    if (r.status() != 429 || r.header("Retry-After").isPresent()) {
      return;
    }
    String detail;
    try {
      detail = r.json().path("detail").asText("");
    } catch (PollException e) {
      return;
    }
    Matcher m = RETRY_AFTER_DETAIL.matcher(detail);
    if (m.find()) {
      Duration wait = Duration.ofSeconds(Long.parseLong(m.group(1)));
      throw new PollException(Kind.RATE_LIMITED, "MongoDB Atlas rate-limited " + r.request() + " (HTTP 429: "
          + detail + "); retry in " + wait.toSeconds() + " s", wait, null);
    }
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    List<JsonNode> invoices = pendingInvoices();
    Instant from = null;
    long cents = 0;
    Map<String, Long> itemCents = new LinkedHashMap<>();
    Map<String, Map<String, Double>> itemUnits = new LinkedHashMap<>();
    Map<String, Double> units = new LinkedHashMap<>();
    long discountTotal = 0;
    long creditCents = 0;
    for (JsonNode invoice : invoices) {
      JsonNode start = invoice.path("startDate");
      if (start.isTextual()) {
        try {
          Instant s = Instant.parse(start.asText());
          from = from == null || s.isBefore(from) ? s : from;
        } catch (DateTimeParseException e) {
          throw client().failure(Kind.BAD_RESPONSE, "an invoice whose startDate is not a time", null);
        }
      }
      JsonNode lines = invoice.path("lineItems");
      if (lines.isMissingNode() || lines.isNull()) {
        continue;
      }
      if (!lines.isArray()) {
        throw client().failure(Kind.BAD_RESPONSE, "an invoice whose lineItems is not an array", null);
      }
      for (JsonNode line : lines) {
        JsonNode price = line.path("totalPriceCents");
        if (price.isMissingNode() || price.isNull()) {
          continue;
        }
        if (!price.isIntegralNumber()) {
          throw client().failure(Kind.BAD_RESPONSE, "a line item whose totalPriceCents is not a whole number", null);
        }
        long gross = price.asLong();
        if (gross < 0) {
          // A credit line. Counting it would make the cycle's running total go down, and the monitor
          // would then ignore new charges until they made up for the credit: a runaway hidden behind
          // a credit. Credits are reported apart, as a quantity.
          creditCents = Math.addExact(creditCents, -gross);
          continue;
        }
        long discount = discountCents(line, gross);
        long net = gross - discount;
        discountTotal = Math.addExact(discountTotal, discount);
        String sku = line.path("sku").asText("").isBlank() ? "unknown SKU" : line.path("sku").asText();
        cents = Math.addExact(cents, net);
        itemCents.merge(sku, net, Long::sum);
        Map<String, Double> iu = itemUnits.computeIfAbsent(sku, k -> new LinkedHashMap<>());
        JsonNode qty = line.path("quantity");
        if (qty.isNumber()) {
          String unit = slug(line.path("unit").asText("quantity"));
          iu.merge(unit, qty.doubleValue(), Double::sum);
          units.merge(slug(sku) + "." + unit, qty.doubleValue(), Double::sum);
        }
      }
    }
    if (discountTotal > 0) {
      units.put("discounts.usd", discountTotal / 100.0);
    }
    if (creditCents > 0) {
      units.put("credits.usd", creditCents / 100.0);
    }
    List<UsageItem> items = new ArrayList<>();
    for (Map.Entry<String, Long> e : itemCents.entrySet()) {
      items.add(new UsageItem(e.getKey(), Cost.ofNanos(Math.multiplyExact(e.getValue(), NANOS_PER_CENT)),
          itemUnits.get(e.getKey())));
    }
    // The pending invoice is the billing cycle so far: from its start, cumulative. Without one (a new
    // organization), nothing was billed in the span asked for.
    Instant reportFrom = from == null ? ctx.since() : from.isAfter(ctx.now()) ? ctx.now() : from;
    return new UsageReport(service(), reportFrom, ctx.now(), Cost.ofNanos(Math.multiplyExact(cents, NANOS_PER_CENT)),
        units, items);
  }

  /**
   * A line item's discount in cents: {@code discountCents} when Atlas gives it, else
   * {@code percentDiscount} percent of the gross (rounded half up to a cent), never more than the
   * gross. {@code totalPriceCents} is {@code unitPriceDollars x quantity x 100}, before discounts
   * (the Atlas Admin API v2 line-item schema).
   */
  private long discountCents(JsonNode line, long gross) throws PollException {
    JsonNode d = line.path("discountCents");
    if (d.isNumber()) {
      if (!d.isIntegralNumber() || d.asLong() < 0) {
        throw client().failure(Kind.BAD_RESPONSE, "a line item whose discountCents is not a whole number of cents"
            + " at least 0", null);
      }
      if (d.asLong() > 0) {
        return Math.min(gross, d.asLong());
      }
    }
    JsonNode pct = line.path("percentDiscount");
    if (pct.isNumber() && pct.doubleValue() > 0) {
      if (!(pct.doubleValue() <= 100)) {
        throw client().failure(Kind.BAD_RESPONSE, "a line item whose percentDiscount is above 100", null);
      }
      // The percentage comes as a float: BigDecimal of its decimal text, so 12.5 stays 12.5.
      BigDecimal off = BigDecimal.valueOf(gross).multiply(new BigDecimal(pct.asText()))
          .divide(BigDecimal.valueOf(100), 0, RoundingMode.HALF_UP);
      return Math.min(gross, off.longValueExact());
    }
    return 0;
  }

  /** Every pending invoice of every page, with the linked organizations' invoices, each once. */
  private List<JsonNode> pendingInvoices() throws PollException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> seenPages = new HashSet<>();
    ApiRequest next = ApiRequest.get(pendingPath);
    while (next != null) {
      if (!seenPages.add(next.resolve(client().baseUrl()).toString())) {
        throw client().failure(Kind.BAD_RESPONSE, "MongoDB Atlas linked to the same page of " + pendingPath
            + " twice; stopped paging", null);
      }
      if (seenPages.size() > MAX_PAGES) {
        throw client().failure(Kind.BAD_RESPONSE, pendingPath + " has more than " + MAX_PAGES + " pages", null);
      }
      ApiResponse r = auth.send(next.withHeader("Accept", ACCEPT));
      JsonNode body = r.json();
      JsonNode results = body.path("results");
      if (!results.isArray()) {
        throw r.unexpected("no 'results' array");
      }
      for (JsonNode invoice : results) {
        add(invoice, out, ids);
        if (includeLinked && invoice.path("linkedInvoices").isArray()) {
          for (JsonNode linked : invoice.path("linkedInvoices")) {
            add(linked, out, ids);
          }
        }
      }
      next = nextPage(body).orElse(null);
    }
    return out;
  }

  private static void add(JsonNode invoice, List<JsonNode> out, Set<String> ids) {
    String id = invoice.path("id").asText("");
    if (id.isEmpty() || ids.add(id)) {
      out.add(invoice);
    }
  }

  /**
   * The {@code rel: "next"} link of an Atlas page. A link to another origin than {@code base_url}
   * (Atlas behind a proxy names its own host) is followed through {@code base_url}: the
   * credential goes nowhere else.
   */
  private Optional<ApiRequest> nextPage(JsonNode body) throws PollException {
    for (JsonNode link : body.path("links")) {
      if (!"next".equals(link.path("rel").asText())) {
        continue;
      }
      URI uri;
      try {
        uri = URI.create(link.path("href").asText(""));
      } catch (IllegalArgumentException e) {
        throw client().failure(Kind.BAD_RESPONSE, "a next-page link that is not a URL", null);
      }
      if (uri.isAbsolute() && dev.runaway.internal.HttpSecurity.sameOrigin(uri, client().baseUrl())) {
        return Optional.of(ApiRequest.absolute(uri));
      }
      if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
        throw client().failure(Kind.BAD_RESPONSE, "a next-page link without a path", null);
      }
      return Optional.of(ApiRequest.get(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
    }
    return Optional.empty();
  }

  private static String slug(String s) {
    String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
    return out.isEmpty() ? "quantity" : out;
  }

  @Override
  public String toString() {
    return "AtlasDetector[" + service() + ", " + auth + "]";
  }
}
