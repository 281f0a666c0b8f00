package dev.runaway.spring.boot;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code runaway.*} configuration properties. Unknown properties under {@code runaway} are
 * an error that names them, so a misspelled budget is not silently ignored. A property left out
 * keeps the library's default, listed on each setter.
 *
 * <pre>
 * runaway.services.openai.budgets.hourly=10
 * runaway.services.openai.budgets.daily=100
 * runaway.services.openai.per-key-budgets.daily=5
 * runaway.services.openai.spike-multiplier=3
 * runaway.services.openai.breaker-multiplier=5
 * runaway.notifiers.telegram.enabled=true   # token and chat from TELEGRAM_BOT_TOKEN / TELEGRAM_CHANNEL_ID
 * runaway.state-dir=/var/lib/myapp/runaway
 * </pre>
 *
 * <p>Not thread-safe: Spring binds it once at startup.
 */
@ConfigurationProperties(prefix = "runaway", ignoreUnknownFields = false)
public class RunawayProperties {

  private boolean enabled = true;
  private Path stateDir;
  private Map<String, Service> services = new LinkedHashMap<>();
  private final Notifiers notifiers = new Notifiers();
  private final Redis redis = new Redis();
  private final Health health = new Health();
  private final Metrics metrics = new Metrics();
  private final SpringAi springAi = new SpringAi();

  /**
   * Whether the guard is created. Default {@code true}.
   *
   * @return the flag
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether the guard is created.
   *
   * @param enabled the flag
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * The directory of the state file that keeps spend and baselines across restarts. Default:
   * none, spend is kept in memory only.
   *
   * @return the directory or {@code null}
   */
  public Path getStateDir() {
    return stateDir;
  }

  /**
   * Sets the state directory.
   *
   * @param stateDir the directory
   */
  public void setStateDir(Path stateDir) {
    this.stateDir = stateDir;
  }

  /**
   * The guarded services by name, in the order configured.
   *
   * @return the services
   */
  public Map<String, Service> getServices() {
    return services;
  }

  /**
   * Sets the services.
   *
   * @param services the services
   */
  public void setServices(Map<String, Service> services) {
    this.services = services;
  }

  /**
   * Where alerts go.
   *
   * @return the notifier settings
   */
  public Notifiers getNotifiers() {
    return notifiers;
  }

  /**
   * The Redis ledger for fleet-wide budgets.
   *
   * @return the Redis settings
   */
  public Redis getRedis() {
    return redis;
  }

  /**
   * The actuator health indicator.
   *
   * @return the health settings
   */
  public Health getHealth() {
    return health;
  }

  /**
   * The Micrometer binding.
   *
   * @return the metrics settings
   */
  public Metrics getMetrics() {
    return metrics;
  }

  /**
   * The Spring AI advisor ({@code runaway.spring-ai.*}), registered when {@code runaway-spring-ai}
   * and Spring AI's chat client are on the class path.
   *
   * @return the settings
   */
  public SpringAi getSpringAi() {
    return springAi;
  }

  /** One guarded service. */
  public static class Service {

    private Map<String, String> budgets = new LinkedHashMap<>();
    private Map<String, String> perKeyBudgets = new LinkedHashMap<>();
    private String zone = "UTC";
    private Double spikeMultiplier;
    private Double breakerMultiplier;
    private Boolean breakerEnabled;
    private Boolean perKeyDetection;
    private BigDecimal estimate;
    private Long maxKeys;
    private Duration keyIdleExpiry;
    private final Breaker breaker = new Breaker();

    /**
     * Service-wide budgets in dollars by window: {@code hourly} (sliding 1 h), {@code daily}
     * (sliding 24 h), {@code calendar-day} (resets at midnight in {@link #getZone()}), or a
     * duration such as {@code 30m} or {@code PT6H} (sliding). Default: none.
     *
     * <p>Each amount is kept as written (such as {@code 10} or {@code 2.50}) and read when the
     * guard is built, which reports an empty or malformed amount naming its property. (A map of
     * {@code BigDecimal} lost keys with a dot, such as {@code calendar.day}, the form an environment
     * variable {@code ..._BUDGETS_CALENDAR_DAY} gives, without a word.) In an environment variable,
     * {@code calendar-day} is written {@code CALENDAR_DAY} or {@code CALENDARDAY}.
     *
     * @return the budgets
     */
    public Map<String, String> getBudgets() {
      return budgets;
    }

