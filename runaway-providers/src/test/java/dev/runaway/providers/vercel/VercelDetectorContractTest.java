package dev.runaway.providers.vercel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The Vercel detector against {@code /v1/billing/charges}: FOCUS JSON Lines, gzip, chunked (vercel.md §4). */
final class VercelDetectorContractTest extends DetectorContractTest {

  static final String PATH = "/v1/billing/charges";
  static final String TEAM = "team_1a2b3c4d5e6f7g8h9i0j1k2l";
  /** Midnight in Los Angeles on 2026-08-21 (PDT, UTC-7). */
  static final Instant LA_MIDNIGHT = Instant.parse("2026-08-21T07:00:00Z");
  static final String DAY = "\"ChargePeriodStart\":\"2026-08-21T07:00:00.000Z\","
      + "\"ChargePeriodEnd\":\"2026-08-22T07:00:00.000Z\"";

  static final List<String> HAPPY_ROWS = List.of(
      "{\"BilledCost\":12.4,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\"," + DAY + ","
          + "\"ConsumedQuantity\":1000000,\"ConsumedUnit\":\"GB-Seconds\",\"EffectiveCost\":12.4,\"RegionId\":\"iad1\","
          + "\"RegionName\":\"Washington, D.C., USA\",\"ServiceName\":\"Serverless Function Execution\","
          + "\"ServiceCategory\":\"Compute\",\"ServiceProviderName\":\"Vercel\",\"Tags\":{\"ProjectId\":\"prj_7Xk2aB9\","
          + "\"ProjectName\":\"web\"},\"PricingCategory\":\"Standard\",\"PricingCurrency\":\"USD\","
          + "\"PricingQuantity\":12.4,\"PricingUnit\":\"USD\"}",
      "{\"BilledCost\":3.15,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\"," + DAY + ","
          + "\"ConsumedQuantity\":21.0,\"ConsumedUnit\":\"GB\",\"EffectiveCost\":3.15,\"RegionId\":\"iad1\","
          + "\"RegionName\":\"Washington, D.C., USA\",\"ServiceName\":\"Fast Data Transfer\",\"ServiceCategory\":"
          + "\"Networking\",\"ServiceProviderName\":\"Vercel\",\"Tags\":{\"ProjectId\":\"prj_7Xk2aB9\",\"ProjectName\":"
          + "\"web\"},\"PricingCategory\":\"Standard\",\"PricingCurrency\":\"USD\",\"PricingQuantity\":3.15,"
          + "\"PricingUnit\":\"USD\"}",
      "{\"BilledCost\":0,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\"," + DAY + ","
          + "\"ConsumedQuantity\":null,\"ConsumedUnit\":null,\"EffectiveCost\":0,\"ServiceName\":"
          + "\"Edge Middleware Invocations\",\"ServiceProviderName\":\"Vercel\",\"Tags\":{},\"PricingCategory\":"
          + "\"Committed\",\"PricingCurrency\":\"USD\",\"PricingQuantity\":50,\"PricingUnit\":\"MIUs\"}",
      // The SDK documentation's camelCase spelling.
      "{\"billedCost\":0.85,\"billingCurrency\":\"USD\",\"chargeCategory\":\"Usage\","
          + "\"chargePeriodStart\":\"2026-08-21T07:00:00.000Z\",\"chargePeriodEnd\":\"2026-08-22T07:00:00.000Z\","
          + "\"consumedQuantity\":1700,\"consumedUnit\":\"Images\",\"effectiveCost\":0.85,\"serviceName\":"
          + "\"Image Optimization\",\"serviceProviderName\":\"Vercel\",\"tags\":{},\"pricingCategory\":\"Standard\","
          + "\"pricingCurrency\":\"USD\",\"pricingQuantity\":0.85,\"pricingUnit\":\"USD\"}",
      "{\"BilledCost\":1.2,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Tax\"," + DAY + ","
          + "\"ConsumedQuantity\":null,\"ConsumedUnit\":null,\"EffectiveCost\":1.2,\"ServiceName\":\"Sales Tax\","
          + "\"ServiceProviderName\":\"Vercel\",\"Tags\":{},\"PricingCategory\":\"Other\",\"PricingCurrency\":\"USD\","
          + "\"PricingQuantity\":1.2,\"PricingUnit\":\"USD\"}",
      "{\"BilledCost\":-5.00,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Credit\"," + DAY + ","
          + "\"ConsumedQuantity\":null,\"ConsumedUnit\":null,\"EffectiveCost\":-5.00,\"ServiceName\":\"Credits\","
          + "\"ServiceProviderName\":\"Vercel\",\"Tags\":{},\"PricingCategory\":\"Other\",\"PricingCurrency\":\"USD\","
          + "\"PricingQuantity\":-5,\"PricingUnit\":\"USD\"}",
      // Yesterday's bucket, should the range reach it: not today's spend.
      "{\"BilledCost\":99,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\",\"ChargePeriodStart\":"
          + "\"2026-08-20T07:00:00.000Z\",\"ChargePeriodEnd\":\"2026-08-21T07:00:00.000Z\",\"ConsumedQuantity\":1,"
          + "\"ConsumedUnit\":\"GB\",\"EffectiveCost\":99,\"ServiceName\":\"Fast Data Transfer\",\"ServiceProviderName\":"
          + "\"Vercel\",\"Tags\":{},\"PricingCategory\":\"Standard\",\"PricingCurrency\":\"USD\",\"PricingQuantity\":99,"
          + "\"PricingUnit\":\"USD\"}");

