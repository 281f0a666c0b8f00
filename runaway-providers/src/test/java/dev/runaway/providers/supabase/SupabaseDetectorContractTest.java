package dev.runaway.providers.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
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
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Supabase detector against the Management API's usage endpoints (supabase.md §1). */
final class SupabaseDetectorContractTest extends DetectorContractTest {

  static final String REF = "abcdefghijklmnopqrst";
  static final String COUNTS = "/v1/projects/" + REF + "/analytics/endpoints/usage.api-counts";
  static final String TOTAL = "/v1/projects/" + REF + "/analytics/endpoints/usage.api-requests-count";
  static final Instant MIDNIGHT = Instant.parse("2026-08-21T00:00:00Z");
  static final Map<String, Duration> INTERVALS = Map.of("15min", Duration.ofMinutes(15), "30min",
      Duration.ofMinutes(30), "1hr", Duration.ofHours(1), "3hr", Duration.ofHours(3), "1day", Duration.ofDays(1),
      "3day", Duration.ofDays(3), "7day", Duration.ofDays(7));

  @Override
  protected DetectorProvider provider() {
    return new SupabaseDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "project_ref", REF, "price_per_million_requests",
        Map.of("rest", 0.5, "auth", 2, "realtime", 2.5, "storage", 4));
  }

  @Override
  protected String secretEnv() {
    return "SUPABASE_ACCESS_TOKEN";
  }

  @Override
  protected boolean paginated() {
    return false; // supabase.md §1.2: none of the usage endpoints is paginated
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"message\":" + quote(message) + "}";
  }

  static String bucket(String at, long auth, long realtime, long rest, long storage) {
    return "{\"timestamp\":\"" + at + "\",\"total_auth_requests\":" + auth + ",\"total_realtime_requests\":" + realtime
        + ",\"total_rest_requests\":" + rest + ",\"total_storage_requests\":" + storage + "}";
  }

  static String counts(String... buckets) {
    return "{\"result\":[" + String.join(",", buckets) + "]}";
  }

  static StubResponse ok(String json) {
    // Supabase sends its rate-limit headers on every answer; Reset is seconds remaining.
    return StubResponse.ok(json).withHeader("X-RateLimit-Limit", "30").withHeader("X-RateLimit-Remaining", "28")
        .withHeader("X-RateLimit-Reset", "41");
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(COUNTS, ok(counts(
        // Yesterday (inside the 1-day look-back, outside the UTC day): not counted.
        bucket("2026-08-20T22:00:00.000Z", 388, 12, 251907, 103),
        bucket("2026-08-21T00:00:00.000Z", 412, 0, 18344, 96),
        bucket("2026-08-21T13:00:00.000Z", 100, 50, 81656, 4),
        bucket("2026-08-21T14:00:00.000Z", 488, 950, 100000, 900))));
    stub.enqueue(TOTAL, ok("{\"result\":[{\"count\":1873442}]}"));
  }

  @Override
  protected Cost expectedHappyCost() {
    // Today: rest 18344 + 81656 + 100000 = 200000 x $0.50/M = $0.10; auth 412 + 100 + 488 = 1000 x $2/M = $0.002;
    // realtime 0 + 50 + 950 = 1000 x $2.50/M = $0.0025; storage 96 + 4 + 900 = 1000 x $4/M = $0.004.
    return Cost.usd("0.1085");
  }

  @Override
  protected Instant expectedReportFrom(PollContext ctx) {
    return MIDNIGHT; // cumulative for the UTC day
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.units()).containsEntry("requests", 203000.0).containsEntry("requests.rest", 200000.0)
        .containsEntry("requests.auth", 1000.0).containsEntry("requests.realtime", 1000.0)
        .containsEntry("requests.storage", 1000.0).containsEntry("requests.reported_total", 1873442.0);
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("rest", "auth", "realtime", "storage");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("0.10"));
    assertThat(stub.requests()).hasSize(2).allSatisfy(r -> {
      assertThat(r.method()).isEqualTo("GET");
      assertThat(r.header("Authorization")).contains("Bearer " + SECRET);
    });
    assertThat(stub.requestsTo(COUNTS).get(0).param("interval")).contains("1day");
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(COUNTS, ok("{\"result\":[]}"));
    stub.enqueue(TOTAL, ok("{\"result\":[]}"));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest request) {
    // usage.api-counts has only a look-back interval ending now.
    return request.param("interval").map(i -> new TimeWindow(NOW.minus(INTERVALS.get(i)), NOW));
  }

  @Override
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    return Set.of(new TimeWindow(NOW.minus(Duration.ofDays(1)), NOW));
  }

  private PollContext span(Instant since, Instant now) {
    ticker.setInstant(now);
    return PollContext.of(since, now, Duration.between(since, now), ticker, false);
  }

  @Test
  void poll_errorInsideHttp200_failsWithSupabasesMessage() {
    stub.enqueue(COUNTS, ok("{ \"result\": [], \"error\": { \"code\": 400, \"errors\": [ { \"domain\": \"global\", "
        + "\"location\": \"q\", \"locationType\": \"parameter\", \"message\": \"Query error\", \"reason\": "
        + "\"invalidQuery\" } ], \"message\": \"Query error\", \"status\": \"INVALID_ARGUMENT\" } }"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("HTTP 200").contains("Query error").contains("INVALID_ARGUMENT");
  }

  @Test
  void poll_errorStringInsideHttp200_isAnError() {
    stub.enqueue(COUNTS, ok("{\"result\":[]}"));
    stub.enqueue(TOTAL, ok("{\"error\":\"Failed to get project's usage api requests count\"}"));
    PollException e = pollFails(create());
    assertThat(e.getMessage()).contains("usage api requests count");
  }

  @Test
  void poll_429WithResetSecondsRemaining_waitsThatLongThenAsksAgain() throws Exception {
    stub.enqueue(COUNTS, StubResponse.json(429, "{\"message\":\"Too Many Requests\"}")
        .withHeader("X-RateLimit-Limit", "30").withHeader("X-RateLimit-Remaining", "0")
        .withHeader("X-RateLimit-Reset", "37"));
    Detector d = create();
    PollException e = pollFails(d);
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(37));

    stub.reset();
    scriptHappyDay(stub, context());
    PollException early = pollFails(d);
    assertThat(early.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(stub.requests()).as("nothing is sent before the reset").isEmpty();

    ticker.advance(Duration.ofSeconds(37));
    assertThat(d.poll(context()).cost()).isEqualTo(expectedHappyCost());
  }

  @Test
  void poll_pacesItselfToThirtyRequestsAMinuteOnTheMonitorsTicker() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    for (int i = 0; i < 15; i++) {
      d.poll(context()); // two requests each
    }
    assertThat(stub.requests()).hasSize(30);
    PollException paced = pollFails(d);
    assertThat(paced.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(paced.retryAfter()).contains(Duration.ofSeconds(2));
    assertThat(stub.requests()).as("the 31st request is not sent").hasSize(30);

    ticker.advance(Duration.ofSeconds(4)); // two more permits: one poll
    assertThat(d.poll(context()).cost()).isEqualTo(expectedHappyCost());
    assertThat(stub.requests()).hasSize(32);
  }

  @Test
  void poll_spanCrossingUtcMidnight_reportsTheDayThatEndedOverThreeDays() throws Exception {
    stub.enqueue(COUNTS, ok(counts(
        bucket("2026-08-20T23:00:00.000Z", 10, 0, 1000, 0),
        bucket("2026-08-21T00:00:00.000Z", 5, 0, 999999, 0))));
    stub.enqueue(TOTAL, ok("{\"result\":[{\"count\":5}]}"));
    Instant since = Instant.parse("2026-08-20T23:58:00Z");
    UsageReport r = create().poll(span(since, Instant.parse("2026-08-21T00:03:00Z")));
    assertThat(r.from()).isEqualTo(Instant.parse("2026-08-20T00:00:00Z"));
    assertThat(r.to()).isEqualTo(Instant.parse("2026-08-21T00:03:00Z"));
    assertThat(r.unit("requests.rest")).isEqualTo(1000.0);
    assertThat(stub.requestsTo(COUNTS).get(0).param("interval")).contains("3day");
  }

  @Test
  void poll_sinceExactlyAtMidnight_reportsThePreviousDaySoNothingCountsTwice() throws Exception {
    stub.enqueue(COUNTS, ok(counts(bucket("2026-08-20T23:00:00.000Z", 1, 0, 7, 0),
        bucket("2026-08-21T00:00:00.000Z", 1, 0, 50, 0))));
    stub.enqueue(TOTAL, ok("{\"result\":[{\"count\":5}]}"));
    UsageReport r = create().poll(span(MIDNIGHT, MIDNIGHT.plusSeconds(300)));
    assertThat(r.from()).isEqualTo(Instant.parse("2026-08-20T00:00:00Z"));
    assertThat(r.unit("requests.rest")).isEqualTo(7.0);
  }

  @Test
  void create_withoutProjectRef_readsItFromSupabaseUrl() throws Exception {
    Map<String, Object> s = new HashMap<>(settings(stub.baseUrl()));
    s.remove("project_ref");
    ServiceSettings settings = ServiceSettings.of(SERVICE, "supabase", s);
    assertThat(provider().requiredSecrets(settings)).containsExactly("SUPABASE_ACCESS_TOKEN", "SUPABASE_URL");
    scriptHappyDay(stub, context());
    Detector d = provider().create(settings, SecretSource.of(Map.of("SUPABASE_ACCESS_TOKEN", SECRET,
        "SUPABASE_URL", "https://" + REF + ".supabase.co/", "SUPABASE_ANON_KEY", "eyJhbGciOiJIUzI1NiJ9.anon")));
    try {
      assertThat(d.poll(context()).cost()).isEqualTo(expectedHappyCost());
    } finally {
      d.close();
    }
    assertThat(stub.requests()).extracting(RecordedRequest::path).containsExactly(COUNTS, TOTAL);
  }

  @Test
  void create_withACustomDomainUrl_asksForProjectRef() {
    Map<String, Object> s = new HashMap<>(settings(stub.baseUrl()));
    s.remove("project_ref");
    Throwable t = catchThrowable(() -> provider().create(ServiceSettings.of(SERVICE, "supabase", s),
        SecretSource.of(Map.of("SUPABASE_ACCESS_TOKEN", SECRET, "SUPABASE_URL", "https://db.example.com"))));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("project_ref")
        .hasMessageContaining("SUPABASE_URL");
    assertNoSecret(t);
  }

  @Test
  void create_withoutSupabaseUrlOrProjectRef_namesTheVariable() {
    Map<String, Object> s = new HashMap<>(settings(stub.baseUrl()));
    s.remove("project_ref");
    Throwable t = catchThrowable(() -> provider().create(ServiceSettings.of(SERVICE, "supabase", s),
        SecretSource.of(Map.of("SUPABASE_ACCESS_TOKEN", SECRET))));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("SUPABASE_URL");
  }

  @Test
  void create_rejectsAMisspelledSettingAndANegativePrice() {
    Map<String, Object> typo = new LinkedHashMap<>(settings(stub.baseUrl()));
    typo.put("project_reference", REF);
    assertThat(catchThrowable(() -> create(typo))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("project_reference").hasMessageContaining("project_ref");
    Throwable neg = catchThrowable(() -> create(Map.of("price_per_million_requests", Map.of("rest", -1))));
    assertThat(neg).isInstanceOf(ConfigException.class)
        .hasMessageContaining("services." + SERVICE + ".price_per_million_requests.rest");
    Throwable ref = catchThrowable(() -> create(Map.of("project_ref", "ABC")));
    assertThat(ref).isInstanceOf(ConfigException.class).hasMessageContaining("20 lower-case letters");
  }

  @Test
  void poll_withoutPrices_reportsRequestsAtZeroCostAndSaysWhyOnce() throws Exception {
    int mark = LogCapture.mark();
    scriptHappyDay(stub, context());
    Map<String, Object> s = new HashMap<>(settings(stub.baseUrl()));
    s.remove("price_per_million_requests");
    s.put("timeout_seconds", 10);
    Detector d = provider().create(ServiceSettings.of(SERVICE, "supabase", s),
        SecretSource.of(Map.of(secretEnv(), SECRET)));
    try {
      UsageReport r = d.poll(context());
      assertThat(r.cost()).isEqualTo(Cost.ZERO);
      assertThat(r.unit("requests")).isEqualTo(203000.0);
    } finally {
      d.close();
    }
    assertThat(LogCapture.since(mark)).filteredOn(ev -> ev.fullText().contains("no price_per_million_requests"))
        .hasSize(1);
  }

  @Test
  void secretNames_withProjectRef_needOnlyTheToken() {
    ServiceSettings s = ServiceSettings.of(SERVICE, "supabase", Map.of("project_ref", REF, "token_env", "SB_PAT"));
    assertThat(provider().requiredSecrets(s)).isEqualTo(List.of("SB_PAT"));
  }
}
