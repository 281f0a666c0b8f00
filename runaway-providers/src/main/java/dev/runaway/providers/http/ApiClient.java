package dev.runaway.providers.http;

import dev.runaway.internal.Checks;
import dev.runaway.internal.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Ticker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.internal.HttpSecurity;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.providers.http.internal.CappedBody;
import dev.runaway.providers.http.internal.ContentDecoding;
import dev.runaway.providers.http.internal.Redactor;
import dev.runaway.providers.http.internal.RequestPacer;
import dev.runaway.providers.http.internal.TlsDiagnosis;
import java.io.IOException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP client for one service's JSON API, on the JDK {@link HttpClient}: connect and request
 * timeouts, default and credential headers, and every failure turned into a
 * {@link PollException} whose kind the monitor understands:
 *
 * <ul>
 *   <li>401, and 403 without a rate-limit signal: {@code UNAUTHORIZED}, naming the environment
 *       variable that holds the credential, never its value;
 *   <li>429, and 403 with {@code X-RateLimit-Remaining: 0} or {@code Retry-After}:
 *       {@code RATE_LIMITED} with the wait read by the {@link RateLimitPolicy} (or an
 *       exponential backoff when the service gives none);
 *   <li>5xx, 408, timeouts and connection failures: {@code UNAVAILABLE};
 *   <li>a body that is not JSON: {@code BAD_RESPONSE};
 *   <li>410 (a retired endpoint) and other 4xx: {@code MISCONFIGURED}.
 * </ul>
 *
 * <p>Every message and cause chain is redacted of the client's credentials (request URIs may
 * carry keys). The client refuses plain {@code http://} to a host that is not loopback unless the
 * service's settings say {@code "allow_insecure_http": true}, and sends nothing outside its base
 * URL's origin. When a response says the quota is used up, the next request fails at once with
 * {@code RATE_LIMITED} until the reset, measured on the injected {@link Ticker}; the client never
 * sleeps.
 *
 * <p>Thread-safe. {@link #close()} cancels requests in flight and releases the client's threads.
 */
public final class ApiClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiClient.class);

  /** Default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default request timeout. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Default cap on pages fetched by one {@link #pages} call. */
  public static final int DEFAULT_MAX_PAGES = 100;
  /**
   * Default cap on one response body, 8 MiB (a usage page is rarely above a few hundred KB); a
   * compressed body may decode to four times the cap. Change it with {@code "max_body_bytes"}
   * in the service's settings or {@link Builder#maxBodyBytes}.
   */
  public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
  /** The most {@code max_body_bytes} may be set to, 256 MiB. */
  public static final long MAX_BODY_BYTES_LIMIT = 256L * 1024 * 1024;

  private final String service;
  private final String product;
  private final URI baseUrl;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final List<Map.Entry<String, String>> headers;
  private final List<String> credentialNames;
  private final String credentialHint;
  private volatile Redactor redactor;
  private final List<Secret> secrets;
  private final RateLimitPolicy rateLimits;
  private final ResponseCheck check;
  private final Ticker ticker;
  private final int maxPages;
  private final long maxBodyBytes;
  private final Duration backoffBase;
  private final Duration backoffMax;
  private final RequestPacer pacer;
  private final HttpClient http;
  private final ExecutorService ownedExecutor;
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicInteger consecutiveRateLimits = new AtomicInteger();
  private volatile boolean closed;

  private ApiClient(Builder b) {
    this.service = b.service;
    this.product = b.product != null ? b.product : b.service;
    this.baseUrl = b.baseUrl;
    this.requestTimeout = b.requestTimeout;
    this.connectTimeout = b.connectTimeout;
    this.headers = List.copyOf(b.headers);
    this.credentialNames = List.copyOf(b.credentialNames);
    this.credentialHint = b.credentialHint;
    this.secrets = new java.util.concurrent.CopyOnWriteArrayList<>(b.credentials);
    this.redactor = Redactor.of(secrets);
    this.rateLimits = b.rateLimits;
    this.check = b.check;
    this.ticker = b.ticker;
    this.maxPages = b.maxPages;
    this.maxBodyBytes = b.maxBodyBytes;
    this.backoffBase = b.backoffBase;
    this.backoffMax = b.backoffMax;
    this.pacer = new RequestPacer(ticker, b.limitPermits, b.limitPer);
    Executor executor = b.executor;
    if (executor == null) {
      ownedExecutor = Executors.newCachedThreadPool(DaemonThreads.factory("runaway-http-" + service));
      executor = ownedExecutor;
    } else {
      ownedExecutor = null;
    }
    this.http = HttpClient.newBuilder()
        .connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version("http".equals(baseUrl.getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
        .executor(executor)
        .build();
  }

  /**
   * Returns a new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the base URL requests are resolved against, without a trailing slash.
   *
   * @return the base URL
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * Returns the request timeout.
   *
   * @return the timeout
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * Removes this client's credentials from a text, for messages a provider builds itself.
   *
   * @param text any text, may be {@code null}
   * @return the text with every credential replaced by {@code ***}
   */
  public String redact(String text) {
    return redactor.redact(text);
  }

  /**
   * Adds a secret obtained after the client was built (such as an OAuth access token) to the
   * values redacted from every message; send it with {@link ApiRequest#withHeader}.
   *
   * @param secret the secret
   */
  public void addSecret(Secret secret) {
    Objects.requireNonNull(secret, "secret");
    synchronized (secrets) {
      if (!secrets.contains(secret)) {
        secrets.add(secret);
        redactor = Redactor.of(secrets);
      }
    }
  }

  /**
   * Stops redacting a secret added with {@link #addSecret}, such as an access token that was
   * replaced by a newer one, so a long-lived client does not collect every token it ever used.
   *
   * @param secret the secret
   */
  public void removeSecret(Secret secret) {
    Objects.requireNonNull(secret, "secret");
    synchronized (secrets) {
      if (secrets.remove(secret)) {
        redactor = Redactor.of(secrets);
      }
    }
  }

  /**
   * Creates a {@link PollException} whose message starts with the service's name and is redacted.
   *
   * @param kind the kind
   * @param message what happened and what to do
   * @param retryAfter the wait, or {@code null}
   * @return the exception, to throw
   */
  public PollException failure(Kind kind, String message, Duration retryAfter) {
    return new PollException(kind, redactor.redact(service + ": " + message), retryAfter, null);
  }

  /**
   * Sends a request and returns its response if it succeeded (2xx or a status the request
   * accepts).
   *
   * @param request the request
   * @return the response
   * @throws PollException if the service refused, failed, was too slow or the client is paced
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if the client is closed
   */
  public ApiResponse send(ApiRequest request) throws PollException, InterruptedException {
    Objects.requireNonNull(request, "request");
    if (closed) {
      throw new IllegalStateException(service + ": the HTTP client is closed");
    }
    URI uri = resolve(request);
    String target = request.method() + " " + uri.getRawPath();
    if (request.absoluteUri().isPresent() && !HttpSecurity.sameOrigin(uri, baseUrl)) {
      throw new PollException(Kind.BAD_RESPONSE, redactor.redact(service + ": " + product
          + " pointed to " + uri.getScheme() + "://" + uri.getHost() + " for the next page, outside its base URL "
          + baseUrl.getScheme() + "://" + baseUrl.getHost() + "; the credential is not sent there"), null, null);
    }
    Optional<Duration> wait = pacer.waitBeforeNextRequest();
    if (wait.isPresent()) {
      throw new PollException(Kind.RATE_LIMITED, service + ": not sending " + target + " before the rate limit of "
          + product + " resets in " + human(wait.get()), wait.get(), null);
    }
    HttpRequest httpRequest = build(request, uri);
    long start = ticker.nanoTime();
    HttpResponse<byte[]> raw = exchange(httpRequest, target);
    ApiResponse response = new ApiResponse(request, target, raw.statusCode(), raw.headers(),
        decoded(raw, target), product, redactor);
    if (LOG.isDebugEnabled()) {
      LOG.debug("{}: {} {} -> HTTP {} in {} ms", service, request.method(), redactor.redact(uri.toString()),
          raw.statusCode(), Duration.ofNanos(ticker.nanoTime() - start).toMillis());
    }
    try {
      check.check(response);
    } catch (PollException e) {
      throw new PollException(e.kind(), redactor.redact(e.getMessage()), e.retryAfter().orElse(null),
          redactor.sanitize(e.getCause()));
    }
    int status = raw.statusCode();
    if ((status >= 200 && status < 300) || request.acceptedStatuses().contains(status)) {
      consecutiveRateLimits.set(0);
      if (rateLimits.exhausted(raw.headers())) {
        rateLimits.waitFrom(raw.headers(), ticker.instant()).ifPresent(pacer::blockFor);
      }
      return response;
    }
    throw mapStatus(response);
  }

  /**
   * Sends a request and parses its JSON body.
   *
   * @param request the request
   * @return the body
   * @throws PollException as {@link #send} does, or {@code BAD_RESPONSE} if the body is not JSON
   * @throws InterruptedException if interrupted
   */
  public JsonNode getJson(ApiRequest request) throws PollException, InterruptedException {
    return send(request).json();
  }

  /**
   * Fetches every page of a listing, following a {@link Paginator}, up to the client's page cap.
   *
   * @param first the request for the first page
   * @param paginator how to find the next page
   * @return the pages in order
   * @throws PollException as {@link #send} does; {@code BAD_RESPONSE} if the service repeats a
   *     page request or there are more pages than the cap
   * @throws InterruptedException if interrupted
   */
  public List<ApiResponse> pages(ApiRequest first, Paginator paginator) throws PollException, InterruptedException {
    List<ApiResponse> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    ApiRequest next = first;
    while (next != null) {
      String key = resolve(next).toString();
      if (!seen.add(key)) {
        throw new PollException(Kind.BAD_RESPONSE, redactor.redact(service + ": " + product
            + " sent the same next-page cursor twice for " + next + "; stopped paging"), null, null);
      }
      if (out.size() == maxPages) {
        throw new PollException(Kind.BAD_RESPONSE, service + ": " + next + " has more than " + maxPages
            + " pages; shorten monitoring_interval or raise max_pages", null, null);
      }
      ApiResponse page = send(next);
      out.add(page);
      next = paginator.next(next, page).orElse(null);
    }
    return List.copyOf(out);
  }

  private HttpRequest build(ApiRequest request, URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(requestTimeout);
    b.header("Accept", "application/json");
    b.header("User-Agent", "runaway-guard");
    Set<String> own = new LinkedHashSet<>();
    for (Map.Entry<String, String> h : request.headers()) {
      own.add(h.getKey().toLowerCase(java.util.Locale.ROOT));
    }
    for (Map.Entry<String, String> h : headers) {
      if (!own.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
        b.setHeader(h.getKey(), h.getValue());
      }
    }
    for (Map.Entry<String, String> h : request.headers()) {
      b.setHeader(h.getKey(), h.getValue());
    }
    Optional<String> body = request.body();
    if (body.isPresent()) {
      if (!own.contains("content-type")) {
        b.setHeader("Content-Type", "application/json");
      }
      b.method(request.method(), HttpRequest.BodyPublishers.ofString(body.get(), StandardCharsets.UTF_8));
    } else {
      b.method(request.method(), HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  private HttpResponse<byte[]> exchange(HttpRequest request, String target)
      throws PollException, InterruptedException {
    CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(request, CappedBody.handler(maxBodyBytes));
    inFlight.add(future);
    try {
      if (closed) {
        future.cancel(true);
      }
      // The JDK timeout covers the response headers; this bound also covers a body that trickles.
      return future.get(requestTimeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw unavailable(target + " got no complete answer within " + human(requestTimeout), null);
    } catch (CancellationException e) {
      throw unavailable(target + " was cancelled because the detector is closing", null);
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof HttpConnectTimeoutException) {
        // An https URL on a plain-HTTP port: the handshake, not the connection, timed out. The probe
        // that tells them apart has what the connect timeout left of the request timeout, which bounds
        // a send: with timeout_seconds 10 and connect_timeout_seconds 10, 13 s before.
        Duration left = requestTimeout.minus(connectTimeout);
        throw unavailable(TlsDiagnosis.afterConnectTimeout(request.uri(),
            left.compareTo(connectTimeout) < 0 ? left : connectTimeout)
            .orElse("could not connect to " + hostOf() + " within the connect timeout"), cause);
      }
      Optional<String> tls = TlsDiagnosis.afterFailure(request.uri(), cause);
      if (tls.isPresent()) {
        throw unavailable(tls.get(), cause);
      }
      if (cause instanceof HttpTimeoutException) {
        throw unavailable(target + " got no answer within " + human(requestTimeout), cause);
      }
      if (cause instanceof ConnectException) {
        throw unavailable("could not connect to " + hostOf() + " (" + cause.getClass().getSimpleName() + ")", cause);
      }
      if (cause instanceof CappedBody.TooLargeException) {
        throw new PollException(Kind.BAD_RESPONSE, redactor.redact(service + ": " + product + " answered " + target
            + " with a body too large: " + cause.getMessage() + "; it was not read further. Narrow the request"
            + " (shorter monitoring_interval, smaller pages) or raise max_body_bytes"), null, null);
      }
      if (cause instanceof IOException) {
        throw unavailable(target + " failed: " + cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : " " + cause.getMessage()), cause);
      }
      throw unavailable(target + " failed: " + cause, cause);
    } finally {
      inFlight.remove(future);
    }
  }

  private byte[] decoded(HttpResponse<byte[]> raw, String target) throws PollException {
    byte[] body = raw.body() == null ? new byte[0] : raw.body();
    try {
      return ContentDecoding.decode(body, raw.headers(), decodedLimit());
    } catch (IOException e) {
      throw new PollException(Kind.BAD_RESPONSE, redactor.redact(service + ": " + product + " answered " + target
          + " (HTTP " + raw.statusCode() + ") with a compressed body that could not be decoded: " + e.getMessage()),
          null, redactor.sanitize(e));
    }
  }

  /** A compressed body may decode to four times the cap (JSON compresses well), within int range. */
  private int decodedLimit() {
    return (int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes * 4);
  }

  private PollException unavailable(String message, Throwable cause) {
    return new PollException(Kind.UNAVAILABLE, redactor.redact(service + ": " + product + ": " + message), null,
        redactor.sanitize(cause));
  }

  /** Resolves a request; an invalid URL is a configuration problem, reported without the URL. */
  private URI resolve(ApiRequest request) throws PollException {
    try {
      return request.resolve(baseUrl);
    } catch (IllegalArgumentException e) {
      throw new PollException(Kind.MISCONFIGURED, redactor.redact(service + ": cannot send " + request + ": "
          + e.getMessage() + "; check the URL in the service's settings (a value substituted into it may hold a"
          + " space or another character a URL cannot hold)"), null, null);
    }
  }

  private String hostOf() {
    return baseUrl.getHost() + (baseUrl.getPort() == -1 ? "" : ":" + baseUrl.getPort());
  }

  private PollException mapStatus(ApiResponse response) {
    int status = response.status();
    String detail = response.errorMessage();
    String said = "HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
    String target = response.target();
    Duration wait = rateLimits.waitFrom(response.headers(), ticker.instant()).orElse(null);
    Kind kind;
    String message;
    if (status == 429 || (status == 403 && (rateLimits.exhausted(response.headers())
        || rateLimits.hasRetryAfter(response.headers())))) {
      kind = Kind.RATE_LIMITED;
      if (wait == null) {
        wait = backoff(consecutiveRateLimits.incrementAndGet());
        message = product + " rate-limited " + target + " (" + said + ") without saying for how long; backing off "
            + human(wait);
      } else {
        consecutiveRateLimits.incrementAndGet();
        message = product + " rate-limited " + target + " (" + said + "); retry in " + human(wait);
      }
      if (rateLimits.exhausted(response.headers())) {
        pacer.blockFor(wait);
      }
    } else if (status == 401 || status == 403) {
      kind = Kind.UNAUTHORIZED;
      wait = null;
      String which = credentialNames.isEmpty() ? "no credential was configured"
          : "check the environment variable" + (credentialNames.size() > 1 ? "s " : " ")
              + String.join(", ", credentialNames);
      message = product + (status == 401 ? " refused the credential" : " denied permission") + " for " + target
          + " (" + said + "); " + which + (credentialHint == null ? "" : " (" + credentialHint + ")");
    } else if (status == 410) {
      kind = Kind.MISCONFIGURED;
      wait = null;
      message = product + " retired " + target + " (" + said + "); check base_url and the service's settings";
    } else if (status >= 500 || status == 408) {
      kind = Kind.UNAVAILABLE;
      message = product + " failed on " + target + " (" + said + ")";
    } else if (status >= 300 && status < 400) {
      kind = Kind.MISCONFIGURED;
      wait = null;
      message = product + " redirected " + target + " (" + said + "); set base_url to the API's own address";
    } else {
      kind = Kind.MISCONFIGURED;
      wait = null;
      message = product + " rejected " + target + " (" + said + ")" + (status == 404
          ? "; check base_url and the names in the service's settings" : "");
    }
    return new PollException(kind, redactor.redact(service + ": " + message), wait, null);
  }

  private Duration backoff(int attempt) {
    long factor = 1L << Math.min(20, Math.max(0, attempt - 1));
    Duration d = backoffBase.multipliedBy(factor);
    return d.compareTo(backoffMax) > 0 ? backoffMax : d;
  }

  static String human(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + " ms";
    }
    BigDecimal s = BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros();
    return s.toPlainString() + " s";
  }

  /** Cancels requests in flight and releases the client's threads; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (CompletableFuture<?> f : inFlight) {
      f.cancel(true);
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
    // Java 21 added HttpClient.shutdownNow(); on 17 the client's selector thread ends once it is unreachable.
    try {
      Method m = HttpClient.class.getMethod("shutdownNow");
      m.invoke(http);
    } catch (NoSuchMethodException e) {
      // Java 17: nothing more to release explicitly.
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("{}: could not shut the HTTP client down: {}", service, e.toString());
    }
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return "ApiClient[" + service + ", " + baseUrl + ", credentials=" + credentialNames + "]";
  }

  /** Builds an {@link ApiClient}; not thread-safe. */
  public static final class Builder {
    private String service;
    private String product;
    private URI baseUrl;
    private boolean allowInsecureHttp;
    private String insecureKey = "allow_insecure_http";
    /** Where the settings came from, so a refusal names the file and line; null when built by hand. */
    private ServiceSettings origin;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private final List<Secret> credentials = new ArrayList<>();
    private final List<String> credentialNames = new ArrayList<>();
    private String credentialHint;
    private RateLimitPolicy rateLimits = RateLimitPolicy.standard();
    private ResponseCheck check = ResponseCheck.NONE;
    private Ticker ticker = Ticker.system();
    private int maxPages = DEFAULT_MAX_PAGES;
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration backoffBase = Duration.ofSeconds(5);
    private Duration backoffMax = Duration.ofMinutes(5);
    private int limitPermits;
    private Duration limitPer;
    private Executor executor;

    private Builder() {}

    /**
     * Reads the settings every provider shares: {@code base_url} (or {@code defaultBaseUrl}),
     * {@code allow_insecure_http}, {@code timeout_seconds} (request timeout, fractions allowed),
     * {@code connect_timeout_seconds}, {@code max_pages} and {@code max_body_bytes} (default 8 MiB);
     * also sets the service name.
     *
     * @param settings the service's settings
     * @param defaultBaseUrl the service's public API root
     * @return this builder
     * @throws ConfigException if a value is invalid
     */
    public Builder settings(ServiceSettings settings, String defaultBaseUrl) {
      Objects.requireNonNull(settings, "settings");
      service(settings.name());
      baseUrl(settings.baseUrl(defaultBaseUrl));
      timeoutsFrom(settings);
      return this;
    }

    /**
     * Reads {@code allow_insecure_http}, {@code timeout_seconds}, {@code connect_timeout_seconds},
     * {@code max_pages} and {@code max_body_bytes} alone, for providers whose URL is not a {@code base_url}.
     *
     * @param settings the service's settings
     * @return this builder
     * @throws ConfigException if a value is invalid
     */
    public Builder timeoutsFrom(ServiceSettings settings) {
      allowInsecureHttp = settings.bool("allow_insecure_http", false);
      insecureKey = settings.pathOf("allow_insecure_http");
      origin = settings;
      if (settings.number("timeout_seconds").isPresent()) {
        requestTimeout = positiveSeconds(settings, "timeout_seconds");
      }
      if (settings.number("connect_timeout_seconds").isPresent()) {
        connectTimeout = positiveSeconds(settings, "connect_timeout_seconds");
      }
      if (settings.number("max_pages").isPresent()) {
        double v = settings.number("max_pages").getAsDouble();
        if (v < 1 || v != Math.rint(v) || v > 100_000) {
          throw settings.error("max_pages", "must be a whole number from 1 to 100000, got " + v);
        }
        maxPages = (int) v;
      }
      if (settings.number("max_body_bytes").isPresent()) {
        double v = settings.number("max_body_bytes").getAsDouble();
        if (v < 1024 || v != Math.rint(v) || v > MAX_BODY_BYTES_LIMIT) {
          throw settings.error("max_body_bytes", "must be a whole number of bytes from 1024 to "
              + MAX_BODY_BYTES_LIMIT + " (256 MiB), got " + v);
        }
        maxBodyBytes = (long) v;
      }
      return this;
    }

    private static Duration positiveSeconds(ServiceSettings settings, String key) {
      double v = settings.number(key).getAsDouble();
      if (v <= 0 || v > 3600) {
        throw settings.error(key, "must be more than 0 and at most 3600 seconds, got " + v);
      }
      return Duration.ofNanos(Math.round(v * 1e9));
    }

    /**
     * Sets the service's name (the config's key), which starts every message.
     *
     * @param service the name
     * @return this builder
     */
    public Builder service(String service) {
      this.service = Objects.requireNonNull(service, "service");
      return this;
    }

    /**
     * Sets the product's name for messages, such as {@code "the OpenAI Usage API"}.
     *
     * @param product the name
     * @return this builder
     */
    public Builder product(String product) {
      this.product = Objects.requireNonNull(product, "product");
      return this;
    }

    /**
     * Sets the base URL.
     *
     * @param baseUrl an absolute http or https URL
     * @return this builder
     */
    public Builder baseUrl(URI baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      String s = baseUrl.toString();
      this.baseUrl = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      return this;
    }

    /**
     * Allows plain {@code http://} to a host that is not loopback (default: refused).
     *
     * @param allow whether to allow it
     * @return this builder
     */
    public Builder allowInsecureHttp(boolean allow) {
      this.allowInsecureHttp = allow;
      return this;
    }

    /**
     * Sets the connect timeout (default 10 s).
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets the timeout for a whole request and its body (default 30 s).
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Adds a header sent with every request.
     *
     * @param name the name
     * @param value the value
     * @return this builder
     */
    public Builder header(String name, String value) {
      headers.add(Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value")));
      return this;
    }

    /**
     * Registers a credential: it is redacted from every message, and an authentication failure
     * names its environment variable ({@link Secret#name()}).
     *
     * @param secret the credential
     * @return this builder
     */
    public Builder credential(Secret secret) {
      Objects.requireNonNull(secret, "secret");
      credentials.add(secret);
      if (!credentialNames.contains(secret.name())) {
        credentialNames.add(secret.name());
      }
      return this;
    }

    /**
     * Registers a secret to redact without naming it in authentication failures (such as a
     * value substituted into a URL).
     *
     * @param secret the secret
     * @return this builder
     */
    public Builder redacting(Secret secret) {
      credentials.add(Objects.requireNonNull(secret, "secret"));
      return this;
    }

    /**
     * Sends {@code Authorization: Bearer <secret>} and registers the credential.
     *
     * @param secret the token
     * @return this builder
     */
    public Builder bearer(Secret secret) {
      credential(secret);
      return header("Authorization", "Bearer " + secret.reveal());
    }

    /**
     * Sends HTTP Basic authentication and registers the password as a credential.
     *
     * @param user the user name
     * @param password the password
     * @return this builder
     */
    public Builder basicAuth(String user, Secret password) {
      credential(password);
      String token = Base64.getEncoder()
          .encodeToString((user + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8));
      redacting(Secret.of(password.name(), token));
      return header("Authorization", "Basic " + token);
    }

    /**
     * Sets a hint shown after the variable's name when the credential is refused, such as
     * {@code "an Admin API key, sk-admin-..."}.
     *
     * @param hint the hint; must not contain a secret
     * @return this builder
     */
    public Builder credentialHint(String hint) {
      this.credentialHint = hint;
      return this;
    }

    /**
     * Sets how rate-limit headers are read (default {@link RateLimitPolicy#standard()}).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder rateLimits(RateLimitPolicy policy) {
      this.rateLimits = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the provider's own response check, run before the generic status mapping.
     *
     * @param check the check
     * @return this builder
     */
    public Builder check(ResponseCheck check) {
      this.check = Objects.requireNonNull(check, "check");
      return this;
    }

    /**
     * Sets the ticker used for pacing and backoff (default {@link Ticker#system()}).
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Caps the pages one {@link ApiClient#pages} call fetches (default 100).
     *
     * @param maxPages the cap, at least 1
     * @return this builder
     */
    public Builder maxPages(int maxPages) {
      Checks.atLeast(maxPages, 1, "maxPages");
      this.maxPages = maxPages;
      return this;
    }

    /**
     * Caps one response body (default {@link #DEFAULT_MAX_BODY_BYTES}, 8 MiB): a larger body,
     * declared or received, fails the request with {@code BAD_RESPONSE} as soon as the cap is
     * passed, without reading the rest; a compressed body may decode to four times the cap.
     *
     * @param maxBytes the cap, from 1024 to {@link #MAX_BODY_BYTES_LIMIT}
     * @return this builder
     */
    public Builder maxBodyBytes(long maxBytes) {
      if (maxBytes < 1024 || maxBytes > MAX_BODY_BYTES_LIMIT) {
        throw new IllegalArgumentException("maxBodyBytes must be from 1024 to " + MAX_BODY_BYTES_LIMIT + ", got "
            + maxBytes);
      }
      this.maxBodyBytes = maxBytes;
      return this;
    }

    /**
     * Sets the backoff after a rate limit that gave no wait: {@code base}, doubled on each
     * consecutive one up to {@code max} (default 5 s to 5 min).
     *
     * @param base the first wait
     * @param max the longest wait
     * @return this builder
     */
    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = positive(base, "base");
      this.backoffMax = positive(max, "max");
      return this;
    }

    /**
     * Limits the client to {@code permits} requests per {@code per}, as a token bucket on the
     * ticker; a request over the limit fails at once with {@code RATE_LIMITED} and the wait
     * (Supabase's usage endpoints allow 30 per minute).
     *
     * @param permits the requests allowed
     * @param per the period
     * @return this builder
     */
    public Builder requestLimit(int permits, Duration per) {
      Checks.atLeast(permits, 1, "permits");
      this.limitPermits = permits;
      this.limitPer = positive(per, "per");
      return this;
    }

    /**
     * Sets the executor the JDK client runs its callbacks on (default: a daemon pool owned and
     * shut down by the client).
     *
     * @param executor the executor; the client never shuts it down
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException if the service or base URL is missing
     * @throws ConfigException if the base URL is plain http to a host that is not loopback and
     *     insecure http was not allowed
     */
    public ApiClient build() {
      if (service == null) {
        throw new IllegalStateException("service is required");
      }
      if (baseUrl == null) {
        throw new IllegalStateException("baseUrl is required");
      }
      // The same rule as the Telegram notifier's: one policy in core.
      String problem = HttpSecurity.problem(baseUrl, allowInsecureHttp).orElse(null);
      if (problem != null && (baseUrl.getHost() == null || !"http".equalsIgnoreCase(baseUrl.getScheme()))) {
        throw new ConfigException(service + ": " + problem);
      }
      if (problem != null) {
        if (origin != null) {
          // Names the config file, line and column (of the service, where allow_insecure_http would go)
          // like any other setting.
          throw origin.error("allow_insecure_http", problem);
        }
        throw new ConfigException(null, insecureKey, 0, 0, problem, null);
      }
      return new ApiClient(this);
    }
  }
}
