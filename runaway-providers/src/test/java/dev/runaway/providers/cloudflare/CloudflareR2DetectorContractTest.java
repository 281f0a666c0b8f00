package dev.runaway.providers.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Cloudflare R2 detector against the GraphQL Analytics API (cloudflare-r2.md §2). */
final class CloudflareR2DetectorContractTest extends DetectorContractTest {

  static final String ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353";
  static final String PATH = "/graphql";
  static final Instant MONTH = Instant.parse("2026-08-01T00:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();

  @Override
  protected DetectorProvider provider() {
    return new CloudflareR2DetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    // A small page so the happy day spans pages of both datasets.
    return Map.of("base_url", baseUrl.toString(), "account_id", ACCOUNT, "page_size", 5);
  }

  @Override
  protected String secretEnv() {
    return "CLOUDFLARE_API_TOKEN";
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"data\":null,\"errors\":[{\"message\":" + quote(message) + ",\"path\":null,\"extensions\":"
        + "{\"timestamp\":\"2026-08-21T14:05:00Z\"}}]}";
  }

  static JsonNode body(RecordedRequest r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isOps(RecordedRequest r) {
    return body(r).path("query").asText().contains("r2OperationsAdaptiveGroups");
  }

  static String op(String bucket, String action, long requests) {
    return "{\"sum\":{\"requests\":" + requests + "},\"dimensions\":{\"actionType\":\"" + action
        + "\",\"bucketName\":\"" + bucket + "\"}}";
  }

  static String stored(String bucket, String at, long payload) {
    return "{\"max\":{\"objectCount\":120455,\"uploadCount\":3,\"payloadSize\":" + payload + ",\"metadataSize\":"
        + "20971520},\"dimensions\":{\"bucketName\":\"" + bucket + "\",\"datetime\":\"" + at + "\"}}";
  }

  static StubResponse data(String alias, String... rows) {
    return StubResponse.ok("{\"data\":{\"viewer\":{\"accounts\":[{\"" + alias + "\":[" + String.join(",", rows)
        + "]}]}},\"errors\":null}");
  }

  /** Answers like the API: groups ordered by bucket name, at most {@code limit}, from {@code after} on. */
  static StubResponse page(RecordedRequest r, String alias, List<String[]> rows) {
    JsonNode b = body(r);
    String after = b.path("variables").path("after").asText("");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("limit: (\\d+)").matcher(b.path("query").asText());
    int limit = m.find() ? Integer.parseInt(m.group(1)) : 10000;
    List<String> out = new java.util.ArrayList<>();
    for (String[] row : rows) {
      if (row[0].compareTo(after) >= 0 && out.size() < limit) {
        out.add(row[1]);
      }
    }
    return data(alias, out.toArray(new String[0]));
  }

  static final List<String[]> OPS = List.of(
      new String[] {"assets", op("assets", "DeleteObject", 5_000)},
      new String[] {"assets", op("assets", "GetObject", 12_843_221)},
      new String[] {"assets", op("assets", "ListObjects", 912)},
      new String[] {"assets", op("assets", "PutObject", 1_040_213)},
      new String[] {"logs", op("logs", "HeadObject", 156_779)},
      new String[] {"logs", op("logs", "PutObject", 200_000)},
      new String[] {"logs", op("logs", "WeirdNewAction", 100)});

  static final List<String[]> STORAGE = List.of(
      new String[] {"assets", stored("assets", "2026-08-01T00:00:00Z", 30_000_000_000L)},
      new String[] {"assets", stored("assets", "2026-08-01T06:00:00Z", 36_000_000_000L)},
      new String[] {"assets", stored("assets", "2026-08-21T00:00:00Z", 42_000_000_000L)},
      new String[] {"assets", stored("assets", "2026-08-21T13:00:00Z", 48_000_000_000L)},
      new String[] {"logs", stored("logs", "2026-08-11T00:00:00Z", 12_000_000_000L)});

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.route(PATH, r -> isOps(r) ? page(r, "ops", OPS) : page(r, "storage", STORAGE));
  }

  @Override
  protected Cost expectedHappyCost() {
    // Month to date (Aug 1 to Aug 21 14:05), Standard prices, free tier applied:
    // Class A: PutObject 1,040,213 + ListObjects 912 + PutObject 200,000 + WeirdNewAction 100 (unknown: Class A)
    //   = 1,241,225; (1,241,225 - 1,000,000) x $4.50/M = $1.0855125
    // Class B: GetObject 12,843,221 + HeadObject 156,779 = 13,000,000; (13,000,000 - 10,000,000) x $0.36/M = $1.08
    // Storage, daily peaks in GB: assets 36 on Aug 1-20 (20 days), 48 on Aug 21; logs 12 on Aug 11-20 (10 days),
    //   12 on Aug 21; Aug 21 counts 845/1440 of a day. GB-days = 720 + 120 + 60 x 845/1440 = 875.2083...,
    //   GB-months = 875.2083.../30 = 29.17361...; (29.17361... - 10) x $0.015 = $0.2876041666... -> $0.287604167.
    return Cost.usd("2.453116667");
  }

  @Override
  protected Instant expectedReportFrom(PollContext ctx) {
    return MONTH;
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.units()).containsEntry("operations.class_a", 1_241_225.0)
        .containsEntry("operations.class_b", 13_000_000.0).containsEntry("operations.free", 5_000.0)
        .containsEntry("requests", 14_246_225.0);
    assertThat(report.unit("storage.gb_month")).isCloseTo(29.173611111, Offset.offset(1e-8));
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("Class A operations",
        "Class B operations", "Free operations", "Storage");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("1.0855125"));
    assertThat(report.items().get(0).units()).containsEntry("unclassified.WeirdNewAction", 100.0);
    assertThat(report.items().get(3).cost()).isEqualTo(Cost.usd("0.287604167"));
    List<RecordedRequest> rs = stub.requests();
    assertThat(rs).hasSize(4).allSatisfy(r -> {
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.header("Authorization")).contains("Bearer " + SECRET);
      assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      assertThat(body(r).path("variables").path("accountTag").asText()).isEqualTo(ACCOUNT);
    });
    // Page 2 of each dataset starts again at the last bucket of page 1, whose groups may have been cut.
    assertThat(rs.stream().filter(r -> !body(r).path("variables").path("after").isMissingNode()))
        .hasSize(2).allSatisfy(r -> assertThat(body(r).path("variables").path("after").asText()).isEqualTo("logs"));
    assertThat(body(rs.get(0)).path("query").asText()).contains("filter: { accountTag: $accountTag }")
        .contains("limit: 5").contains("datetime_geq: $start, datetime_lt: $end");
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.route(PATH, r -> isOps(r) ? data("ops") : data("storage"));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest request) {
    JsonNode v = body(request).path("variables");
    if (v.path("start").isMissingNode()) {
      return Optional.empty();
    }
    return Optional.of(new TimeWindow(Instant.parse(v.path("start").asText()), Instant.parse(v.path("end").asText())));
  }

  @Override
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    return Set.of(new TimeWindow(MONTH, ctx.now()));
  }

  private PollContext span(Instant since, Instant now) {
    ticker.setInstant(now);
    return PollContext.of(since, now, Duration.between(since, now), ticker, false);
  }

  private Detector createWith(Map<String, Object> extra) {
    Map<String, Object> s = new LinkedHashMap<>(settings(stub.baseUrl()));
    s.putAll(extra);
    s.values().removeIf(v -> v.equals("<remove>"));
    s.put("timeout_seconds", 10);
    Detector d = provider().create(dev.runaway.config.ServiceSettings.of(SERVICE, "cloudflare_r2", s),
        dev.runaway.config.SecretSource.of(secrets()));
    return d;
  }

  @Test
  void poll_errorsInsideHttp200WithDataNull_failWithCloudflaresMessage() {
    stub.enqueue(PATH, StubResponse.ok("{ \"data\": null, \"errors\": [ { \"message\": \"cannot request data older "
        + "than 2678400s\", \"path\": [\"viewer\", \"accounts\", \"0\", \"r2OperationsAdaptiveGroups\"], "
        + "\"extensions\": { \"timestamp\": \"2026-11-26T09:00:00.195060142Z\" } } ] }"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("HTTP 200").contains("cannot request data older than 2678400s")
        .contains("viewer.accounts.0.r2OperationsAdaptiveGroups");
  }

  @Test
  void poll_budgetErrorInsideHttp200_isRateLimitedForFiveMinutes() {
    stub.enqueue(PATH, StubResponse.ok("{ \"data\": null, \"errors\": [ { \"extensions\": { \"code\": \"budget\", "
        + "\"timestamp\": \"2026-11-26T01:01:01Z\" }, \"message\": \"Account " + ACCOUNT + " has exceeded its rate "
        + "limit. Please try again after 5 minutes. ...\", \"path\": null } ] }"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofMinutes(5));
  }

  @Test
  void poll_http429WithoutRetryAfter_waitsFiveMinutes() {
    stub.enqueue(PATH, StubResponse.json(429, "{\"data\":null,\"errors\":[{\"message\":\"rate limiter budget "
        + "depleted, try again after 5 minutes\",\"path\":null,\"extensions\":{\"code\":\"budget\","
        + "\"timestamp\":\"2026-08-21T14:05:00Z\"}}]}"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofMinutes(5));
    assertThat(e.getMessage()).contains("budget depleted");
  }

  @Test
  void poll_notAuthorizedInsideHttp200_isUnauthorizedNamingTheToken() {
    stub.enqueue(PATH, StubResponse.ok(errorBody(200, "not authorized for that account")));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("CLOUDFLARE_API_TOKEN").contains("Account Analytics");
  }

  @Test
  void poll_noAccountVisible_isMisconfigured() {
    stub.enqueue(PATH, StubResponse.ok("{\"data\":{\"viewer\":{\"accounts\":[]}},\"errors\":null}"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.MISCONFIGURED);
    assertThat(e.getMessage()).contains(ACCOUNT);
  }

  @Test
  void poll_withinTheFreeTier_costsNothingButCountsOperations() throws Exception {
    stub.route(PATH, r -> isOps(r) ? data("ops", op("assets", "PutObject", 999_999), op("assets", "GetObject",
        9_999_999)) : data("storage", stored("assets", "2026-08-01T00:00:00Z", 9_000_000_000L)));
    UsageReport r = create().poll(context());
    assertThat(r.cost()).isEqualTo(Cost.ZERO);
    assertThat(r.unit("requests")).isEqualTo(10_999_998.0);
  }

  @Test
  void poll_bucketScoped_appliesNoFreeTierUnlessTold() throws Exception {
    stub.route(PATH, r -> isOps(r) ? data("ops", op("assets", "PutObject", 1_000_000), op("assets", "GetObject",
        2_000_000)) : data("storage"));
    UsageReport scoped = createWith(Map.of("bucket", "assets")).poll(context());
    // 1,000,000 x $4.50/M + 2,000,000 x $0.36/M
    assertThat(scoped.cost()).isEqualTo(Cost.usd("5.22"));
    RecordedRequest req = stub.requests().get(0);
    assertThat(body(req).path("variables").path("bucketName").asText()).isEqualTo("assets");
    assertThat(body(req).path("query").asText()).contains("bucketName: $bucketName");

    UsageReport withFree = createWith(Map.of("bucket", "assets", "free_tier", true)).poll(context());
    assertThat(withFree.cost()).isEqualTo(Cost.ZERO);
  }

  @Test
  void poll_infrequentAccessAndPriceOverrides_areUsed() throws Exception {
    stub.route(PATH, r -> isOps(r) ? data("ops", op("a", "PutObject", 1_000_000), op("a", "GetObject", 1_000_000))
        : data("storage"));
    assertThat(createWith(Map.of("storage_class", "infrequent_access")).poll(context()).cost())
        .isEqualTo(Cost.usd("9.90"));
    assertThat(createWith(Map.of("prices", Map.of("class_a_per_million", 5, "class_b_per_million", 0.5),
        "free_tier", false)).poll(context()).cost()).isEqualTo(Cost.usd("5.50"));
    Throwable t = catchThrowable(() -> createWith(Map.of("storage_class", "infrequent_access", "free_tier", true)));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("Standard storage only");
  }

  @Test
  void poll_unknownActionIsClassAAndWarnedOnceUntilClassified() throws Exception {
    int mark = LogCapture.mark();
    stub.route(PATH, r -> isOps(r) ? data("ops", op("a", "BrandNewOp", 2_000_000)) : data("storage"));
    Detector d = createWith(Map.of("free_tier", false));
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.usd("9.00"));
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.usd("9.00"));
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level().toString().equals("WARN")
        && e.fullText().contains("BrandNewOp")).hasSize(1);
    assertThat(createWith(Map.of("free_tier", false, "action_classes", Map.of("BrandNewOp", "b"))).poll(context())
        .cost()).isEqualTo(Cost.usd("0.72"));
  }

  @Test
  void poll_oneBucketWithMoreGroupsThanAPage_asksForALargerPage() {
    stub.route(PATH, r -> data("ops", op("a", "GetObject", 1), op("a", "PutObject", 1), op("a", "HeadObject", 1),
        op("a", "ListObjects", 1), op("a", "CopyObject", 1)));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("page_size");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "span crossing into a new month reports the month that ended"
          + "|2026-09-30T23:58:00Z|2026-10-01T00:03:00Z|2026-09-01T00:00:00Z|2026-09-01T00:00:00Z|2026-10-01T00:00:00Z",
      // 31 days less a minute before now, rounded down to the minute: the API refuses anything older.
      "crossing out of a 31-day month stays inside the 31-day retention"
          + "|2026-08-31T23:58:00Z|2026-09-01T00:03:00Z|2026-08-01T00:00:00Z|2026-08-01T00:04:00Z|2026-09-01T00:00:00Z"})
  void poll_spanCrossingAMonthEnd_reportsTheMonthThatEndedUpToItsEnd(String rule, Instant from, Instant to,
      Instant month, String queryStart, String queryEnd) throws Exception {
    scriptEmptyDay(stub, context());
    UsageReport r = create().poll(span(from, to));
    assertThat(r.from()).isEqualTo(month);
    assertThat(r.to()).isEqualTo(to);
    JsonNode v = body(stub.requests().get(0)).path("variables");
    assertThat(v.path("start").asText()).isEqualTo(queryStart);
    assertThat(v.path("end").asText()).isEqualTo(queryEnd);
  }

  @Test
  void poll_pacesItselfTo300QueriesPerFiveMinutes() throws Exception {
    scriptEmptyDay(stub, context());
    Detector d = create();
    for (int i = 0; i < 150; i++) {
      d.poll(context()); // two queries each
    }
    PollException paced = pollFails(d);
    assertThat(paced.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(paced.retryAfter()).contains(Duration.ofSeconds(1));
    assertThat(stub.requests()).hasSize(300);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.ZERO);
  }

  @Test
  void create_validatesTheAccountAndTheSettings() {
    assertThat(catchThrowable(() -> createWith(Map.of("account_id", "not-an-account"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("32 hexadecimal digits");
    assertThat(catchThrowable(() -> createWith(Map.of("account_id", "<remove>"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("services." + SERVICE + ".account_id");
    assertThat(catchThrowable(() -> createWith(Map.of("action_classes", Map.of("X", "C")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("action_classes.X");
    assertThat(catchThrowable(() -> createWith(Map.of("bucket_name", "x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bucket_name");
  }
}
