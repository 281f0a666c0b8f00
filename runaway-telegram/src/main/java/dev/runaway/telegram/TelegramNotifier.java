package dev.runaway.telegram;

import dev.runaway.internal.WarnOnce;
import dev.runaway.internal.HttpSecurity;
import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.telegram.internal.AlertFormatter;
import dev.runaway.telegram.internal.BotApi;
import dev.runaway.telegram.internal.ChartRenderer;
import dev.runaway.telegram.internal.Delivery;
import dev.runaway.telegram.internal.Html;
import dev.runaway.telegram.internal.MessageSplitter;
import dev.runaway.telegram.internal.Pacer;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * A {@link Notifier} that posts alerts to a Telegram chat, group or channel through the Bot API.
 *
 * <pre>{@code
 * Notifier telegram = TelegramNotifier.builder()
 *     .botToken(System.getenv("TELEGRAM_BOT_TOKEN"))
 *     .chatId("-1001234567890")
 *     .build();
 * // or: TelegramNotifier.fromEnvironment()
 * }</pre>
 *
 * <p>Each alert becomes a message in HTML parse mode laid out for a phone: severity, service and
 * key, what happened, rate against baseline, projection and time until the budget runs out,
 * breaker state and what to do next. Every string from the alert is escaped. A message longer
 * than Telegram's 4,096 characters is split at line boundaries into parts sent in order.
 *
 * <p>{@link #send(Alert)} returns once Telegram accepted every part. It paces messages within the
 * Bot FAQ's limits (one per second per chat, 20 per minute per group or channel, 30 per second
 * overall), waits {@code retry_after} on 429, retries 5xx and network errors with exponential
 * backoff and jitter up to {@link Builder#maxAttempts(int)} requests, follows a group's migration
 * to a supergroup, and throws {@link TelegramException} when delivery finally failed (at once for
 * a rejected token or chat, or any other 4xx but 429, which {@link #retryable} tells the dispatcher
 * not to retry). HTML that Telegram cannot parse (400 "can't parse entities") is sent once more as
 * plain text rather than lost. If a later part of a split message fails, the earlier parts stay
 * delivered.
 *
 * <p>The bot token travels in the request path; it never appears in a log line, an exception
 * (message or cause), {@link #toString()} or any URI this class hands out.
 *
 * <p>Thread-safe: concurrent sends are serialised, so the parts of one alert are never
 * interleaved with another's.
 */
public final class TelegramNotifier implements Notifier {

  /** The public Bot API root. */
  public static final URI DEFAULT_BASE_URI = URI.create("https://api.telegram.org");

  /** The environment variable holding the bot token. */
  public static final String TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN";

  /** The environment variable holding the chat id. */
  public static final String CHAT_VARIABLE = "TELEGRAM_CHANNEL_ID";

  /**
   * Waits for a duration: retry-after, backoff and pacing waits go through it, so that tests can
   * move a {@link dev.runaway.ManualTicker} instead of sleeping ({@code .sleeper(ticker::advance)}).
   *
   * <p>Implementations must be thread-safe.
   */
  @FunctionalInterface
  public interface Sleeper {

    /**
     * Returns once {@code duration} has passed.
     *
     * @param duration how long, positive
     * @throws InterruptedException if interrupted while waiting
     */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Returns the sleeper that blocks the calling thread.
     *
     * @return a sleeper using {@link TimeUnit#sleep(long)}
     */
    static Sleeper system() {
      return duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());
    }
  }

  /** The most characters of a photo caption. */
  static final int CAPTION_LIMIT = 1024;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TelegramNotifier.class);

  /** Whether a chart failure was logged at WARN; later ones go to DEBUG. */
  private final WarnOnce chartFailed = new WarnOnce(LOG, " (further chart failures at DEBUG)");

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9:_\\-]+");
  private static final Pattern NUMERIC_CHAT = Pattern.compile("-?[0-9]{1,16}");
  private static final Pattern NAMED_CHAT = Pattern.compile("@[A-Za-z][A-Za-z0-9_]{3,}");
  private static final Pattern BOT_TOKEN_SHAPE = Pattern.compile("[0-9]+:[A-Za-z0-9_\\-]+");

  private final URI baseUri;
  private final Delivery delivery;
  private final AlertFormatter formatter;
  private final Ticker ticker;
  private final boolean silentInfo;
  private final java.util.function.Function<? super Alert, RateChart> charts;
  private final ZoneId zone;
  private final ReentrantLock lock = new ReentrantLock();
  /**
   * Alerts whose delivery failed part-way, with how far each got, guarded by {@link #lock}; a
   * retry of one resumes it. Bounded: the oldest is forgotten (its retry then starts afresh).
   */
  private final java.util.Map<Alert, Progress> unfinished = new java.util.LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Alert, Progress> eldest) {
      return size() > MAX_UNFINISHED;
    }
  };
  private static final int MAX_UNFINISHED = 16;

  /** How far one alert's parts got. */
  private static final class Progress {
    final List<String> parts;
    int delivered;
    /** Whether the alert's chart went out already (a retry then sends only the text parts left). */
    boolean photoSent;

    Progress(List<String> parts) {
      this.parts = parts;
    }
  }
  private volatile boolean closed;

  private TelegramNotifier(Builder b) {
    this.baseUri = b.baseUri;
    this.ticker = b.ticker;
    this.silentInfo = b.silentInfo;
    this.charts = b.charts;
    this.zone = b.zone;
    this.formatter = new AlertFormatter(b.zone);
    HttpClient http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    BotApi api = new BotApi(http, b.baseUri, b.token, b.requestTimeout);
    this.delivery = new Delivery(api, Pacer.telegramDefaults(b.ticker), b.sleeper,
        new Delivery.Policy(b.maxAttempts, b.initialBackoff, b.maxBackoff, b.maxRetryAfter),
        b.chatId, b.tokenHint, b.chatHint);
  }

  /**
   * Returns a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a notifier configured from the environment variables {@value #TOKEN_VARIABLE} and
   * {@value #CHAT_VARIABLE}. A {@code .env} file is not read here: use
   * {@code fromSecrets(SecretSource.defaults())} for the environment, then {@code .env}.
   *
   * @return the notifier
   * @throws dev.runaway.config.ConfigException naming the variable that is missing
   */
  public static TelegramNotifier fromEnvironment() {
    return fromSecrets(SecretSource.environment());
  }

  /**
   * Returns a notifier configured from {@value #TOKEN_VARIABLE} and {@value #CHAT_VARIABLE} in a
   * secret source, such as {@code SecretSource.defaults()} (environment, then {@code .env}).
   *
   * @param secrets where to look
   * @return the notifier
   * @throws dev.runaway.config.ConfigException naming the variable that is missing or malformed
   */
  public static TelegramNotifier fromSecrets(SecretSource secrets) {
    Objects.requireNonNull(secrets, "secrets");
    return TelegramNotifierProvider.builderFrom(null, secrets, null).build();
  }

  /**
   * Sends an alert, returning once Telegram accepted every part of it. {@link Severity#INFO}
   * alerts are sent without sound unless {@link Builder#silentInfo(boolean)} turned that off.
   *
   * <p>When delivery fails part-way, the next {@code send} of an equal alert (the dispatcher's
   * retry) resumes from the first part Telegram did not accept, so no part is posted twice. A
   * chat under flood control ({@code retry_after} longer than {@link Builder#maxRetryAfter}) gets
   * no request at all until the wait has passed: such sends fail at once. Alerts are small by
   * construction ({@link Alert} caps its fields), a few parts at most.
   *
   * @param alert the alert
   * @throws TelegramException when delivery finally failed
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the notifier is closed
   */
  @Override
  public void send(Alert alert) throws InterruptedException {
    Objects.requireNonNull(alert, "alert");
    ensureOpen();
    boolean silent = silentInfo && alert.severity() == Severity.INFO;
    byte[] png = chart(alert);
    lock.lockInterruptibly();
    try {
      Progress p = unfinished.get(alert);
      if (p == null) {
        // A retry of the same alert resumes where the last attempt stopped; any other alert starts afresh.
        p = new Progress(MessageSplitter.splitForSending(formatter.format(alert), MessageSplitter.TELEGRAM_LIMIT));
        unfinished.put(alert, p);
      }
      if (png != null && !p.photoSent) {
        if (p.delivered == 0 && p.parts.size() == 1 && p.parts.get(0).length() <= CAPTION_LIMIT) {
          delivery.sendPhoto(png, p.parts.get(0), silent);
          unfinished.remove(alert);
          return;
        }
        // Too long for a caption: the picture first, then the text split as always.
        delivery.sendPhoto(png, null, silent);
        p.photoSent = true;
      }
      while (p.delivered < p.parts.size()) {
        delivery.sendMessage(p.parts.get(p.delivered), silent);
        p.delivered++;
      }
      unfinished.remove(alert);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Says whether the dispatcher should retry a failed send: not when Telegram refused it for good
   * (a 4xx other than 429: bad token, bot blocked or not in the chat, chat not found), since the
   * same request would be refused again; it is reported once and counted as undelivered instead.
   * Flood control, server and network errors are retried.
   *
   * @param failure what {@link #send(Alert)} threw
   * @return {@code false} for a permanent {@link TelegramException}, otherwise {@code true}
   */
  @Override
  public boolean retryable(Exception failure) {
    return !(failure instanceof TelegramException t && t.permanent());
  }

  /**
   * Renders the alert's chart when it is a spike or a trip (a {@code USAGE_SPIKE} or
   * {@code CIRCUIT_BREAKER} alert that is not {@code INFO}) and a chart source gave at least two
   * points; {@code null} otherwise, or when the source or rendering failed (the text still goes).
   */
  private byte[] chart(Alert alert) {
    if (charts == null || alert.severity() == Severity.INFO
        || alert.type() != AlertType.USAGE_SPIKE && alert.type() != AlertType.CIRCUIT_BREAKER) {
      return null;
    }
    try {
      RateChart chart = charts.apply(alert);
      return chart == null || chart.points().size() < 2 ? null : ChartRenderer.png(chart, zone);
    } catch (RuntimeException | LinkageError e) {
      chartFailed.log("The chart of a {} alert for service {} could not be drawn; the text is sent alone: {}",
          alert.type(), alert.service(), e.toString());
      return null;
    }
  }

  /**
   * Checks the setup, for the monitor app's {@code check} command: calls {@code getMe} to prove
   * the token, then sends a test message to the chat.
   *
   * @return the bot's username and whether the chat accepted the test message (with the reason
   *     and what to check when it did not)
   * @throws TelegramException if the token was rejected, or Telegram could not be reached after
   *     every retry; the message says what to check and never holds the token
   * @throws InterruptedException if interrupted while waiting
   */
  public TelegramCheckResult check() throws InterruptedException {
    ensureOpen();
    lock.lockInterruptibly();
    try {
      JsonNode me = delivery.getMe();
      String username = me.path("username").asText("");
      String text = "✅ <b>Runaway Guard: test message</b>\n"
          + "Alerts will arrive in this chat" + (username.isEmpty() ? "" : " from @" + Html.escape(username)) + ".\n"
          + "<i>" + Html.escape(ticker.instant().toString()) + "</i>";
      try {
        JsonNode message = delivery.sendMessage(text, false);
        JsonNode title = message == null ? null : message.path("chat").path("title");
        return TelegramCheckResult.delivered(username, delivery.chatId(),
            title != null && title.isTextual() ? title.asText() : null);
      } catch (TelegramException e) {
        if (!e.permanent()) {
          throw e;
        }
        return TelegramCheckResult.refused(username, delivery.chatId(), e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the chat alerts go to. It starts as the configured id and changes when Telegram
   * reports that the group was upgraded to a supergroup.
   *
   * @return the chat id
   */
  public String chatId() {
    return delivery.chatId();
  }

  /** Marks the notifier closed; later sends fail. The HTTP client needs no closing. */
  @Override
  public void close() {
    closed = true;
  }

  /**
   * Returns the Bot API host, never the token nor the chat id: the chat id is read like a credential
   * ({@code TELEGRAM_CHANNEL_ID}) and masked as {@code ***} wherever it is printed ({@link #chatId()}
   * returns it when it is wanted).
   */
  @Override
  public String toString() {
    String host = baseUri.getHost() + (baseUri.getPort() >= 0 ? ":" + baseUri.getPort() : "");
    return "TelegramNotifier[chat=***, host=" + host + "]";
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("TelegramNotifier for chat " + delivery.chatId() + " is closed");
    }
  }

  /**
   * Builds a {@link TelegramNotifier}. {@link #botToken(String)} and {@link #chatId(String)} are
   * required; everything else has a default. Each setting may be given once; {@link #build()}
   * copies the settings, so a builder can build several notifiers.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private Secret token;
    private String tokenHint = "the bot token given to TelegramNotifier.builder()";
    private String chatId;
    private String chatHint = "the chat id given to TelegramNotifier.builder()";
    private URI baseUri;
    private Ticker ticker;
    private Sleeper sleeper;
    private HttpClient httpClient;
    private Duration connectTimeout;
    private Duration requestTimeout;
    private Integer maxAttempts;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private Duration maxRetryAfter;
    private Boolean silentInfo;
    private boolean allowInsecureHttp;
    private ZoneId zone;
    private java.util.function.Function<? super Alert, RateChart> charts;

    private Builder() {}

    /**
     * Attaches a picture to spike and trip alerts: for each {@code USAGE_SPIKE} or
     * {@code CIRCUIT_BREAKER} alert that is not {@code INFO}, {@code source} gives the service's
     * recent burn rate and baseline (or {@code null} for none), drawn as an 800x400 PNG and sent
     * with {@code sendPhoto}, the alert's text as caption. Text longer than a caption's 1024
     * characters follows the picture as messages, split as usual. Rendering needs no display
     * (use {@code -Djava.awt.headless=true} on servers). Default: none, text only.
     *
     * @param source the chart of an alert, or {@code null}; called on the sending thread
     * @return this builder
     */
    public Builder charts(java.util.function.Function<? super Alert, RateChart> source) {
      Objects.requireNonNull(source, "source");
      requireUnset(this.charts == null, "charts", null);
      this.charts = source;
      return this;
    }

    /**
     * Sets the bot token that {@code @BotFather} gave, such as {@code 123456:ABC-DEF...}.
     *
     * @param token the token
     * @return this builder
     * @throws IllegalArgumentException if it is blank or has characters a token cannot have
     *     (the message never quotes it)
     */
    public Builder botToken(String token) {
      Objects.requireNonNull(token, "botToken");
      requireUnset(this.token == null, "botToken", null);
      return botToken(Secret.of("botToken", token.strip()));
    }

    /**
     * Sets the bot token from a secret source; messages about a rejected token name the
     * secret's {@linkplain Secret#name() name}.
     *
     * @param token the token
     * @return this builder
     * @throws IllegalArgumentException if it has characters a token cannot have (the message never quotes it)
     */
    public Builder botToken(Secret token) {
      Objects.requireNonNull(token, "botToken");
      requireUnset(this.token == null, "botToken", null);
      if (!TOKEN.matcher(token.reveal()).matches()) {
        throw new IllegalArgumentException("botToken (" + token.name()
            + ") must contain only letters, digits, ':', '_' and '-', like 123456:ABC-DEF1234ghIkl;"
            + " the value is not shown");
      }
      this.token = token;
      if (!token.name().equals("botToken")) {
        this.tokenHint = token.name();
      }
      return this;
    }

    /**
     * Sets the chat: a user, group or channel id such as {@code -1001234567890}, or
     * {@code @channelname} for a public channel. The bot must be a member (an admin, for a channel).
     *
     * @param chatId the chat
     * @return this builder
     * @throws IllegalArgumentException if it is neither an integer id nor an {@code @name}
     */
    public Builder chatId(String chatId) {
      Objects.requireNonNull(chatId, "chatId");
      requireUnset(this.chatId == null, "chatId", this.chatId);
      String c = chatId.strip();
      if (!NUMERIC_CHAT.matcher(c).matches() && !NAMED_CHAT.matcher(c).matches()) {
        // The chat id is set beside the token: a token (or another credential) pasted here is never quoted.
        String got = BOT_TOKEN_SHAPE.matcher(c).matches()
            ? "a value shaped like a bot token (not shown): the bot token goes in botToken, the chat id here"
            : dev.runaway.config.internal.Redaction.shown(c);
        String message = "chatId must be an integer id such as -1001234567890 or a public @channelname, got " + got;
        throw new IllegalArgumentException(token != null ? token.redact(message) : message);
      }
      this.chatId = c;
      return this;
    }

    /**
     * Sets the chat by its numeric id.
     *
     * @param chatId the chat id
     * @return this builder
     */
    public Builder chatId(long chatId) {
      return chatId(Long.toString(chatId));
    }

    /**
     * Sets the Bot API root, for a proxy or a test server; default {@link #DEFAULT_BASE_URI}.
     *
     * @param baseUri an {@code http} or {@code https} URI without user info, query or fragment
     * @return this builder
     * @throws IllegalArgumentException if it is not such a URI
     */
    public Builder baseUri(URI baseUri) {
      Objects.requireNonNull(baseUri, "baseUri");
      requireUnset(this.baseUri == null, "baseUri", this.baseUri);
      String scheme = baseUri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || baseUri.getHost() == null || baseUri.getRawQuery() != null || baseUri.getRawFragment() != null
          || baseUri.getRawUserInfo() != null) {
        // Not quoted: the URI may carry a credential. User info is refused too: Java's HttpClient
        // never sends it, so a proxy's user:password there would be silently ignored.
        throw new IllegalArgumentException("baseUri must be an http or https URI with a host and no user info, query"
            + " or fragment, like https://api.telegram.org (the value is not shown: it may carry a credential)");
      }
      this.baseUri = baseUri;
      return this;
    }

    /**
     * Allows a plain {@code http} {@link #baseUri} to a host that is not loopback. Default
     * {@code false}: the bot token travels in the URL path, so by the same rule as the providers'
     * API client it goes only over https, or over http to a loopback host (a local proxy, a test
     * server). Set it only on a network you trust.
     *
     * @param allow whether plain http to any host is allowed
     * @return this builder
     */
    public Builder allowInsecureHttp(boolean allow) {
      this.allowInsecureHttp = allow;
      return this;
    }

    /**
     * Sets the time source for pacing; default {@link Ticker#system()}.
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      Objects.requireNonNull(ticker, "ticker");
      requireUnset(this.ticker == null, "ticker", this.ticker);
      this.ticker = ticker;
      return this;
    }

    /**
     * Sets how waits happen; default {@link Sleeper#system()}. A test with a
     * {@link dev.runaway.ManualTicker} passes {@code ticker::advance}.
     *
     * @param sleeper the sleeper
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      Objects.requireNonNull(sleeper, "sleeper");
      requireUnset(this.sleeper == null, "sleeper", this.sleeper);
      this.sleeper = sleeper;
      return this;
    }

    /**
     * Sets the HTTP client; by default the notifier creates one that does not follow redirects.
     *
     * @param httpClient the client
     * @return this builder
     */
    public Builder httpClient(HttpClient httpClient) {
      Objects.requireNonNull(httpClient, "httpClient");
      requireUnset(this.httpClient == null, "httpClient", this.httpClient);
      this.httpClient = httpClient;
      return this;
    }

    /**
     * Sets the connect timeout of the HTTP client the notifier creates; default 10 seconds.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      requireUnset(this.connectTimeout == null, "connectTimeout", this.connectTimeout);
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets how long one request may take; default 30 seconds.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      requireUnset(this.requestTimeout == null, "requestTimeout", this.requestTimeout);
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Sets how many requests one message part may take before {@code send} gives up on 429, 5xx
     * and network errors; default 5.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      requireUnset(this.maxAttempts == null, "maxAttempts", this.maxAttempts);
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new IllegalArgumentException("maxAttempts must be between 1 and 100, got " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the first backoff after a 5xx or network error; it doubles on each retry up to
     * {@link #maxBackoff(Duration)}, and each wait is between half and all of the step. Default 1 second.
     *
     * @param backoff the backoff, positive
     * @return this builder
     */
    public Builder initialBackoff(Duration backoff) {
      requireUnset(this.initialBackoff == null, "initialBackoff", this.initialBackoff);
      this.initialBackoff = positive(backoff, "initialBackoff");
      return this;
    }

    /**
     * Sets the largest backoff step; default 30 seconds.
     *
     * @param backoff the backoff, positive
     * @return this builder
     */
    public Builder maxBackoff(Duration backoff) {
      requireUnset(this.maxBackoff == null, "maxBackoff", this.maxBackoff);
      this.maxBackoff = positive(backoff, "maxBackoff");
      return this;
    }

    /**
     * Sets the longest flood-control wait ({@code retry_after}) that {@code send} sits out; a
     * longer one fails the send with {@link TelegramException#retryAfter()} set, so the caller
     * can retry later. Default 2 minutes.
     *
     * @param max the longest wait, positive
     * @return this builder
     */
    public Builder maxRetryAfter(Duration max) {
      requireUnset(this.maxRetryAfter == null, "maxRetryAfter", this.maxRetryAfter);
      this.maxRetryAfter = positive(max, "maxRetryAfter");
      return this;
    }

    /**
     * Sets whether {@link Severity#INFO} alerts (recoveries, resolutions) arrive without sound;
     * default {@code true}. Warnings and critical alerts always notify.
     *
     * @param silent whether INFO alerts are silent
     * @return this builder
     */
    public Builder silentInfo(boolean silent) {
      requireUnset(this.silentInfo == null, "silentInfo", this.silentInfo);
      this.silentInfo = silent;
      return this;
    }

    /**
     * Sets the time zone in which alert times are shown; default UTC.
     *
     * @param zone the zone
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      Objects.requireNonNull(zone, "zone");
      requireUnset(this.zone == null, "zone", this.zone);
      this.zone = zone;
      return this;
    }

    /** Names where the chat id came from in error messages (package-private: used by the provider). */
    Builder chatHint(String hint) {
      this.chatHint = Objects.requireNonNull(hint, "hint");
      return this;
    }

    /**
     * Builds the notifier.
     *
     * @return the notifier
     * @throws IllegalStateException if the token or chat id is missing, or a connect timeout was
     *     set together with an HTTP client
     */
    public TelegramNotifier build() {
      if (token == null) {
        throw new IllegalStateException("botToken is required: set it with botToken(...) or use"
            + " TelegramNotifier.fromEnvironment() to read " + TOKEN_VARIABLE);
      }
      if (chatId == null) {
        throw new IllegalStateException("chatId is required: set it with chatId(...) or use"
            + " TelegramNotifier.fromEnvironment() to read " + CHAT_VARIABLE);
      }
      if (httpClient != null && connectTimeout != null) {
        throw new IllegalStateException("connectTimeout applies only to the HTTP client the notifier creates;"
            + " set it on the given httpClient instead");
      }
      URI base = baseUri != null ? baseUri : DEFAULT_BASE_URI;
      // One policy with the providers' API client: the token is in the path, so no clear text off loopback.
      HttpSecurity.problem(base, allowInsecureHttp).ifPresent(p -> {
        throw new IllegalArgumentException("baseUri: " + p.replace("\"allow_insecure_http\": true",
            "allowInsecureHttp(true)"));
      });
      Builder copy = new Builder();
      copy.allowInsecureHttp = allowInsecureHttp;
      copy.token = token;
      copy.tokenHint = tokenHint;
      copy.chatId = chatId;
      copy.chatHint = chatHint;
      copy.baseUri = base;
      copy.ticker = ticker != null ? ticker : Ticker.system();
      copy.sleeper = sleeper != null ? sleeper : Sleeper.system();
      copy.httpClient = httpClient;
      copy.connectTimeout = connectTimeout != null ? connectTimeout : Duration.ofSeconds(10);
      copy.requestTimeout = requestTimeout != null ? requestTimeout : Duration.ofSeconds(30);
      copy.maxAttempts = maxAttempts != null ? maxAttempts : 5;
      copy.initialBackoff = initialBackoff != null ? initialBackoff : Duration.ofSeconds(1);
      copy.maxBackoff = maxBackoff != null ? maxBackoff : Duration.ofSeconds(30);
      copy.maxRetryAfter = maxRetryAfter != null ? maxRetryAfter : Duration.ofMinutes(2);
      copy.silentInfo = silentInfo != null ? silentInfo : Boolean.TRUE;
      copy.zone = zone != null ? zone : ZoneId.of("UTC");
      copy.charts = charts;
      if (copy.initialBackoff.compareTo(copy.maxBackoff) > 0) {
        throw new IllegalStateException("initialBackoff (" + copy.initialBackoff + ") must not exceed maxBackoff ("
            + copy.maxBackoff + ")");
      }
      return new TelegramNotifier(copy);
    }

    private static void requireUnset(boolean unset, String field, Object old) {
      if (!unset) {
        throw new IllegalStateException(field + " was already set" + (old == null ? "" : " to " + old));
      }
    }

    private static Duration positive(Duration d, String field) {
      Objects.requireNonNull(d, field);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(field + " must be positive, got " + d);
      }
      return d;
    }
  }
}
