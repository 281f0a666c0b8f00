package dev.runaway.providers.github.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.ContextTicker;
import dev.runaway.providers.http.Paginator;
import dev.runaway.providers.internal.ConfigReader;
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
public final class GitHubActionsDetector implements Detector {

  private static final String LEGACY_HINT = "the product-specific billing endpoints "
      + "(/orgs/{org}/settings/billing/actions) were retired; Runaway Guard reads the enhanced billing usage report "
      + "(/organizations/{org}/settings/billing/usage, or /users/{user}/settings/billing/usage). If base_url points at "
      + "a GitHub Enterprise Server, check that it has the enhanced billing platform";

  /** What was seen of one SKU on one day. */
  private record Sku(BigDecimal net, BigDecimal quantity, String unitType) {}

  private final String service;
  private final String billingPath;
  private final List<String> repositories;
  private final ApiClient client;
  private final ContextTicker ticker = new ContextTicker();
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
    this.service = settings.name();
    ConfigReader top = ConfigReader.of(settings).allowOnly(Set.of("type", "base_url", "allow_insecure_http",
        "timeout_seconds", "connect_timeout_seconds", "max_pages", "max_body_bytes", "org", "user", "repositories", "api_version"));
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
    this.client = ApiClient.builder().settings(settings, "https://api.github.com").product("GitHub")
        .bearer(token).header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", version)
        .credentialHint("billing needs an organization owner's or billing manager's token (classic, or "
            + "fine-grained with Administration: read); workflow runs need Actions: read on the repositories")
        .check(GitHubActionsDetector::check).ticker(ticker).build();
  }

  private static void check(ApiResponse r) throws PollException {
    if (r.status() == 410) {
      throw new PollException(PollException.Kind.MISCONFIGURED, "GitHub answered 410 Gone for " + r.request()
          + " (" + r.errorMessage() + "): " + LEGACY_HINT, null, null);
    }
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
      Map<String, String> unitTypes = new HashMap<>();
      for (LocalDate d : dates) {
        Map<String, Sku> now = billing(d);
        read.put(d, now);
        Map<String, Sku> before = seen.getOrDefault(d, Map.of());
        for (Map.Entry<String, Sku> e : now.entrySet()) {
          Sku prev = before.get(e.getKey());
          BigDecimal net = e.getValue().net().subtract(prev == null ? BigDecimal.ZERO : prev.net()).max(BigDecimal.ZERO);
          BigDecimal qty = e.getValue().quantity().subtract(prev == null ? BigDecimal.ZERO : prev.quantity())
              .max(BigDecimal.ZERO);
          BigDecimal[] g = growth.computeIfAbsent(e.getKey(), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
          g[0] = g[0].add(net);
          g[1] = g[1].add(qty);
          unitTypes.put(e.getKey(), e.getValue().unitType());
        }
      }
      for (Map.Entry<String, BigDecimal[]> e : growth.entrySet()) {
        Cost cost = Money.usd(e.getValue()[0]);
        String unit = unitName(unitTypes.get(e.getKey()));
        double qty = e.getValue()[1].doubleValue();
        if (unit.equals("minutes")) {
          units.merge("minutes", qty, Double::sum);
        }
        items.add(new UsageItem(e.getKey(), cost, Map.of(unit, qty)));
        total = total.plus(cost);
      }
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
    return new UsageReport(service, from, ctx.now(), total, units, items);
  }

  private static String unitName(String unitType) {
    String u = unitType == null ? "quantity" : unitType.toLowerCase(Locale.ROOT);
    return u.equals("minutes") ? "minutes" : u;
  }

  private Map<String, Sku> billing(LocalDate day) throws PollException, InterruptedException {
    ApiResponse r = client.send(ApiRequest.get(billingPath).withQuery("year", day.getYear())
        .withQuery("month", day.getMonthValue()).withQuery("day", day.getDayOfMonth()));
    JsonNode items = r.json().path("usageItems");
    if (!items.isArray()) {
      throw r.unexpected("no 'usageItems' array");
    }
    Map<String, Sku> out = new LinkedHashMap<>();
    for (JsonNode i : items) {
      if (!i.path("product").asText().equalsIgnoreCase("actions")) {
        continue;
      }
      String date = i.path("date").asText("");
      if (!date.isEmpty() && !date.startsWith(day.toString())) {
        continue;
      }
      JsonNode net = i.path("netAmount");
      JsonNode qty = i.path("quantity");
      if (!net.isNumber() || !qty.isNumber()) {
        throw r.unexpected("an Actions item without numeric 'netAmount' and 'quantity'");
      }
      String sku = i.path("sku").asText("Actions");
      Sku prev = out.get(sku);
      out.put(sku, new Sku(net.decimalValue().add(prev == null ? BigDecimal.ZERO : prev.net()),
          qty.decimalValue().add(prev == null ? BigDecimal.ZERO : prev.quantity()), i.path("unitType").asText(null)));
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
    for (ApiResponse page : client.pages(first, Paginator.linkHeader())) {
      JsonNode runs = page.json().path("workflow_runs");
      if (!runs.isArray()) {
        throw page.unexpected("no 'workflow_runs' array");
      }
      for (JsonNode run : runs) {
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
    units.merge("runs.created", (double) created, Double::sum);
    perWorkflow.forEach((name, n) -> items.add(new UsageItem(name, Cost.ZERO, Map.of("runs.created", (double) n))));
    for (String status : List.of("queued", "in_progress")) {
      ApiResponse r = client.send(ApiRequest.get(path).withQuery("status", status).withQuery("per_page", 1)
          .withQuery("exclude_pull_requests", "true"));
      JsonNode count = r.json().path("total_count");
      if (!count.isNumber()) {
        throw r.unexpected("no 'total_count'");
      }
      units.merge("runs." + status, count.asDouble(), Double::sum);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "GitHubActionsDetector[" + service + "]";
  }
}