    /**
     * Sets the budgets.
     *
     * @param budgets the budgets, amounts in dollars as written
     */
    public void setBudgets(Map<String, String> budgets) {
      this.budgets = budgets;
    }

    /**
     * Budgets each key (tenant, user) gets on its own, in the same form as {@link #getBudgets()}.
     * Default: none.
     *
     * @return the per-key budgets
     */
    public Map<String, String> getPerKeyBudgets() {
      return perKeyBudgets;
    }

    /**
     * Sets the per-key budgets.
     *
     * @param perKeyBudgets the budgets
     */
    public void setPerKeyBudgets(Map<String, String> perKeyBudgets) {
      this.perKeyBudgets = perKeyBudgets;
    }

    /**
     * The time zone of {@code calendar-day} budgets. Default {@code UTC}.
     *
     * @return the zone id
     */
    public String getZone() {
      return zone;
    }

    /**
     * Sets the zone.
     *
     * @param zone a zone id
     */
    public void setZone(String zone) {
      this.zone = zone;
    }

    /**
     * Alert above this multiple of the baseline. Default: the library's, 3.0.
     *
     * @return the multiplier or {@code null}
     */
    public Double getSpikeMultiplier() {
      return spikeMultiplier;
    }

    /**
     * Sets the spike multiplier.
     *
     * @param spikeMultiplier the multiplier
     */
    public void setSpikeMultiplier(Double spikeMultiplier) {
      this.spikeMultiplier = spikeMultiplier;
    }

    /**
     * Open the breaker above this multiple of the baseline. Default: the library's, 5.0.
     *
     * @return the multiplier or {@code null}
     */
    public Double getBreakerMultiplier() {
      return breakerMultiplier;
    }

    /**
     * Sets the breaker multiplier.
     *
     * @param breakerMultiplier the multiplier
     */
    public void setBreakerMultiplier(Double breakerMultiplier) {
      this.breakerMultiplier = breakerMultiplier;
    }

    /**
     * Whether burn-rate detection may open the breaker. Default: the library's, {@code true}.
     *
     * @return the flag or {@code null}
     */
    public Boolean getBreakerEnabled() {
      return breakerEnabled;
    }

    /**
     * Sets whether detection may open the breaker.
     *
     * @param breakerEnabled the flag
     */
    public void setBreakerEnabled(Boolean breakerEnabled) {
      this.breakerEnabled = breakerEnabled;
    }

    /**
     * Whether each key has its own burn-rate detection. Default: the library's, {@code false}.
     *
     * @return the flag or {@code null}
     */
    public Boolean getPerKeyDetection() {
      return perKeyDetection;
    }

    /**
     * Sets per-key detection.
     *
     * @param perKeyDetection the flag
     */
    public void setPerKeyDetection(Boolean perKeyDetection) {
      this.perKeyDetection = perKeyDetection;
    }

    /**
     * The cost in dollars reserved for a call without an explicit estimate until real costs are
     * seen. Default: the library's, $0.
     *
     * @return the estimate or {@code null}
     */
    public BigDecimal getEstimate() {
      return estimate;
    }

    /**
     * Sets the initial estimate.
     *
     * @param estimate dollars
     */
    public void setEstimate(BigDecimal estimate) {
      this.estimate = estimate;
    }

    /**
     * The most keys whose state is kept. Default: the library's, 100000.
     *
     * @return the cap or {@code null}
     */
    public Long getMaxKeys() {
      return maxKeys;
    }

    /**
     * Sets the key cap.
     *
     * @param maxKeys the cap
     */
    public void setMaxKeys(Long maxKeys) {
      this.maxKeys = maxKeys;
    }

    /**
     * How long an idle key's state is kept. Default: the library's (the longest per-key window).
     *
     * @return the expiry or {@code null}
     */
    public Duration getKeyIdleExpiry() {
      return keyIdleExpiry;
    }

    /**
     * Sets the key expiry.
     *
     * @param keyIdleExpiry the expiry
     */
    public void setKeyIdleExpiry(Duration keyIdleExpiry) {
      this.keyIdleExpiry = keyIdleExpiry;
    }

    /**
     * The circuit breaker's settings.
     *
     * @return the breaker settings
     */
    public Breaker getBreaker() {
      return breaker;
    }
  }

  /** A service's circuit breaker. Every field left out keeps {@code CircuitBreakerConfig}'s default. */
  public static class Breaker {

    private Duration waitInOpenState;
    private Integer permittedCallsInHalfOpenState;
    private Boolean automaticHalfOpen;
    private Integer failureThreshold;

