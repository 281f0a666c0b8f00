package dev.runaway.providers.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.ManualTicker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class ApiClientTest {

  private static final String SECRET = "tok-SENTINEL/4242+abc";
  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private ManualTicker ticker;
  private ApiClient client;
  private int logMark;

  @BeforeEach
  void setUp() {
    ticker = ManualTicker.startingAt(NOW);
    logMark = LogCapture.mark();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    String logs = LogCapture.since(logMark).stream().map(LogCapture.Event::fullText).reduce("", String::concat);
    assertThat(logs).doesNotContain(SECRET).doesNotContain("tok-SENTINEL%2F4242%2Babc");
  }

  private ApiClient.Builder builder() {
    return ApiClient.builder().service("svc").product("The API").baseUrl(stub.baseUrl())
        .bearer(Secret.of("MY_TOKEN", SECRET)).ticker(ticker).requestTimeout(Duration.ofSeconds(10));
  }

  private ApiClient client() {
    client = builder().build();
    return client;
  }

  private PollException fails(ApiClient c, ApiRequest r) {
    Throwable t = catchThrowable(() -> c.send(r));
    assertThat(t).isInstanceOf(PollException.class);
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    assertThat(sw.toString()).doesNotContain(SECRET).doesNotContain("tok-SENTINEL%2F4242%2Babc");
    return (PollException) t;
  }

  @ParameterizedTest
  @CsvSource({"400,MISCONFIGURED", "401,UNAUTHORIZED", "403,UNAUTHORIZED", "404,MISCONFIGURED",
      "408,UNAVAILABLE", "410,MISCONFIGURED", "429,RATE_LIMITED", "500,UNAVAILABLE", "502,UNAVAILABLE",
      "503,UNAVAILABLE", "504,UNAVAILABLE", "302,MISCONFIGURED"})
  void send_mapsStatusToKind(int status, Kind kind) {
    stub.failAll(StubResponse.json(status, "{\"error\":{\"message\":\"echo " + SECRET + "\"}}"));
    PollException e = fails(client(), ApiRequest.get("/x"));
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.getMessage()).startsWith("svc: ").contains("HTTP " + status).contains("GET /x");
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void send_authFailure_namesTheVariableAndHint(int status) {
    client = builder().credentialHint("an admin key").build();
    stub.failAll(StubResponse.json(status, "{\"message\":\"Bad credentials " + SECRET + "\"}"));
    PollException e = fails(client, ApiRequest.get("/x"));
    assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("MY_TOKEN").contains("an admin key").contains("Bad credentials ***");
  }

  @Test
  void send_sendsBearerAndDefaultHeadersAndEncodesQuery() throws Exception {
    client = builder().header("X-Api-Version", "7").build();
    stub.enqueue("/v1/things", StubResponse.ok("{\"ok\":true}"));
    client.getJson(ApiRequest.get("/v1/things").withQuery("group_by[]", "model").withQuery("group_by[]", "batch")
        .withQuery("created[gte]", 17).withHeader("X-Api-Version", "8"));
    RecordedRequest r = stub.requests().get(0);
    assertThat(r.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(r.header("X-Api-Version")).contains("8");
    assertThat(r.params("group_by[]")).containsExactly("model", "batch");
    assertThat(r.param("created[gte]")).contains("17");
  }

  @Test
  void send_postsJsonBody() throws Exception {
    stub.enqueue("/graphql", StubResponse.ok("{\"data\":{}}"));
    client().send(ApiRequest.post("/graphql", "{\"query\":\"{a}\"}"));
    RecordedRequest r = stub.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.body()).isEqualTo("{\"query\":\"{a}\"}");
    assertThat(r.header("Content-Type")).contains("application/json");
  }

  @Test
  void send_rateLimitedWithoutAWait_backsOffExponentiallyAndResetsOnSuccess() throws Exception {
    client = builder().backoff(Duration.ofSeconds(5), Duration.ofSeconds(12)).build();
    stub.enqueue("/x", StubResponse.json(429, "{}"), StubResponse.json(429, "{}"), StubResponse.json(429, "{}"),
        StubResponse.ok("{}"), StubResponse.json(429, "{}"));
    assertThat(fails(client, ApiRequest.get("/x")).retryAfter()).contains(Duration.ofSeconds(5));
    assertThat(fails(client, ApiRequest.get("/x")).retryAfter()).contains(Duration.ofSeconds(10));
    assertThat(fails(client, ApiRequest.get("/x")).retryAfter()).contains(Duration.ofSeconds(12));
    client.send(ApiRequest.get("/x"));
    assertThat(fails(client, ApiRequest.get("/x")).retryAfter()).contains(Duration.ofSeconds(5));
  }

  @Test
  void send_github403WithRemainingZero_isRateLimitedUntilResetAndPacesTheNextRequest() throws Exception {
    long reset = NOW.getEpochSecond() + 90;
    stub.enqueue("/x", StubResponse.json(403, "{\"message\":\"API rate limit exceeded\"}")
        .withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", Long.toString(reset)),
        StubResponse.ok("{}"));
    client();
    PollException first = fails(client, ApiRequest.get("/x"));
    assertThat(first.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(first.retryAfter()).contains(Duration.ofSeconds(90));
    PollException paced = fails(client, ApiRequest.get("/x"));
    assertThat(paced.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(paced.retryAfter()).contains(Duration.ofSeconds(90));
    assertThat(stub.requests()).hasSize(1);
    ticker.advance(Duration.ofSeconds(90));
    assertThat(client.send(ApiRequest.get("/x")).status()).isEqualTo(200);
  }

  @Test
  void send_successWithQuotaUsedUp_pacesTheNextRequestUntilTheReset() throws Exception {
    client = builder().rateLimits(RateLimitPolicy.builder()
        .resetFormat(RateLimitPolicy.ResetFormat.SECONDS_REMAINING).build()).build();
    stub.enqueue("/x", StubResponse.ok("{}").withHeader("X-RateLimit-Remaining", "0")
        .withHeader("X-RateLimit-Reset", "17"));
    client.send(ApiRequest.get("/x"));
    PollException paced = fails(client, ApiRequest.get("/x"));
    assertThat(paced.retryAfter()).contains(Duration.ofSeconds(17));
    ticker.advance(Duration.ofSeconds(17));
    client.send(ApiRequest.get("/x"));
    assertThat(stub.requests()).hasSize(2);
  }

  @Test
  void send_requestLimit_refusesAboveTheBucketWithTheWait() throws Exception {
    client = builder().requestLimit(2, Duration.ofMinutes(1)).build();
    stub.enqueue("/x", StubResponse.ok("{}"));
    client.send(ApiRequest.get("/x"));
    client.send(ApiRequest.get("/x"));
    PollException e = fails(client, ApiRequest.get("/x"));
    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
    ticker.advance(Duration.ofSeconds(30));
    client.send(ApiRequest.get("/x"));
    assertThat(stub.requests()).hasSize(3);
  }

  @Test
  void send_slowAnswer_isUnavailableAfterTheTimeout() {
    stub.failAll(StubResponse.ok("{}").delayed(Duration.ofSeconds(10)));
    long start = System.nanoTime();
    client = builder().requestTimeout(Duration.ofMillis(300)).build();
    PollException e = fails(client, ApiRequest.get("/x"));
    assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void send_connectionRefused_isUnavailable() {
    StubServer gone = StubServer.start();
    URI dead = gone.baseUrl();
    gone.close();
    client = builder().baseUrl(dead).build();
    PollException e = fails(client, ApiRequest.get("/x?key=" + SECRET));
    assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
  }

  @Test
  void send_httpsUrlOnAPlainHttpPort_saysTheTlsHandshakeFailedAndSuggestsHttp() {
    // New-user trial: base_url https://127.0.0.1:<port> of a plain-HTTP server was reported as
    // "could not connect to 127.0.0.1:<port> within the connect timeout", naming neither TLS nor the scheme.
    stub.failAll(StubResponse.ok("{}"));
    URI plain = stub.baseUrl();
    URI https = URI.create("https://" + plain.getAuthority());
    client = builder().baseUrl(https).connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(5))
        .build();
    long start = System.nanoTime();
    PollException e = fails(client, ApiRequest.get("/usage?key=" + SECRET));
    assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("TLS handshake", plain.getAuthority(), "https://", "http://")
        .doesNotContain("could not connect").doesNotContain(SECRET).doesNotContain("SENTINEL");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  void send_httpsUrlOfAServerThatAcceptsButNeverAnswers_doesNotSayThePortIsNotHttps() throws Exception {
    // Review: a port that accepts the connection and then says nothing (an HTTPS server overloaded or
    // hung, a stalled middlebox: the kernel accepts for it) looks like a plain-HTTP port to the probe.
    // The message said "the port does not answer as HTTPS" and pointed to http:// (and, beyond
    // loopback, allow_insecure_http) for what may be a vendor's HTTPS endpoint having a bad minute.
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      client = builder().baseUrl(URI.create("https://127.0.0.1:" + silent.getLocalPort()))
          .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(5)).build();
      PollException e = fails(client, ApiRequest.get("/usage?key=" + SECRET));
      assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
      assertThat(e.getMessage()).contains("TLS handshake", "127.0.0.1:" + silent.getLocalPort())
          .contains("plain HTTP", "or the server accepts connections without answering them")
          .doesNotContain("does not answer as HTTPS");
    }
  }

  @Test
  void send_httpsUrlWhoseConnectTimesOut_failsWithinTheRequestTimeout_theTlsProbeIncluded() throws Exception {
    // Review: after a connect timeout on an https URL, the TLS probe's own TCP connect waited up to
    // min(connect timeout, 3 s) more, past the request timeout that bounds a send (timeout_seconds 2,
    // connect_timeout_seconds 1.95: 3.9 s). A listener whose accept queue is full drops new SYNs:
    // a connection that never completes, on loopback.
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> queued = new java.util.ArrayList<>();
      boolean full = false;
      try {
        for (int i = 0; i < 16 && !full; i++) {
          java.net.Socket s = new java.net.Socket();
          try {
            s.connect(server.getLocalSocketAddress(), 300);
            queued.add(s);
          } catch (java.net.SocketTimeoutException timedOut) {
            s.close();
            full = true;
          }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(full, "this system accepts connections beyond the backlog");
        client = builder().baseUrl(URI.create("https://127.0.0.1:" + server.getLocalPort()))
            .connectTimeout(Duration.ofMillis(1950)).requestTimeout(Duration.ofSeconds(2)).build();
        long start = System.nanoTime();
        PollException e = fails(client, ApiRequest.get("/usage?key=" + SECRET));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).contains("could not connect to 127.0.0.1:" + server.getLocalPort())
            .doesNotContain("TLS");
        assertThat(took).as("the request timeout is 2 s").isLessThan(Duration.ofSeconds(3));
      } finally {
        for (java.net.Socket s : queued) {
          s.close();
        }
      }
    }
  }

  @Test
  void send_httpsUrlOnAPortThatAnswersThePlainHttpError_saysTheTlsHandshakeFailed() throws Exception {
    // A plain-HTTP server that answers the handshake's bytes with its 400 at once (as nginx does):
    // the JDK's SSLException, reported as "... failed: SSLException ..." without the scheme before.
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread answer = new Thread(() -> {
        try (java.net.Socket s = server.accept()) {
          s.getInputStream().read(new byte[512]);
          s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
        } catch (java.io.IOException e) {
          // the client went away: the assertion below says what it saw
        }
      }, "plain-http-400");
      answer.setDaemon(true);
      answer.start();
      client = builder().baseUrl(URI.create("https://127.0.0.1:" + server.getLocalPort())).build();
      PollException e = fails(client, ApiRequest.get("/usage?key=" + SECRET));
      assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
      assertThat(e.getMessage()).contains("TLS handshake", "127.0.0.1:" + server.getLocalPort(), "plain HTTP",
          "http://127.0.0.1:" + server.getLocalPort()).doesNotContain(SECRET).doesNotContain("SENTINEL");
    }
  }

  @Test
  void send_truncatedBody_isUnavailable() {
    stub.failAll(StubResponse.ok("{\"a\":\"" + "x".repeat(5000) + "\"}").truncated());
    PollException e = fails(client(), ApiRequest.get("/x"));
    assertThat(e.kind()).isIn(Kind.UNAVAILABLE, Kind.BAD_RESPONSE);
  }

  @Test
  void json_malformed_isBadResponseWithoutTheBody() throws Exception {
    stub.failAll(StubResponse.ok("{\"token\": " + SECRET + "}"));
    ApiResponse r = client().send(ApiRequest.get("/x"));
    Throwable t = catchThrowable(r::json);
    assertThat(t).isInstanceOf(PollException.class);
    assertThat(((PollException) t).kind()).isEqualTo(Kind.BAD_RESPONSE);
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    assertThat(sw.toString()).doesNotContain(SECRET).contains("line 1");
  }

  @Test
  void send_secretInTheQuery_isRedactedFromMessagesAndLogs() {
    client = ApiClient.builder().service("svc").baseUrl(stub.baseUrl())
        .credential(Secret.of("API_KEY", SECRET)).ticker(ticker).build();
    stub.failAll(StubResponse.json(500, "{\"message\":\"bad key " + SECRET + "\"}"));
    PollException e = fails(client, ApiRequest.get("/x").withQuery("api_key", SECRET));
    assertThat(e.getMessage()).contains("***");
    assertThat(client.redact("a " + SECRET + " b")).isEqualTo("a *** b");
  }

  @Test
  void addSecret_redactsAValueObtainedLater() {
    String token = "oauth-SENTINEL-abc";
    client = client();
    client.addSecret(Secret.of("ATLAS_ACCESS_TOKEN", token));
    stub.failAll(StubResponse.json(500, "{\"message\":\"bad token " + token + "\"}"));
    PollException e = fails(client, ApiRequest.get("/x").withHeader("Authorization", "Bearer " + token));
    assertThat(e.getMessage()).doesNotContain(token).contains("bad token ***");
  }

  @Test
  void check_runsFirstAndItsMessageIsRedacted() {
    client = builder().check(r -> {
      if (r.body().contains("errors")) {
        throw new PollException(Kind.BAD_RESPONSE, "errors in body with " + SECRET, null, null);
      }
    }).build();
    stub.failAll(StubResponse.ok("{\"errors\":[{\"message\":\"x\"}],\"data\":null}"));
    PollException e = fails(client, ApiRequest.get("/x"));
    assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("***");
  }

  @Test
  void pages_followLinkHeaderOnTheSameOrigin() throws Exception {
    String base = stub.baseUrl().toString();
    stub.route("/runs", r -> {
      int page = Integer.parseInt(r.param("page").orElse("1"));
      StubResponse res = StubResponse.ok("{\"page\":" + page + "}");
      return page < 3 ? res.withHeader("Link", "<" + base + "/runs?page=" + (page + 1) + ">; rel=\"next\", <"
          + base + "/runs?page=3>; rel=\"last\"") : res;
    });
    List<ApiResponse> pages = client().pages(ApiRequest.get("/runs"), Paginator.linkHeader());
    assertThat(pages).hasSize(3);
    assertThat(pages.get(2).json().path("page").asInt()).isEqualTo(3);
  }

  @Test
  void pages_refuseANextLinkToAnotherOrigin() throws Exception {
    stub.enqueue("/runs", StubResponse.ok("{}").withHeader("Link", "<https://evil.example.com/runs?page=2>; rel=\"next\""));
    client();
    Throwable t = catchThrowable(() -> client.pages(ApiRequest.get("/runs"), Paginator.linkHeader()));
    assertThat(t).isInstanceOf(PollException.class);
    assertThat(((PollException) t).kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(stub.requests()).allSatisfy(r -> assertThat(r.path()).isEqualTo("/runs"));
  }

  @Test
  void pages_cursorUntilHasMoreIsFalse() throws Exception {
    stub.route("/usage", r -> r.param("page").isEmpty()
        ? StubResponse.ok("{\"data\":[1],\"has_more\":true,\"next_page\":\"c2\"}")
        : StubResponse.ok("{\"data\":[2],\"has_more\":false,\"next_page\":null}"));
    List<ApiResponse> pages = client().pages(ApiRequest.get("/usage").withQuery("limit", 1),
        Paginator.cursor("page", "/next_page", "/has_more"));
    assertThat(pages).hasSize(2);
    assertThat(stub.requests().get(1).param("page")).contains("c2");
    assertThat(stub.requests().get(1).param("limit")).contains("1");
  }

  @Test
  void pages_repeatedCursor_isBadResponse() {
    stub.failAll(StubResponse.ok("{\"has_more\":true,\"next_page\":\"same\"}"));
    Throwable t = catchThrowable(() -> client().pages(ApiRequest.get("/usage"),
        Paginator.cursor("page", "/next_page", "/has_more")));
    assertThat(((PollException) t).kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(stub.requests()).hasSize(2);
  }

  @Test
  void pages_moreThanTheCap_isBadResponse() {
    client = builder().maxPages(3).build();
    stub.route("/list", r -> {
      String after = r.param("starting_after").orElse("txn_0");
      int n = Integer.parseInt(after.substring(4)) + 1;
      return StubResponse.ok("{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"txn_" + n + "\"}]}");
    });
    Throwable t = catchThrowable(() -> client.pages(ApiRequest.get("/list"), Paginator.startingAfter("/data")));
    assertThat(((PollException) t).kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(t).hasMessageContaining("more than 3 pages");
    assertThat(stub.requests()).hasSize(3);
    assertThat(stub.requests().get(2).param("starting_after")).contains("txn_2");
  }

  @Test
  void pages_pageNumberUntilAShortPage() throws Exception {
    stub.route("/items", r -> {
      int page = Integer.parseInt(r.param("pageNum").orElse("1"));
      return StubResponse.ok(page < 2 ? "{\"results\":[1,2]}" : "{\"results\":[3]}");
    });
    List<ApiResponse> pages = client().pages(ApiRequest.get("/items").withQuery("pageNum", 1),
        Paginator.pageNumber("pageNum", 1, "/results", 2));
    assertThat(pages).hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://api.example.com", "http://10.0.0.7:8080", "http://127.example.com"})
  void build_refusesPlainHttpToARemoteHost(String url) {
    Throwable t = catchThrowable(() -> ApiClient.builder().service("svc").baseUrl(URI.create(url))
        .bearer(Secret.of("MY_TOKEN", SECRET)).build());
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("allow_insecure_http")
        .hasMessageNotContaining(SECRET);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "https://api.example.com"})
  void build_acceptsLoopbackAndHttps(String url) {
    ApiClient.builder().service("svc").baseUrl(URI.create(url)).build().close();
  }

  @Test
  void settings_readBaseUrlInsecureFlagAndTimeouts() {
    ServiceSettings s = ServiceSettings.of("svc", "rest", Map.of("base_url", "http://api.example.com/v2/",
        "allow_insecure_http", true, "timeout_seconds", 0.25, "max_pages", 7));
    client = ApiClient.builder().settings(s, "https://default.example.com").build();
    assertThat(client.baseUrl()).isEqualTo(URI.create("http://api.example.com/v2"));
    assertThat(client.requestTimeout()).isEqualTo(Duration.ofMillis(250));
    ServiceSettings refused = ServiceSettings.of("svc", "rest", Map.of("base_url", "http://api.example.com"));
    assertThat(catchThrowable(() -> ApiClient.builder().settings(refused, "https://x.example.com").build()))
        .hasMessageContaining("services.svc.allow_insecure_http");
    ServiceSettings bad = ServiceSettings.of("svc", "rest", Map.of("timeout_seconds", -1));
    assertThat(catchThrowable(() -> ApiClient.builder().settings(bad, "https://x.example.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("services.svc.timeout_seconds")
        .hasMessageContaining("-1");
  }

  @Test
  void close_cancelsARequestInFlightAndRefusesLaterOnes() throws Exception {
    stub.failAll(StubResponse.ok("{}").delayed(Duration.ofSeconds(20)));
    client = builder().requestTimeout(Duration.ofSeconds(30)).build();
    java.util.concurrent.CompletableFuture<Optional<PollException>> f =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            client.send(ApiRequest.get("/x"));
            return Optional.empty();
          } catch (PollException e) {
            return Optional.of(e);
          } catch (InterruptedException e) {
            return Optional.empty();
          }
        });
    assertThat(stub.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
    client.close();
    Optional<PollException> e = f.get(3, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(e).hasValueSatisfying(p -> assertThat(p.kind()).isEqualTo(Kind.UNAVAILABLE));
    assertThat(catchThrowable(() -> client.send(ApiRequest.get("/x")))).isInstanceOf(IllegalStateException.class);
  }
}
