package dev.runaway.providers.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.TimeWindow;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The GitHub Actions detector against the billing usage and workflow runs wire format (github-actions.md). */
final class GitHubActionsDetectorContractTest extends DetectorContractTest {

  static final String BILLING = "/organizations/acme-corp/settings/billing/usage";
  static final String RUNS = "/repos/acme-corp/api/actions/runs";
  static final Instant MIDNIGHT = Instant.parse("2026-08-21T00:00:00Z");

  @Override
  protected DetectorProvider provider() {
    return new GitHubActionsDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "org", "acme-corp", "repositories", List.of("acme-corp/api"));
  }

  @Override
  protected String secretEnv() {
    return "GITHUB_TOKEN";
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"message\":" + quote(message) + ",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\""
        + status + "\"}";
  }

  static String usage(String date, double macosNet) {
    return "{\"usageItems\":["
        + "{\"date\":\"" + date + "\",\"product\":\"Actions\",\"sku\":\"Actions Linux\",\"quantity\":1840,"
        + "\"unitType\":\"minutes\",\"pricePerUnit\":0.008,\"grossAmount\":14.72,\"discountAmount\":14.72,"
        + "\"netAmount\":0,\"organizationName\":\"acme-corp\",\"repositoryName\":\"acme-corp/api\"},"
        + "{\"date\":\"" + date + "\",\"product\":\"Actions\",\"sku\":\"Actions macOS 3-core\",\"quantity\":"
        + Math.round(macosNet / 0.08) + ",\"unitType\":\"minutes\",\"pricePerUnit\":0.08,\"grossAmount\":" + macosNet
        + ",\"discountAmount\":0,\"netAmount\":" + macosNet + ",\"organizationName\":\"acme-corp\","
        + "\"repositoryName\":\"acme-corp/ios-app\"},"
        + "{\"date\":\"" + date + "\",\"product\":\"Actions\",\"sku\":\"Actions storage\",\"quantity\":312,"
        + "\"unitType\":\"GigabyteHours\",\"pricePerUnit\":0.00033602,\"grossAmount\":0.1048,\"discountAmount\":0.1048,"
        + "\"netAmount\":0,\"organizationName\":\"acme-corp\",\"repositoryName\":\"acme-corp/api\"},"
        + "{\"date\":\"" + date + "\",\"product\":\"Packages\",\"sku\":\"Packages storage\",\"quantity\":10,"
        + "\"unitType\":\"gigabytes\",\"pricePerUnit\":0.25,\"grossAmount\":2.5,\"discountAmount\":0,"
        + "\"netAmount\":2.5,\"organizationName\":\"acme-corp\"}]}";
  }

  static String run(long id, String name, int workflowId, String createdAt, String status) {
    String url = "https://api.github.com/repos/acme-corp/api/actions/runs/" + id;
    return "{\"id\":" + id + ",\"name\":\"" + name + "\",\"node_id\":\"WFR_" + id + "\",\"head_branch\":\"main\","
        + "\"head_sha\":\"9fceb02d0ae598e95dc970b74767f19372d61af8\",\"path\":\".github/workflows/" + name + ".yml\","
        + "\"display_title\":\"Bump deps\",\"run_number\":5012,\"run_attempt\":1,\"event\":\"push\",\"status\":\""
        + status + "\",\"conclusion\":null,\"workflow_id\":" + workflowId + ",\"url\":\"" + url + "\",\"html_url\":"
        + "\"https://github.com/acme-corp/api/actions/runs/" + id + "\",\"pull_requests\":[],\"created_at\":\""
        + createdAt + "\",\"updated_at\":\"" + createdAt + "\",\"jobs_url\":\"" + url + "/jobs\",\"logs_url\":\"" + url
        + "/logs\",\"workflow_url\":\"https://api.github.com/repos/acme-corp/api/actions/workflows/" + workflowId
        + "\",\"actor\":{\"login\":\"release-bot[bot]\",\"id\":41898282,\"type\":\"Bot\",\"site_admin\":false},"
        + "\"head_commit\":null,\"repository\":{\"id\":1296269,\"name\":\"api\",\"full_name\":\"acme-corp/api\","
        + "\"private\":true},\"head_repository\":{\"id\":1296269,\"name\":\"api\",\"full_name\":\"acme-corp/api\","
        + "\"private\":true}}";
  }

  static String runs(int total, String... runs) {
    return "{\"total_count\":" + total + ",\"workflow_runs\":[" + String.join(",", runs) + "]}";
  }

  void scriptRuns(StubServer stub, String page1, String page2) {
    stub.route(RUNS, r -> {
      // GitHub's next link repeats the query with the next page number.
      String next = stub.baseUrl() + RUNS + "?" + r.rawQuery() + "&page=2";
      if (r.param("status").equals(Optional.of("queued"))) {
        return StubResponse.ok(runs(2, run(16254001301L, "ci", 161335, "2026-08-21T14:04:30Z", "queued")));
      }
      if (r.param("status").equals(Optional.of("in_progress"))) {
        return StubResponse.ok(runs(1, run(16254001234L, "ci", 161335, "2026-08-21T14:01:00Z", "in_progress")));
      }
      if (r.param("page").equals(Optional.of("2"))) {
        return StubResponse.ok(page2);
      }
      return StubResponse.ok(page1).withHeader("Link", "<" + next + ">; rel=\"next\", <" + next + ">; rel=\"last\"");
    });
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(BILLING, StubResponse.ok(usage("2026-08-21", 76.8)));
    scriptRuns(stub,
        runs(5, run(1, "ci", 161335, "2026-08-21T14:01:00Z", "completed"),
            run(2, "ci", 161335, "2026-08-21T14:02:00Z", "completed")),
        runs(5, run(3, "ci", 161335, "2026-08-21T14:03:00Z", "completed"),
            run(4, "deploy", 2001, "2026-08-21T14:04:00Z", "completed"),
            // Created at the end of the span: belongs to the next poll.
            run(5, "ci", 161335, "2026-08-21T14:05:00Z", "queued")));
  }

  @Override
  protected Cost expectedHappyCost() {
    // Actions items only: Linux $0 (all discounted) + macOS 3-core $76.80 + storage $0; Packages excluded.
    return Cost.usd("76.80");
  }

  @Override
  protected Instant expectedReportFrom(PollContext ctx) {
    return MIDNIGHT;
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.unit("minutes")).isEqualTo(1840 + 960);
    assertThat(report.unit("runs.created")).isEqualTo(4);
    assertThat(report.unit("runs.queued")).isEqualTo(2);
    assertThat(report.unit("runs.in_progress")).isEqualTo(1);
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("Actions Linux", "Actions macOS 3-core",
        "Actions storage", "acme-corp/api: ci", "acme-corp/api: deploy");
    assertThat(report.items().get(2).units()).containsEntry("gigabytehours", 312.0);
    assertThat(report.items().get(3).units()).containsEntry("runs.created", 3.0);
    RecordedRequest billing = stub.requestsTo(BILLING).get(0);
    assertThat(billing.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(billing.header("X-GitHub-Api-Version")).contains("2022-11-28");
    assertThat(billing.header("Accept")).contains("application/vnd.github+json");
    assertThat(stub.requestsTo(RUNS).get(0).param("per_page")).contains("100");
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(BILLING, StubResponse.ok("{\"usageItems\":[]}"));
    stub.enqueue(RUNS, StubResponse.ok(runs(0)));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest r) {
    if (r.param("day").isPresent()) {
      Instant start = LocalDate.of(Integer.parseInt(r.param("year").get()), Integer.parseInt(r.param("month").get()),
          Integer.parseInt(r.param("day").get())).atStartOfDay(ZoneOffset.UTC).toInstant();
      return Optional.of(new TimeWindow(start, start.plus(Duration.ofDays(1))));
    }
    return r.param("created").map(c -> {
      String[] parts = c.split("\\.\\.");
      return new TimeWindow(Instant.parse(parts[0]), Instant.parse(parts[1]));
    });
  }

  @Override
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    return Set.of(TimeWindow.seconds(ctx.since(), ctx.now()), new TimeWindow(MIDNIGHT, MIDNIGHT.plus(Duration.ofDays(1))));
  }

  @Test
  void laterPolls_reportOnlyWhatTheDayGrewBy() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    d.poll(context());
    stub.reset();
    stub.enqueue(BILLING, StubResponse.ok(usage("2026-08-21", 80.0)));
    scriptRuns(stub, runs(0), runs(0));
    ticker.advance(INTERVAL);
    UsageReport second = d.poll(PollContext.of(NOW, NOW.plus(INTERVAL), INTERVAL, ticker, false));
    // macOS grew from $76.80 to $80.00 (960 to 1000 minutes).
    assertThat(second.cost()).isEqualTo(Cost.usd("3.20"));
    assertThat(second.unit("minutes")).isEqualTo(40);
    assertThat(second.from()).isEqualTo(NOW);
    assertThat(second.unit("runs.created")).isZero();
  }

  @Test
  void afterMidnight_yesterdaysLateUsageStillCounts() throws Exception {
    Instant late = Instant.parse("2026-08-21T23:58:00Z");
    ticker.setInstant(late);
    stub.route(BILLING, r -> StubResponse.ok(r.param("day").equals(Optional.of("21")) ? usage("2026-08-21", 8.0)
        : usage("2026-08-22", 0.8)));
    Detector d = create(Map.of("repositories", List.of()));
    d.poll(PollContext.of(late.minus(INTERVAL), late, INTERVAL, ticker, true));
    stub.route(BILLING, r -> StubResponse.ok(r.param("day").equals(Optional.of("21")) ? usage("2026-08-21", 9.6)
        : usage("2026-08-22", 0.8)));
    Instant next = late.plus(INTERVAL);
    UsageReport r = d.poll(PollContext.of(late, next, INTERVAL, ticker, false));
    // Yesterday grew by $1.60, today is new: $0.80.
    assertThat(r.cost()).isEqualTo(Cost.usd("2.40"));
  }

  @Test
  void retiredEndpoint410_isMisconfiguredNamingTheNewEndpoint() {
    stub.failAll(StubResponse.json(410, "{\"message\":\"This endpoint has been moved.\","
        + "\"documentation_url\":\"https://gh.io/billing-api-updates-org\",\"status\":\"410\"}"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.MISCONFIGURED);
    assertThat(e.getMessage()).contains("/organizations/{org}/settings/billing/usage").contains("moved");
  }

  @Test
  void primaryRateLimit403_isRateLimitedUntilTheReset() {
    stub.failAll(StubResponse.json(403, errorBody(403, "API rate limit exceeded for user ID 1."))
        .withHeader("x-ratelimit-limit", "5000").withHeader("x-ratelimit-remaining", "0")
        .withHeader("x-ratelimit-used", "5000").withHeader("x-ratelimit-resource", "core")
        .withHeader("x-ratelimit-reset", Long.toString(NOW.getEpochSecond() + 600)));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(600));
  }

  @Test
  void userAccount_readsTheUserVariant() throws Exception {
    stub.enqueue("/users/octocat/settings/billing/usage", StubResponse.ok("{\"usageItems\":[]}"));
    Map<String, Object> user = Map.of("base_url", stub.baseUrl().toString(), "user", "octocat");
    Detector d = provider().create(dev.runaway.config.ServiceSettings.of(SERVICE, "github_actions", user),
        dev.runaway.config.SecretSource.of(secrets()));
    try {
      assertThat(d.poll(context()).cost()).isEqualTo(Cost.ZERO);
      assertThat(stub.requestsTo("/users/octocat/settings/billing/usage")).hasSize(1);
    } finally {
      d.close();
    }
  }

  @Test
  void settings_needOrgUserOrRepositories() {
    Throwable t = catchThrowable(() -> provider().create(dev.runaway.config.ServiceSettings.of(SERVICE,
        "github_actions", Map.of()), dev.runaway.config.SecretSource.of(secrets())));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("services." + SERVICE + ".org");
    Throwable both = catchThrowable(() -> create(Map.of("user", "octocat")));
    assertThat(both).isInstanceOf(ConfigException.class).hasMessageContaining("not both");
  }
}