    /**
     * How long the breaker stays open before half-open. Default 60 s.
     *
     * @return the wait or {@code null}
     */
    public Duration getWaitInOpenState() {
      return waitInOpenState;
    }

    /**
     * Sets the wait.
     *
     * @param waitInOpenState the wait
     */
    public void setWaitInOpenState(Duration waitInOpenState) {
      this.waitInOpenState = waitInOpenState;
    }

    /**
     * Trial calls allowed in half-open. Default 3.
     *
     * @return the count or {@code null}
     */
    public Integer getPermittedCallsInHalfOpenState() {
      return permittedCallsInHalfOpenState;
    }

    /**
     * Sets the trial calls.
     *
     * @param permittedCallsInHalfOpenState the count
     */
    public void setPermittedCallsInHalfOpenState(Integer permittedCallsInHalfOpenState) {
      this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
    }

    /**
     * Whether half-open comes by itself after the wait; {@code false} needs a manual reset.
     * Default {@code true}.
     *
     * @return the flag or {@code null}
     */
    public Boolean getAutomaticHalfOpen() {
      return automaticHalfOpen;
    }

    /**
     * Sets automatic half-open.
     *
     * @param automaticHalfOpen the flag
     */
    public void setAutomaticHalfOpen(Boolean automaticHalfOpen) {
      this.automaticHalfOpen = automaticHalfOpen;
    }

    /**
     * Consecutive failures that open the breaker; 0 disables error-based opening. Default 0.
     *
     * @return the count or {@code null}
     */
    public Integer getFailureThreshold() {
      return failureThreshold;
    }

    /**
     * Sets the failure threshold.
     *
     * @param failureThreshold the count
     */
    public void setFailureThreshold(Integer failureThreshold) {
      this.failureThreshold = failureThreshold;
    }
  }

  /** Where alerts go; with none enabled they are logged. */
  public static class Notifiers {

    private final Telegram telegram = new Telegram();

    /**
     * The Telegram notifier (needs {@code runaway-telegram} on the class path).
     *
     * @return the Telegram settings
     */
    public Telegram getTelegram() {
      return telegram;
    }
  }

  /** The Telegram notifier. */
  public static class Telegram {

    private boolean enabled;
    private String botToken;
    private String chatId;
    private String baseUri;

    /**
     * Whether alerts go to Telegram. Default {@code false}.
     *
     * @return the flag
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets the flag.
     *
     * @param enabled the flag
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The bot token. Default: the environment variable {@code TELEGRAM_BOT_TOKEN}. Prefer a
     * placeholder such as {@code ${TELEGRAM_BOT_TOKEN}} to a literal in a file.
     *
     * @return the token or {@code null}
     */
    public String getBotToken() {
      return botToken;
    }

    /**
     * Sets the token.
     *
     * @param botToken the token
     */
    public void setBotToken(String botToken) {
      this.botToken = botToken;
    }

    /**
     * The chat or channel id. Default: the environment variable {@code TELEGRAM_CHANNEL_ID}.
     *
     * @return the chat id or {@code null}
     */
    public String getChatId() {
      return chatId;
    }

    /**
     * Sets the chat id.
     *
     * @param chatId the chat id
     */
    public void setChatId(String chatId) {
      this.chatId = chatId;
    }

    /**
     * The Bot API base URI. Default: the public Bot API.
     *
     * @return the URI or {@code null}
     */
    public String getBaseUri() {
      return baseUri;
    }

    /**
     * Sets the base URI.
     *
     * @param baseUri the URI
     */
    public void setBaseUri(String baseUri) {
      this.baseUri = baseUri;
    }

    @Override
    public String toString() {
      // Never the token.
      return "Telegram[enabled=" + enabled + ", chatId=" + chatId + "]";
    }
  }

  /** The Redis ledger (needs {@code runaway-redis} on the class path). */
  public static class Redis {

    private boolean enabled;
    private String host;
    private Integer port;
    private Integer database;
    private Boolean tls;
    private String password;
    private String keyPrefix;
    private Double leaseFraction;
    private Duration timeout;
    private String failureMode;

    /**
     * Whether budgets live in Redis, shared by every instance. Default {@code false}.
     *
     * @return the flag
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets the flag.
     *
     * @param enabled the flag
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The host. Default {@code 127.0.0.1}.
     *
     * @return the host or {@code null}
     */
    public String getHost() {
      return host;
    }

    /**
     * Sets the host.
     *
     * @param host the host
     */
    public void setHost(String host) {
      this.host = host;
    }

