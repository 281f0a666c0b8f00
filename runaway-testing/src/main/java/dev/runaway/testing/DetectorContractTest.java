package dev.runaway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link Detector} keeps, checked the same way for all providers against a
 * loopback {@link StubServer} speaking the service's wire format: the requested time window,
 * a hand-computed cost across pages, zero cost on empty data, 401/403 naming the environment
 * variable and never the secret, 429 with {@code Retry-After}, 5xx, malformed and truncated
 * bodies, a response slower than the timeout, prompt cancellation by {@code close()}, refusal of
 * plain http to a remote host, and no secret in any exception or log line.
 *
 * <p>A provider's test extends this class and supplies its provider, settings, fixtures and how
 * to read the window from a request.
 */
public abstract class DetectorContractTest {

  /** The secret every test uses; it must never appear in a message, cause or log line. */
  protected static final String SECRET = "sk-SENTINEL+7f3a/9c1e=do-not-leak";
  /** The short request timeout of the slow-response test ({@code timeout_seconds}). */
  protected static final Duration TIMEOUT = Duration.ofMillis(300);
  /** The request timeout of every other test: generous, so a cold or busy JVM never flakes. */
  protected static final Duration RELAXED_TIMEOUT = Duration.ofSeconds(10);
  /** The end of the polled span. */
  protected static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  /** The monitoring interval, and the length of the polled span. */
  protected static final Duration INTERVAL = Duration.ofMinutes(5);
  /** The name the service is configured under. */
  protected static final String SERVICE = "svc-under-test";

  /** The loopback server, fresh for each test. */
  protected StubServer stub;
  /** The monitor's ticker, at {@link #NOW}. */
  protected ManualTicker ticker;
  private final List<Detector> detectors = new ArrayList<>();
  private int logMark;

  /** Returns the provider under test. @return the provider */
  protected abstract DetectorProvider provider();

  /**
   * Returns the service's settings pointing at the stub, without {@code timeout_seconds} (the
   * kit adds it: {@link #RELAXED_TIMEOUT}, or {@link #TIMEOUT} in the slow-response test).
   *
   * @param baseUrl the stub's root URL, or a remote URL for the plain-http refusal test
   * @return the settings
   */
  protected abstract Map<String, Object> settings(URI baseUrl);
  // The kit adds timeout_seconds; a provider whose URL is not base_url must honour it too.

  /** Returns the environment variable holding the credential. @return the name */
  protected abstract String secretEnv();

  /**
   * Returns every credential the detector needs; the default is {@link #secretEnv()} =
   * {@link #SECRET}.
   *
   * @return names to values
   */
  protected Map<String, String> secrets() {
    return Map.of(secretEnv(), SECRET);
  }

  /**
   * Scripts a normal day on the stub, spread over at least two pages of one endpoint.
   *
   * @param stub the server
   * @param ctx the poll about to run
   */
  protected abstract void scriptHappyDay(StubServer stub, PollContext ctx);

  /** Returns the cost of the happy day, computed by hand from the fixtures. @return the cost */
  protected abstract Cost expectedHappyCost();

  /**
   * Checks the provider-specific parts of the happy day's report and requests (units, items,
   * headers).
   *
   * @param report the report
   * @param stub the server, with its recorded requests
   */
  protected abstract void assertHappyDay(UsageReport report, StubServer stub);

  /**
   * Scripts a day without usage.
   *
   * @param stub the server
   * @param ctx the poll about to run
   */
  protected abstract void scriptEmptyDay(StubServer stub, PollContext ctx);

  /**
   * Reads the time window a request asked about.
   *
   * @param request a recorded request
   * @return the window, or empty if this request carries none
   */
  protected abstract Optional<TimeWindow> windowOf(RecordedRequest request);

