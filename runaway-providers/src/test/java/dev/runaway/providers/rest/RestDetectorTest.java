package dev.runaway.providers.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The custom REST detector's own features: counters, gauges, keys in queries, JSON Lines, errors in 200 bodies, config checks. */
final class RestDetectorTest {

  private static final String KEY = "key-SENTINEL/77+x";
  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  private static final Duration INTERVAL = Duration.ofMinutes(5);

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private final ManualTicker ticker = ManualTicker.startingAt(NOW);
  private Detector detector;
  private int mark;

  @BeforeEach
  void setUp() {
    mark = LogCapture.mark();
  }

  @AfterEach
  void tearDown() {
    if (detector != null) {
      detector.close();
    }
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining());
    assertThat(logs).doesNotContain(KEY).doesNotContain("key-SENTINEL%2F77%2Bx");
  }

  private Detector create(Map<String, Object> settings) {
    detector = new RestDetectorProvider().create(ServiceSettings.of("vendor", "rest", settings),
        SecretSource.of(Map.of("VENDOR_KEY", KEY, "VENDOR_TEAM", "team-7")));
    return detector;
  }

  private PollContext poll(int n) {
    Instant now = NOW.plus(INTERVAL.multipliedBy(n));
    return PollContext.of(now.minus(INTERVAL), now, INTERVAL, ticker, n == 0);
  }

  @Test
  void counter_reportsGrowthBetweenPollsAndSurvivesAReset() throws Exception {
    java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong(1000);
    stub.route("/stats", r -> StubResponse.ok("{\"requests_total\":" + total.get() + "}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/stats"),
        "metrics", List.of(Map.of("name", "requests", "valuePointer", "/requests_total", "kind", "counter",
            "costPerUnit", 0.001))));
    assertThat(detector.poll(poll(0)).cost()).isEqualTo(Cost.ZERO);
    total.set(1250);
    UsageReport second = detector.poll(poll(1));
    assertThat(second.unit("requests")).isEqualTo(250);
    assertThat(second.cost()).isEqualTo(Cost.usd("0.25"));
    total.set(40);
    assertThat(detector.poll(poll(2)).unit("requests")).isEqualTo(40);
  }

  /**
   * A poll that fails after reading a counter (another metric's amount is out of range) reports
   * nothing: the counter keeps its previous reading, so the next poll reports the growth once.
   */
  @Test
  void counter_aPollThatFailsAfterReadingItDoesNotLoseItsGrowth() throws Exception {
    java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong(1000);
    java.util.concurrent.atomic.AtomicReference<String> spend = new java.util.concurrent.atomic.AtomicReference<>("0");
    stub.route("/stats", r -> StubResponse.ok("{\"requests_total\":" + requests.get() + ",\"spend_total\":"
        + spend.get() + "}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/stats"),
        "metrics", List.of(Map.of("name", "requests", "valuePointer", "/requests_total", "kind", "counter",
            "costPerUnit", 0.001), Map.of("name", "spend", "costPointer", "/spend_total", "kind", "counter"))));
    assertThat(detector.poll(poll(0)).cost()).isEqualTo(Cost.ZERO);
    requests.set(1250);
    spend.set("20000000000"); // $20 billion: beyond what a Cost holds
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> detector.poll(poll(1))).isInstanceOf(Exception.class);
    spend.set("0");
    UsageReport retry = detector.poll(poll(1));
    assertThat(retry.unit("requests")).isEqualTo(250);
    assertThat(retry.cost()).isEqualTo(Cost.usd("0.25"));
  }

  @Test
  void gauge_isAUnitWithoutCost() throws Exception {
    stub.enqueue("/disk", StubResponse.ok("{\"used_gb\":12.5}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/disk"),
        "metrics", List.of(Map.of("name", "disk_gb", "valuePointer", "/used_gb", "kind", "gauge"))));
    UsageReport r = detector.poll(poll(0));
    assertThat(r.unit("disk_gb")).isEqualTo(12.5);
    assertThat(r.cost()).isEqualTo(Cost.ZERO);
  }

  @Test
  void apiKeyQuery_isSentAndRedactedFromFailures() {
    stub.failAll(StubResponse.json(500, "{\"message\":\"upstream failed for key " + KEY + "\"}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/usage?from={{windowStartEpoch}}",
            "auth", Map.of("type", "apiKeyQuery", "name", "api_key", "keyEnv", "VENDOR_KEY"),
            "headers", Map.of("X-Team", "${VENDOR_TEAM}")),
        "metrics", List.of(Map.of("name", "calls", "valuePointer", "/n"))));
    Throwable t = catchThrowable(() -> detector.poll(poll(0)));
    assertThat(t).isInstanceOf(PollException.class).hasMessageNotContaining(KEY);
    assertThat(((PollException) t).kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
    RecordedRequest r = stub.requests().get(0);
    assertThat(r.param("api_key")).contains(KEY);
    assertThat(r.param("from")).contains(Long.toString(NOW.minus(INTERVAL).getEpochSecond()));
    assertThat(r.header("X-Team")).contains("team-7");
  }

  @Test
  void errorInA200Body_isBadResponse() {
    stub.enqueue("/graphql", StubResponse.ok("{\"data\":null,\"errors\":[{\"message\":\"budget exceeded\","
        + "\"extensions\":{\"code\":\"budget\"}}]}"));
    create(Map.of("request", Map.of("method", "POST", "url", stub.baseUrl() + "/graphql",
            "body", "{\"query\":\"{ viewer { ops(since: \\\"{{windowStart}}\\\") } }\"}",
            "auth", Map.of("type", "bearer", "tokenEnv", "VENDOR_KEY")),
        "response", Map.of("errorPointer", "/errors", "recordsPointer", "/data/viewer/ops"),
        "metrics", List.of(Map.of("name", "ops", "valuePointer", "/count"))));
    Throwable t = catchThrowable(() -> detector.poll(poll(0)));
    assertThat(((PollException) t).kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(t).hasMessageContaining("budget exceeded");
    assertThat(stub.requests().get(0).body()).contains(NOW.minus(INTERVAL).toString());
  }

  @Test
  void jsonLines_withTimestampsOutsideTheSpanSkipped() throws Exception {
    stub.enqueue("/charges", StubResponse.ok("{\"ChargePeriodStart\":\"2026-08-21T14:01:00Z\",\"BilledCost\":1.25,"
        + "\"ServiceName\":\"Functions\"}\n{\"ChargePeriodStart\":\"2026-08-21T13:00:00Z\",\"BilledCost\":9.0,"
        + "\"ServiceName\":\"Functions\"}\n\n{\"ChargePeriodStart\":\"2026-08-21T14:03:00Z\",\"BilledCost\":\"0.5\","
        + "\"ServiceName\":\"Edge\"}\n"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/charges", "successStatus", List.of(200)),
        "response", Map.of("format", "jsonl", "timestampPointer", "/ChargePeriodStart",
            "dimensions", Map.of("service", "/ServiceName")),
        "metrics", List.of(Map.of("name", "billed_usd", "costPointer", "/BilledCost"))));
    UsageReport r = detector.poll(poll(0));
    assertThat(r.cost()).isEqualTo(Cost.usd("1.75"));
    assertThat(r.items()).hasSize(2);
  }

  @Test
  void pageNumber_pagesUntilAShortPage() throws Exception {
    stub.route("/items", req -> "1".equals(req.param("pageNum").orElse(""))
        ? StubResponse.ok("{\"results\":[{\"n\":1},{\"n\":2}]}") : StubResponse.ok("{\"results\":[{\"n\":3}]}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/items"),
        "response", Map.of("recordsPointer", "/results"),
        "pagination", Map.of("type", "pageNumber", "param", "pageNum", "sizeParam", "itemsPerPage", "size", 2),
        "metrics", List.of(Map.of("name", "n", "valuePointer", "/n"))));
    assertThat(detector.poll(poll(0)).unit("n")).isEqualTo(6);
    assertThat(stub.requests()).hasSize(2);
    assertThat(stub.requests().get(1).param("itemsPerPage")).contains("2");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\"}]}|services.vendor.request|is required",
      "{\"request\":{\"url\":\"https://x.example.com/{{since}}\"},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\"}]}|services.vendor.request.url|unknown placeholder",
      "{\"request\":{\"url\":\"https://x.example.com\"},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"x\"}]}|services.vendor.metrics[0].value_pointer|JSON Pointer",
      "{\"request\":{\"url\":\"https://x.example.com\"},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\",\"kind\":\"gauge\",\"cost_per_unit\":1}]}|services.vendor.metrics[0].kind|no cost",
      "{\"request\":{\"url\":\"https://x.example.com\",\"auth\":{\"type\":\"digest\"}},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\"}]}|services.vendor.request.auth.type|not supported",
      "{\"request\":{\"url\":\"https://x.example.com\",\"mehtod\":\"GET\"},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\"}]}|services.vendor.request.mehtod|allowed here",
      "{\"request\":{\"url\":\"https://x.example.com/${MISSING_TOKEN}\"},\"metrics\":[{\"name\":\"x\",\"value_pointer\":\"/x\"}]}|MISSING_TOKEN|missing credential"})
  void invalidConfig_failsAtTheOffendingPath(String json, String path, String problem) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> settings = dev.runaway.providers.http.internal.Json.MAPPER.readValue(json, Map.class);
    Throwable t = catchThrowable(() -> create(settings));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining(path).hasMessageContaining(problem);
  }

  @Test
  void requiredSecrets_listsEveryReference() {
    ServiceSettings s = ServiceSettings.of("vendor", "rest", Map.of("request", Map.of(
        "url", "https://x.example.com/${A_TOKEN}", "headers", Map.of("X-B", "${B_TOKEN}"),
        "auth", Map.of("type", "basic", "usernameEnv", "C_USER", "passwordEnv", "C_PASS")),
        "metrics", List.of(Map.of("name", "x", "valuePointer", "/x"))));
    assertThat(new RestDetectorProvider().requiredSecrets(s)).containsExactly("A_TOKEN", "B_TOKEN", "C_USER",
        "C_PASS");
  }

  @ParameterizedTest
  @CsvSource({"1e-500000000", "\"1e-500000000\"", "-1e-500000000"})
  void absurdlySmallExponent_inAResponseIsZeroAndThePollEndsAtOnce(String value) throws Exception {
    stub.enqueue("/usage", StubResponse.ok("{\"data\": [{\"count\": " + value + ", \"usd\": " + value
        + "}, {\"count\": 2, \"usd\": 0.5}]}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/usage"), "response", Map.of("recordsPointer", "/data"),
        "metrics", List.of(Map.of("name", "requests", "valuePointer", "/count", "costPerUnit", 0.001),
            Map.of("name", "spend", "costPointer", "/usd"))));
    UsageReport r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> detector.poll(poll(0)));
    assertThat(r.unit("requests")).isEqualTo(2);
    assertThat(r.cost()).isEqualTo(Cost.usd("0.502"));
  }

  @ParameterizedTest
  @CsvSource({"1e500000000", "\"1e500000000\""})
  void absurdlyLargeExponent_inAResponseIsABadResponseAtOnce(String value) {
    stub.enqueue("/usage", StubResponse.ok("{\"count\": " + value + "}"));
    create(Map.of("request", Map.of("url", stub.baseUrl() + "/usage"),
        "metrics", List.of(Map.of("name", "requests", "valuePointer", "/count", "costPerUnit", 0.001))));
    Throwable thrown = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> catchThrowable(() -> detector.poll(poll(0))));
    assertThat(thrown).isInstanceOf(PollException.class);
    assertThat(((PollException) thrown).kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(thrown.getMessage()).hasSizeLessThan(500);
  }
}
