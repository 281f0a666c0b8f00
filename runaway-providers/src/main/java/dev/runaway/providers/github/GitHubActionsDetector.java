package dev.runaway.providers.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
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
import dev.runaway.config.SettingsReader;
import dev.runaway.providers.internal.Money;
import java.math.BigDecimal;
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

/**
 * The GitHub Actions detector; see
 * {@link dev.runaway.providers.github.GitHubActionsDetectorProvider}.
 *
 * <p>Polls are never concurrent (the monitor's contract); the per-day memory is confined to them
 * and updated only when a poll succeeds.
 */
final class GitHubActionsDetector extends HttpDetector {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GitHubActionsDetector.class);

  private static final String LEGACY_HINT = "the product-specific billing endpoints "
      + "(/orgs/{org}/settings/billing/actions) were retired; Runaway Guard reads the enhanced billing usage report "
      + "(/organizations/{org}/settings/billing/usage, or /users/{user}/settings/billing/usage). If base_url points at "
      + "a GitHub Enterprise Server, check that it has the enhanced billing platform";

  /** What was seen of one SKU on one day. */
  private record Sku(BigDecimal net, BigDecimal gross, BigDecimal quantity, String unitType, boolean copilot) {}

  /** The most runs GitHub lists for a query with {@code created=} (github-actions.md section 2.4). */
  static final int LISTING_CAP = 1000;

  private final String billingPath;
  private final List<String> repositories;
  private final dev.runaway.internal.WarnOnce warnings = new dev.runaway.internal.WarnOnce(LOG);
  private final Map<LocalDate, Map<String, Sku>> seen = new HashMap<>();
  private boolean polledBefore;

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param token the token
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public GitHubActionsDetector(ServiceSettings settings, Secret token) {
    super(settings, Set.of("org", "user", "repositories", "api_version"));
    SettingsReader top = settings();
    String org = top.string("org").orElse(null);
    String user = top.string("user").orElse(null);
    if (org != null && user != null) {
      throw top.error("user", "give either org or user, not both");
    }
    for (String[] kv : new String[][] {{"org", org}, {"user", user}}) {
      if (kv[1] != null && !kv[1].matches("[A-Za-z0-9][A-Za-z0-9-]{0,38}")) {
        throw top.error(kv[0], "must be a GitHub login (letters, digits and hyphens, at most 39)");
      }
    }
    this.billingPath = org != null ? "/organizations/" + org + "/settings/billing/usage"
        : user != null ? "/users/" + user + "/settings/billing/usage" : null;
    this.repositories = settings.stringList("repositories");
    for (String r : repositories) {
      if (!r.matches("[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")) {
        throw top.error("repositories", "must hold \"owner/repo\" names; entry " + repositories.indexOf(r) + " is not one");
      }
    }
    if (billingPath == null && repositories.isEmpty()) {
      throw top.error("org", "is required unless repositories are given: the organization whose Actions bill to "
          + "read (or \"user\" for a personal account, or \"repositories\" to watch workflow runs only)");
    }
    String version = top.string("api_version").orElse("2022-11-28");
    connect(clientBuilder("https://api.github.com").product("GitHub")
        .bearer(token).header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", version)
        .credentialHint("billing needs an organization owner's or billing manager's token (classic, or "
            + "fine-grained with Administration: read); workflow runs need Actions: read on the repositories")
        .check(GitHubActionsDetector::check));
  }

  private static void check(ApiResponse r) throws PollException {
    if (r.status() == 410) {
      throw new PollException(PollException.Kind.MISCONFIGURED, "GitHub answered 410 Gone for " + r.request()
          + " (" + r.errorMessage() + "): " + LEGACY_HINT, null, null);
    }
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    LocalDate today = LocalDate.ofInstant(ctx.now(), ZoneOffset.UTC);
    Map<String, Double> units = new LinkedHashMap<>();
    List<UsageItem> items = new ArrayList<>();
    Cost total = Cost.ZERO;
    Map<LocalDate, Map<String, Sku>> read = new HashMap<>();
    if (billingPath != null) {
      units.put("minutes", 0.0);
      List<LocalDate> dates = polledBefore && seen.containsKey(today.minusDays(1))
          ? List.of(today.minusDays(1), today) : List.of(today);
      Map<String, BigDecimal[]> growth = new LinkedHashMap<>();
      Map<String, Sku> kinds = new HashMap<>();
      for (LocalDate d : dates) {
        Map<String, Sku> now = billing(d);
        read.put(d, now);
        Map<String, Sku> before = seen.getOrDefault(d, Map.of());
        for (Map.Entry<String, Sku> e : now.entrySet()) {
          Sku prev = before.get(e.getKey());
          Sku cur = e.getValue();
          BigDecimal[] g = growth.computeIfAbsent(e.getKey(), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO,
              BigDecimal.ZERO});
          g[0] = g[0].add(grown(cur.net(), prev == null ? null : prev.net()));
          g[1] = g[1].add(grown(cur.quantity(), prev == null ? null : prev.quantity()));
          g[2] = g[2].add(grown(cur.gross(), prev == null ? null : prev.gross()));
          kinds.put(e.getKey(), cur);
        }
      }
      BigDecimal gross = BigDecimal.ZERO;
      for (Map.Entry<String, BigDecimal[]> e : growth.entrySet()) {
        Cost cost = Money.usd(e.getValue()[0]);
        Sku kind = kinds.get(e.getKey());
        String unit = kind.copilot() ? "copilot.premium_requests" : unitName(kind.unitType());
        double qty = e.getValue()[1].doubleValue();
        if (unit.equals("minutes") || kind.copilot()) {
          units.merge(unit, qty, Double::sum);
        }
        Map<String, Double> itemUnits = new LinkedHashMap<>();
        itemUnits.put(unit, qty);
        itemUnits.put(UsageReport.DETECTION_COST_UNIT, e.getValue()[2].doubleValue());
        items.add(new UsageItem(e.getKey(), cost, itemUnits));
        total = total.plus(cost);
        gross = gross.add(e.getValue()[2]);
      }
      // netAmount stays $0 while usage is inside the included minutes: the meter judges the gross
      // amount, so a loop shows before the quota is gone; the cost reported is what is billed.
      units.put(UsageReport.DETECTION_COST_UNIT, gross.doubleValue());
    }
    if (!repositories.isEmpty()) {
      units.put("runs.created", 0.0);
      units.put("runs.queued", 0.0);
      units.put("runs.in_progress", 0.0);
      for (String repo : repositories) {
        runs(repo, ctx, units, items);
      }
    }
    // The poll succeeded: remember the day's figures.
    read.forEach(seen::put);
    seen.keySet().removeIf(d -> d.isBefore(today.minusDays(1)));
    Instant from = polledBefore || billingPath == null ? ctx.since()
        : today.atStartOfDay(ZoneOffset.UTC).toInstant();
    if (from.isAfter(ctx.since())) {
      from = ctx.since();
    }
    polledBefore = true;
    return new UsageReport(service(), from, ctx.now(), total, units, items);
  }

  private static BigDecimal grown(BigDecimal now, BigDecimal before) {
    return now.subtract(before == null ? BigDecimal.ZERO : before).max(BigDecimal.ZERO);
  }

  private static String unitName(String unitType) {
    String u = unitType == null ? "quantity" : unitType.toLowerCase(Locale.ROOT);
    return u.equals("minutes") ? "minutes" : u;
  }

  private Map<String, Sku> billing(LocalDate day) throws PollException, InterruptedException {
    ApiResponse r = client().send(ApiRequest.get(billingPath).withQuery("year", day.getYear())
        .withQuery("month", day.getMonthValue()).withQuery("day", day.getDayOfMonth()));
    JsonNode items = r.json().path("usageItems");
    if (!items.isArray()) {
      throw r.unexpected("no 'usageItems' array");
    }
    Map<String, Sku> out = new LinkedHashMap<>();
    for (JsonNode i : items) {
      String product = i.path("product").asText();
      String sku = i.path("sku").asText("");
      // Copilot premium requests, when the report has them: a coding agent in a loop burns these.
      boolean copilot = product.equalsIgnoreCase("copilot") && sku.toLowerCase(Locale.ROOT).contains("premium request");
      if (!product.equalsIgnoreCase("actions") && !copilot) {
        continue;
      }
      String date = i.path("date").asText("");
      if (!date.isEmpty() && !date.startsWith(day.toString())) {
        continue;
      }
      JsonNode net = i.path("netAmount");
      JsonNode qty = i.path("quantity").isNumber() ? i.path("quantity") : i.path("grossQuantity");
      if (!net.isNumber() || !qty.isNumber()) {
        throw r.unexpected("an " + product + " item without numeric 'netAmount' and 'quantity'");
      }
      // grossAmount is required by the schema; an item without it is valued at its net amount.
      BigDecimal grossAmount = i.path("grossAmount").isNumber() ? i.path("grossAmount").decimalValue()
          : net.decimalValue();
      String key = sku.isEmpty() ? product : sku;
      if (copilot && i.path("model").isTextual()) {
        key = key + " (" + i.path("model").asText() + ")";
      }
      Sku prev = out.get(key);
      out.put(key, new Sku(net.decimalValue().add(prev == null ? BigDecimal.ZERO : prev.net()),
          grossAmount.add(prev == null ? BigDecimal.ZERO : prev.gross()),
          qty.decimalValue().add(prev == null ? BigDecimal.ZERO : prev.quantity()), i.path("unitType").asText(null),
          copilot));
    }
    return out;
  }

  private void runs(String repo, PollContext ctx, Map<String, Double> units, List<UsageItem> items)
      throws PollException, InterruptedException {
    String path = "/repos/" + repo + "/actions/runs";
    Instant since = ctx.since().truncatedTo(ChronoUnit.SECONDS);
    Instant now = ctx.now();
    ApiRequest first = ApiRequest.get(path).withQuery("created", since + ".." + now.truncatedTo(ChronoUnit.SECONDS))
        .withQuery("per_page", 100).withQuery("exclude_pull_requests", "true");
    Map<String, Integer> perWorkflow = new LinkedHashMap<>();
    int created = 0;
    long totalCount = -1;
    int listed = 0;
    for (ApiResponse page : client().pages(first, Paginator.linkHeader())) {
      JsonNode body = page.json();
      JsonNode runs = body.path("workflow_runs");
      if (!runs.isArray()) {
        throw page.unexpected("no 'workflow_runs' array");
      }
      if (totalCount < 0 && body.path("total_count").isNumber()) {
        totalCount = body.path("total_count").asLong();
      }
      for (JsonNode run : runs) {
        listed++;
        Instant at;
        try {
          at = Instant.parse(run.path("created_at").asText());
        } catch (DateTimeParseException e) {
          throw page.unexpected("a run without a valid 'created_at'");
        }
        if (at.isBefore(since) || !at.isBefore(now)) {
          continue;
        }
        String name = run.path("name").isTextual() ? run.path("name").asText()
            : run.path("path").asText("workflow " + run.path("workflow_id").asText());
        perWorkflow.merge(repo + ": " + name, 1, Integer::sum);
        created++;
      }
    }
    if (totalCount > listed) {
      // GitHub lists at most 1,000 runs for a created= query, and max_pages may stop earlier;
      // total_count still says how many there were. Count them all, and say that some were not read.
      long unread = totalCount - listed;
      created = (int) Math.min(Integer.MAX_VALUE, created + unread);
      perWorkflow.merge(repo + ": runs not listed (" + unread + " beyond the " + listed + " read)", (int) Math.min(
          Integer.MAX_VALUE, unread), Integer::sum);
      units.merge("runs.unread", (double) unread, Double::sum);
      warnings.warn("cap:" + repo, "{}: {} created {} workflow runs between {} and {}, more than the {} read (GitHub "
          + "lists at most {} runs for a created= query); all are counted, but the {} not read are not attributed to "
          + "a workflow", service(), repo, totalCount, since, now, listed, LISTING_CAP, unread);
    }
    units.merge("runs.created", (double) created, Double::sum);
    perWorkflow.forEach((name, n) -> items.add(new UsageItem(name, Cost.ZERO, Map.of("runs.created", (double) n))));
    for (String status : List.of("queued", "in_progress")) {
      ApiResponse r = client().send(ApiRequest.get(path).withQuery("status", status).withQuery("per_page", 1)
          .withQuery("exclude_pull_requests", "true"));
      JsonNode count = r.json().path("total_count");
      if (!count.isNumber()) {
        throw r.unexpected("no 'total_count'");
      }
      units.merge("runs." + status, count.asDouble(), Double::sum);
    }
  }

}