  /**
   * Returns the windows requests may ask about; the default is the context's span.
   *
   * @param ctx the poll
   * @return the allowed windows
   */
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    return Set.of(TimeWindow.seconds(ctx.since(), ctx.now()));
  }

  /**
   * Whether the service's usage API pages its answers, so that the happy day must span at least
   * two pages of one endpoint; the default is {@code true}. A provider whose API contract has no
   * pagination (Supabase's usage endpoints, Vercel's JSON Lines charges) returns {@code false}.
   *
   * @return {@code true} if the API is paginated
   */
  protected boolean paginated() {
    return true;
  }

  /**
   * Whether the service's requests name the time span they ask about, so that
   * {@link #windowOf(RecordedRequest)} must find one; the default is {@code true}. A provider
   * whose API has no window parameter (MongoDB Atlas's pending invoice) returns {@code false}
   * and proves its span through {@link #expectedReportFrom(PollContext)}.
   *
   * @return {@code true} if some request carries a window
   */
  protected boolean windowed() {
    return true;
  }

  /**
   * Returns the start the report must give; the default is {@code ctx.since()}, a daily source
   * gives the start of its bucket.
   *
   * @param ctx the poll
   * @return the start
   */
  protected Instant expectedReportFrom(PollContext ctx) {
    return ctx.since();
  }

  /**
   * Returns an error body in the service's wire format.
   *
   * @param status the status
   * @param message the message
   * @return the JSON body
   */
  protected String errorBody(int status, String message) {
    return "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"invalid_request_error\",\"param\":null,"
        + "\"code\":null}}";
  }

  /** Returns the poll context of the tests. @return the context */
  protected PollContext context() {
    return PollContext.of(NOW.minus(INTERVAL), NOW, INTERVAL, ticker, true);
  }

  /**
   * Creates the detector under test from the provider, with {@link #RELAXED_TIMEOUT} and the secrets.
   *
   * @param extra settings to add or override
   * @return the detector, closed after the test
   */
  protected Detector create(Map<String, Object> extra) {
    Map<String, Object> values = new LinkedHashMap<>(settings(stub.baseUrl()));
    values.putIfAbsent("timeout_seconds", (double) RELAXED_TIMEOUT.toSeconds());
    values.putAll(extra);
    Detector d = provider().create(ServiceSettings.of(SERVICE, provider().type(), values),
        SecretSource.of(secrets()));
    detectors.add(d);
    return d;
  }

  /** Creates the detector under test with the kit's settings. @return the detector */
  protected Detector create() {
    return create(Map.of());
  }

  @BeforeAll
  static void warmUpTheHttpStack() throws Exception {
    // The first exchange of a JVM loads the JDK's HTTP client; keep that out of timed tests.
    try (StubServer s = StubServer.start()) {
      s.enqueue("/", StubResponse.ok("{}"));
      java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(s.baseUrl().resolve("/"))
          .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
    }
  }

  @BeforeEach
  void startStub() {
    stub = StubServer.start();
    ticker = ManualTicker.startingAt(NOW);
    logMark = LogCapture.mark();
  }

  @AfterEach
  void stopAndCheckLogs() {
    detectors.forEach(Detector::close);
    stub.close();
    String logs = LogCapture.since(logMark).stream().map(LogCapture.Event::fullText)
        .collect(Collectors.joining("\n"));
    for (String form : secretForms()) {
      assertThat(logs).as("log lines must not contain a secret").doesNotContain(form);
    }
  }

  @Test
  void provider_isRegisteredForServiceLoaderWithItsType() {
    List<String> found = ServiceLoader.load(DetectorProvider.class).stream()
        .filter(p -> p.type() == provider().getClass()).map(p -> p.get().type()).toList();
    assertThat(found).containsExactly(provider().type());
  }

  @Test
  void requiredSecrets_namesTheVariables() {
    ServiceSettings s = ServiceSettings.of(SERVICE, provider().type(), settings(stub.baseUrl()));
    assertThat(provider().requiredSecrets(s)).containsAll(secrets().keySet());
  }

  @Test
  void create_withoutTheCredential_failsNamingTheVariable() {
    ServiceSettings s = ServiceSettings.of(SERVICE, provider().type(), settings(stub.baseUrl()));
    Throwable t = catchThrowable(() -> provider().create(s, SecretSource.of(Map.of())));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining(secretEnv());
  }

  @Test
  void create_refusesPlainHttpToARemoteHost() {
    URI remote = URI.create("http://usage.example.com");
    ServiceSettings s = ServiceSettings.of(SERVICE, provider().type(), settings(remote));
    Throwable t = catchThrowable(() -> provider().create(s, SecretSource.of(secrets())));
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("allow_insecure_http");
    assertNoSecret(t);
    Map<String, Object> allowed = new HashMap<>(settings(remote));
    allowed.put("allow_insecure_http", true);
    Detector d = provider().create(ServiceSettings.of(SERVICE, provider().type(), allowed),
        SecretSource.of(secrets()));
    detectors.add(d);
    assertThat(d.service()).isEqualTo(SERVICE);
  }

  @Test
  void poll_happyDay_reportsTheHandComputedCostAcrossPages() throws Exception {
    PollContext ctx = context();
    scriptHappyDay(stub, ctx);
    UsageReport report = create().poll(ctx);
    assertThat(report.service()).isEqualTo(SERVICE);
    assertThat(report.to()).isEqualTo(ctx.now());
    assertThat(report.from()).isEqualTo(expectedReportFrom(ctx));
    assertThat(report.cost()).isEqualTo(expectedHappyCost());
    Map<String, Long> perPath = stub.requests().stream()
        .collect(Collectors.groupingBy(RecordedRequest::path, Collectors.counting()));
    if (paginated()) {
      assertThat(perPath.values()).as("some endpoint must be paged (requests per path: %s)", perPath)
          .anyMatch(n -> n >= 2);
    }
    assertThat(stub.requests()).allSatisfy(r -> assertThat(r.path()).doesNotContain("no stub"));
    assertHappyDay(report, stub);
  }

  @Test
  void poll_asksForTheWindowOfTheContext() throws Exception {
    PollContext ctx = context();
    scriptHappyDay(stub, ctx);
    create().poll(ctx);
    Set<TimeWindow> allowed = expectedWindows(ctx);
    List<TimeWindow> asked = new ArrayList<>();
    for (RecordedRequest r : stub.requests()) {
      windowOf(r).ifPresent(asked::add);
    }
    if (windowed()) {
      assertThat(asked).as("requests that carry a time window").isNotEmpty();
    }
    assertThat(asked).allSatisfy(w -> assertThat(allowed).contains(w));
  }

  @Test
  void poll_emptyData_reportsZeroCost() throws Exception {
    PollContext ctx = context();
    scriptEmptyDay(stub, ctx);
    UsageReport report = create().poll(ctx);
    assertThat(report.cost()).isEqualTo(Cost.ZERO);
    assertThat(report.to()).isEqualTo(ctx.now());
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void poll_credentialRefused_isUnauthorizedNamingTheVariableNotTheSecret(int status) {
    stub.failAll(StubResponse.json(status, errorBody(status, "Invalid API key provided: " + SECRET)));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(secrets().keySet()).anySatisfy(name -> assertThat(e.getMessage()).contains(name));
  }

  @Test
  void poll_rateLimitedWithRetryAfterSeconds_isRateLimitedWithTheWait() {
    stub.failAll(StubResponse.rateLimited(Duration.ofSeconds(42), errorBody(429, "Rate limit reached")));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(42));
  }

  @Test
  void poll_rateLimitedWithRetryAfterDate_isRateLimitedWithTheWait() {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(NOW.plusSeconds(120),
        ZoneOffset.UTC));
    stub.failAll(StubResponse.json(429, errorBody(429, "Rate limit reached")).withHeader("Retry-After", date));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503})
  void poll_serverError_isUnavailable(int status) {
    stub.failAll(StubResponse.json(status, errorBody(status, "The server had an error " + SECRET)));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
  }

  @Test
  void poll_malformedJson_isBadResponse() {
    stub.failAll(StubResponse.ok("{\"data\": [{\"oops\": " + quote(SECRET) + ",,"));
    PollException e = pollFails(create());
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(PollException.Kind.BAD_RESPONSE);
  }

  @Test
  void poll_truncatedBody_isUnavailableOrBadResponse() {
    PollContext ctx = context();
    scriptHappyDay(stub, ctx);
    StubResponse full = StubResponse.ok("{\"object\":\"page\",\"data\":[],\"has_more\":false,\"next_page\":null,"
        + "\"padding\":\"" + "x".repeat(4000) + "\"}");
    stub.failAll(full.truncated());
    PollException e = pollFails(create());
    assertThat(e.kind()).isIn(PollException.Kind.UNAVAILABLE, PollException.Kind.BAD_RESPONSE);
  }

  @Test
  void poll_slowerThanTheTimeout_isUnavailablePromptly() {
    stub.failAll(StubResponse.ok("{}").delayed(Duration.ofSeconds(10)));
    Detector d = create(Map.of("timeout_seconds", TIMEOUT.toMillis() / 1000.0));
    long start = System.nanoTime();
    PollException e = pollFails(d);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
    assertThat(elapsedMs).as("a %d ms timeout must end the poll well before the 10 s answer", TIMEOUT.toMillis())
        .isLessThan(3_000);
  }

  @Test
  void close_abortsAPollInFlightPromptly() throws Exception {
    stub.failAll(StubResponse.ok("{}").delayed(Duration.ofSeconds(20)));
    Detector d = create(Map.of("timeout_seconds", 30));
    PollContext ctx = context();
    CompletableFuture<UsageReport> poll = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        poll.complete(d.poll(ctx));
      } catch (Throwable e) {
        poll.completeExceptionally(e);
      }
    }, "contract-poll");
    t.setDaemon(true);
    t.start();
    assertThat(stub.awaitRequests(1, Duration.ofSeconds(5))).as("the poll reached the server").isTrue();
    d.close();
    Throwable thrown = catchThrowable(() -> poll.get(3, TimeUnit.SECONDS));
    assertThat(thrown).as("the poll ended within 3 s of close()").isInstanceOf(ExecutionException.class);
    assertNoSecret(thrown.getCause());
  }

  @Test
  void close_isIdempotentAndRefusesLaterPolls() {
    Detector d = create();
    d.close();
    d.close();
    assertThatThrownBy(() -> d.poll(context())).isNotNull();
    assertThat(stub.requests()).isEmpty();
  }

  /**
   * Polls and returns the {@link PollException}, after checking it holds no secret.
   *
   * @param detector the detector
   * @return the exception
   */
  protected PollException pollFails(Detector detector) {
    Throwable t = catchThrowable(() -> detector.poll(context()));
    assertThat(t).isInstanceOf(PollException.class);
    assertNoSecret(t);
    return (PollException) t;
  }

  /**
   * Asserts that no secret appears in a throwable's messages, causes, suppressed exceptions or
   * printed stack trace.
   *
   * @param t the throwable
   */
  protected void assertNoSecret(Throwable t) {
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    String text = sw + "\n" + t;
    for (String form : secretForms()) {
      assertThat(text).as("exception text must not contain a secret").doesNotContain(form);
    }
  }

  private List<String> secretForms() {
    List<String> forms = new ArrayList<>();
    for (String v : secrets().values()) {
      forms.add(v);
      forms.add(URLEncoder.encode(v, StandardCharsets.UTF_8));
      forms.add(Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
    }
    return forms;
  }

  /**
   * Quotes a string as JSON.
   *
   * @param s the text
   * @return the JSON string literal
   */
  protected static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