  @Override
  protected DetectorProvider provider() {
    return new VercelDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "team_id", TEAM);
  }

  @Override
  protected String secretEnv() {
    return "VERCEL_TOKEN";
  }

  @Override
  protected boolean paginated() {
    return false; // vercel.md §4.2: the whole range is streamed as one JSON Lines answer
  }

  @Override
  protected String errorBody(int status, String message) {
    String code = status == 401 ? "unauthorized" : status == 403 ? "forbidden" : status == 429 ? "rate_limited"
        : status >= 500 ? "internal_server_error" : "bad_request";
    return "{\"error\":{\"code\":\"" + code + "\",\"message\":" + quote(message) + "}}";
  }

  static byte[] gzip(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Answers like Vercel: gzip when the request accepts it, else plain JSON Lines. */
  static StubResponse jsonl(RecordedRequest r, List<String> rows) {
    String body = rows.isEmpty() ? "" : String.join("\n", rows) + "\n";
    boolean gzip = r.header("Accept-Encoding").orElse("").contains("gzip") && !body.isEmpty();
    List<Map.Entry<String, String>> headers = gzip
        ? List.of(Map.entry("Content-Type", "application/jsonl"), Map.entry("Content-Encoding", "gzip"))
        : List.of(Map.entry("Content-Type", "application/jsonl"));
    return new StubResponse(200, headers, gzip ? gzip(body) : body.getBytes(StandardCharsets.UTF_8), Duration.ZERO,
        false);
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.route(PATH, r -> jsonl(r, HAPPY_ROWS));
  }

  @Override
  protected Cost expectedHappyCost() {
    // 12.40 + 3.15 + 0 + 0.85 (camelCase row) + 1.20 (tax) = 17.60; the -5.00 credit and yesterday's 99 are left out.
    return Cost.usd("17.60");
  }

  @Override
  protected Instant expectedReportFrom(PollContext ctx) {
    return LA_MIDNIGHT;
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.units()).containsEntry("serverless_function_execution.gb_seconds", 1_000_000.0)
        .containsEntry("fast_data_transfer.gb", 21.0).containsEntry("image_optimization.images", 1700.0)
        .containsEntry("credits.usd", 5.0).doesNotContainKey("edge_middleware_invocations.quantity");
    assertThat(report.items()).extracting(UsageItem::name).containsExactly(
        "Serverless Function Execution (project web)", "Fast Data Transfer (project web)",
        "Edge Middleware Invocations", "Image Optimization", "Sales Tax");
    assertThat(report.items().get(1).cost()).isEqualTo(Cost.usd("3.15"));
    RecordedRequest r = stub.requests().get(0);
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(r.header("Accept-Encoding")).contains("gzip");
    assertThat(r.header("Accept")).contains("application/jsonl");
    assertThat(r.param("teamId")).contains(TEAM);
    assertThat(r.param("from")).contains("2026-08-21T07:00:00.000Z");
    assertThat(r.param("to")).contains("2026-08-21T14:05:00.000Z");
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.route(PATH, r -> jsonl(r, List.of()));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest request) {
    return TimeWindow.isoParams(request, "from", "to");
  }

  @Override
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    return Set.of(new TimeWindow(LA_MIDNIGHT, ctx.now()));
  }

  private PollContext span(Instant since, Instant now) {
    ticker.setInstant(now);
    return PollContext.of(since, now, Duration.between(since, now), ticker, false);
  }

  @Test
  void poll_chunkedGzipStream_isDecodedLineByLine() throws Exception {
    List<String> acceptEncoding = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(PATH, ex -> {
      acceptEncoding.add(String.valueOf(ex.getRequestHeaders().getFirst("Accept-Encoding")));
      byte[] body = gzip(String.join("\n", HAPPY_ROWS) + "\n");
      ex.getResponseHeaders().add("Content-Type", "application/jsonl");
      ex.getResponseHeaders().add("Content-Encoding", "gzip");
      ex.sendResponseHeaders(200, 0); // 0 = chunked transfer coding
      try (OutputStream os = ex.getResponseBody()) {
        for (int i = 0; i < body.length; i += 97) {
          os.write(body, i, Math.min(97, body.length - i));
          os.flush();
        }
      }
    });
    server.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      Map<String, Object> s = new LinkedHashMap<>(settings(base));
      Detector d = provider().create(dev.runaway.config.ServiceSettings.of(SERVICE, "vercel", s),
          dev.runaway.config.SecretSource.of(secrets()));
      try {
        assertThat(d.poll(context()).cost()).isEqualTo(expectedHappyCost());
      } finally {
        d.close();
      }
    } finally {
      server.stop(0);
    }
    assertThat(acceptEncoding).containsExactly("gzip");
  }

  @Test
  void poll_plainAnswerToAGzipRequest_isReadToo() throws Exception {
    stub.enqueue(PATH, StubResponse.ok(String.join("\n", HAPPY_ROWS)));
    assertThat(create().poll(context()).cost()).isEqualTo(expectedHappyCost());
  }

  @Test
  void poll_corruptGzip_isBadResponse() {
    stub.enqueue(PATH, new StubResponse(200, List.of(Map.entry("Content-Encoding", "gzip")),
        new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3}, Duration.ZERO, false));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("compressed body");
  }

  @Test
  void poll_rateLimitedBodyWithoutHeaders_waitsUntilLimitReset() {
    long reset = NOW.plusSeconds(75).getEpochSecond();
    stub.enqueue(PATH, StubResponse.json(429, "{ \"error\": { \"code\": \"rate_limited\", \"message\": \"The rate "
        + "limit of 6 exceeded for 'api-billing-charges'. Try again in a minute\", \"limit\": { \"remaining\": 0, "
        + "\"reset\": " + reset + ", \"resetMs\": " + (reset * 1000 + 500) + ", \"total\": 6 } } }"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofMillis(75_500));
    assertThat(e.getMessage()).contains("rate limit of 6");
  }

  @Test
  void poll_rateLimitedWithRetryAfterAndResetHeader_prefersRetryAfter() {
    stub.enqueue(PATH, StubResponse.rateLimited(Duration.ofSeconds(30), errorBody(429, "slow down"))
        .withHeader("X-RateLimit-Remaining", "0")
        .withHeader("X-RateLimit-Reset", Long.toString(NOW.plusSeconds(60).getEpochSecond())));
    PollException e = pollFails(create());
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
  }

  @Test
  void poll_forbidden_namesTheTokenAndTheRolesNeeded() {
    stub.enqueue(PATH, StubResponse.json(403, errorBody(403, "You don't have permission to access this resource")));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("VERCEL_TOKEN").contains("Billing");
  }

  @Test
  void poll_inWinter_startsTheDayAtEightUtc() throws Exception {
    scriptHappyDay(stub, context());
    create().poll(span(Instant.parse("2026-11-26T09:00:00Z"), Instant.parse("2026-11-26T09:05:00Z")));
    assertThat(stub.requests().get(0).param("from")).contains("2026-11-26T08:00:00.000Z");
  }

  @Test
  void poll_spanCrossingLosAngelesMidnight_reportsTheDayThatEnded() throws Exception {
    scriptHappyDay(stub, context());
    UsageReport r = create().poll(span(Instant.parse("2026-08-22T06:58:00Z"), Instant.parse("2026-08-22T07:03:00Z")));
    assertThat(r.from()).isEqualTo(LA_MIDNIGHT);
    assertThat(r.to()).isEqualTo(Instant.parse("2026-08-22T07:03:00Z"));
    assertThat(r.cost()).isEqualTo(expectedHappyCost());
    RecordedRequest req = stub.requests().get(0);
    assertThat(req.param("from")).contains("2026-08-21T07:00:00.000Z");
    assertThat(req.param("to")).contains("2026-08-22T07:00:00.000Z");
  }

  @Test
  void poll_withTeamSlug_scopesBySlug() throws Exception {
    stub.route(PATH, r -> jsonl(r, List.of()));
    Map<String, Object> s = Map.of("base_url", stub.baseUrl().toString(), "team_slug", "acme", "timeout_seconds", 10);
    Detector d = provider().create(dev.runaway.config.ServiceSettings.of(SERVICE, "vercel", s),
        dev.runaway.config.SecretSource.of(secrets()));
    try {
      assertThat(d.poll(context()).cost()).isEqualTo(Cost.ZERO);
    } finally {
      d.close();
    }
    assertThat(stub.requests().get(0).param("slug")).contains("acme");
    assertThat(stub.requests().get(0).param("teamId")).isEmpty();
  }

  @Test
  void create_withTeamIdAndTeamSlug_isRejected() {
    Throwable t = catchThrowable(() -> create(Map.of("team_slug", "acme")));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("team_id or team_slug");
  }

  @Test
  void poll_nonUsdCurrency_isRefused() {
    stub.enqueue(PATH, StubResponse.ok("{\"BilledCost\":1,\"BillingCurrency\":\"EUR\",\"ChargeCategory\":\"Usage\","
        + DAY + ",\"ServiceName\":\"x\"}"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.MISCONFIGURED);
    assertThat(e.getMessage()).contains("EUR");
  }

  @Test
  void poll_rowWithoutANumericBilledCost_isBadResponse() {
    stub.enqueue(PATH, StubResponse.ok("{\"BilledCost\":\"n/a\",\"ChargeCategory\":\"Usage\"," + DAY + "}"));
    assertThat(pollFails(create()).kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
  }
}