    /**
     * The port. Default 6379.
     *
     * @return the port or {@code null}
     */
    public Integer getPort() {
      return port;
    }

    /**
     * Sets the port.
     *
     * @param port the port
     */
    public void setPort(Integer port) {
      this.port = port;
    }

    /**
     * The database number. Default 0.
     *
     * @return the database or {@code null}
     */
    public Integer getDatabase() {
      return database;
    }

    /**
     * Sets the database.
     *
     * @param database the number
     */
    public void setDatabase(Integer database) {
      this.database = database;
    }

    /**
     * Whether to connect with TLS. Default {@code false}.
     *
     * @return the flag or {@code null}
     */
    public Boolean getTls() {
      return tls;
    }

    /**
     * Sets TLS.
     *
     * @param tls the flag
     */
    public void setTls(Boolean tls) {
      this.tls = tls;
    }

    /**
     * The password. Default: none.
     *
     * @return the password or {@code null}
     */
    public String getPassword() {
      return password;
    }

    /**
     * Sets the password.
     *
     * @param password the password
     */
    public void setPassword(String password) {
      this.password = password;
    }

    /**
     * The prefix of every key. Default {@code runaway}.
     *
     * @return the prefix or {@code null}
     */
    public String getKeyPrefix() {
      return keyPrefix;
    }

    /**
     * Sets the prefix.
     *
     * @param keyPrefix the prefix
     */
    public void setKeyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    /**
     * The share of the smallest limit taken per lease. Default 0.01.
     *
     * @return the fraction or {@code null}
     */
    public Double getLeaseFraction() {
      return leaseFraction;
    }

    /**
     * Sets the lease fraction.
     *
     * @param leaseFraction the fraction
     */
    public void setLeaseFraction(Double leaseFraction) {
      this.leaseFraction = leaseFraction;
    }

    /**
     * The bound on every Redis call. Default 250 ms.
     *
     * @return the timeout or {@code null}
     */
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the timeout.
     *
     * @param timeout the timeout
     */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    /**
     * {@code fail-closed} or {@code fail-open} while Redis is unavailable. Default {@code fail-closed}.
     *
     * @return the mode or {@code null}
     */
    public String getFailureMode() {
      return failureMode;
    }

    /**
     * Sets the failure mode.
     *
     * @param failureMode the mode
     */
    public void setFailureMode(String failureMode) {
      this.failureMode = failureMode;
    }

    @Override
    public String toString() {
      // Never the password.
      return "Redis[enabled=" + enabled + ", host=" + host + ", port=" + port + "]";
    }
  }

  /** The actuator health indicator. */
  public static class Health {

    private boolean downWhenOpen;

    /**
     * Whether an open breaker makes the application DOWN. Default {@code false}: an open
     * breaker is reported in the details (status stays UP), because refusing paid calls is the
     * guard doing its job, not the application failing, and a DOWN would make orchestrators
     * restart or drain it.
     *
     * @return the flag
     */
    public boolean isDownWhenOpen() {
      return downWhenOpen;
    }

    /**
     * Sets the flag.
     *
     * @param downWhenOpen the flag
     */
    public void setDownWhenOpen(boolean downWhenOpen) {
      this.downWhenOpen = downWhenOpen;
    }
  }

  /** The Micrometer binding. */
  public static class Metrics {

    private boolean enabled = true;
    private int keyTags;

    /**
     * Whether guard metrics are bound when Micrometer is present. Default {@code true}.
     *
     * @return the flag
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets the flag.
     *
     * @param enabled the flag
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * How many of the largest spending keys per service become {@code key} tags. Default 0:
     * keys never become tags.
     *
     * @return the count
     */
    public int getKeyTags() {
      return keyTags;
    }

    /**
     * Sets the count.
     *
     * @param keyTags the count, 0 to 1000
     */
    public void setKeyTags(int keyTags) {
      this.keyTags = keyTags;
    }
  }

  /** The Spring AI advisor. */
  public static class SpringAi {

    private boolean enabled = true;
    private String service;

    /**
     * Whether every auto-configured {@code ChatClient} gets the guard's advisor. Default
     * {@code true}.
     *
     * @return the flag
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets the flag.
     *
     * @param enabled the flag
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The guarded service whose budgets and breaker the model calls use. Default: the only
     * configured service; required when there are several.
     *
     * @return the service or {@code null}
     */
    public String getService() {
      return service;
    }

    /**
     * Sets the service.
     *
     * @param service a configured service
     */
    public void setService(String service) {
      this.service = service;
    }
  }
}
