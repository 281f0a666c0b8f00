package dev.runaway.providers.http;

import dev.runaway.Ticker;
import dev.runaway.config.ServiceSettings;
import dev.runaway.config.SettingsReader;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.internal.ContextTicker;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The skeleton of a detector that polls an HTTP API through an {@link ApiClient}: it owns the
 * service's name, its validated settings, the client (built from the settings' {@code base_url},
 * timeouts, {@code allow_insecure_http}, {@code max_pages} and {@code max_body_bytes}), the
 * per-poll ticker, the closed check and {@link #close()}. A detector extends it and implements
 * only its reading, {@link #read(PollContext)}:
 *
 * <pre>{@code
 * final class FarmDetector extends HttpDetector {
 *   FarmDetector(ServiceSettings settings, Secret token) {
 *     super(settings, Set.of("price_per_gpu_hour"));          // the common keys are added
 *     connect(clientBuilder("https://farm.example.com").product("the farm").bearer(token));
 *   }
 *
 *   protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
 *     JsonNode usage = client().getJson(ApiRequest.get("/v1/usage").withQuery("from", ...));
 *     return new UsageReport(service(), ctx.since(), ctx.now(), cost, units, items);
 *   }
 * }
 * }</pre>
 *
 * <p>Every built-in provider's detector extends it, and so does the custom-detector example.
 *
 * <p>Thread-safety: the monitor never runs two polls of one detector at once; {@link #close()}
 * may be called from another thread and makes later polls fail.
 */
public abstract class HttpDetector implements Detector {

  /**
   * The keys every HTTP detector accepts: {@code type}, {@code base_url},
   * {@code allow_insecure_http}, {@code timeout_seconds}, {@code connect_timeout_seconds},
   * {@code max_pages} and {@code max_body_bytes} (see {@link ApiClient.Builder#settings}).
   */
  public static final Set<String> COMMON_KEYS = Set.of("type", "base_url", "allow_insecure_http", "timeout_seconds",
      "connect_timeout_seconds", "max_pages", "max_body_bytes");

  private final ServiceSettings serviceSettings;
  private final SettingsReader settings;
  private final ContextTicker ticker = new ContextTicker();
  private volatile ApiClient client;

  /**
   * Creates the skeleton and rejects any key other than {@link #COMMON_KEYS} and {@code ownKeys},
   * with a did-you-mean and the file's line.
   *
   * @param settings the service's settings
   * @param ownKeys the detector's own keys
   * @throws dev.runaway.config.ConfigException naming every unknown key
   *     ({@link dev.runaway.config.ConfigException#problems()})
   */
  protected HttpDetector(ServiceSettings settings, Set<String> ownKeys) {
    this.serviceSettings = Objects.requireNonNull(settings, "settings");
    Set<String> allowed = new HashSet<>(COMMON_KEYS);
    allowed.addAll(ownKeys);
    this.settings = settings.reader().allowOnly(allowed);
  }

  /**
   * Creates the skeleton for a detector whose keys are validated elsewhere (its settings have a
   * shape of their own, read before the detector is created).
   *
   * @param settings the service's settings
   */
  protected HttpDetector(ServiceSettings settings) {
    this.serviceSettings = Objects.requireNonNull(settings, "settings");
    this.settings = settings.reader();
  }

  /**
   * Returns a client builder set up from the settings ({@code base_url} or {@code defaultBaseUrl},
   * timeouts, insecure http, page and body caps) and ticking with each poll's ticker; the detector
   * adds its product name, credentials and checks, then passes it to {@link #connect}.
   *
   * @param defaultBaseUrl the service's public API root
   * @return the builder
   * @throws dev.runaway.config.ConfigException if a common setting is invalid
   */
  protected final ApiClient.Builder clientBuilder(String defaultBaseUrl) {
    return ApiClient.builder().settings(serviceSettings, defaultBaseUrl).ticker(ticker);
  }

  /**
   * Builds the detector's client; called once, at the end of the detector's constructor.
   *
   * @param builder from {@link #clientBuilder}, or one set up by hand with {@link #ticker()}
   * @throws IllegalStateException if called twice
   * @throws dev.runaway.config.ConfigException if the client refuses its base URL
   */
  protected final void connect(ApiClient.Builder builder) {
    if (client != null) {
      throw new IllegalStateException(service() + ": the client is already connected");
    }
    client = builder.build();
  }

  /**
   * Returns the client.
   *
   * @return the client
   * @throws IllegalStateException if {@link #connect} was not called
   */
  protected final ApiClient client() {
    ApiClient c = client;
    if (c == null) {
      throw new IllegalStateException(service() + ": connect(...) was not called in the constructor");
    }
    return c;
  }

  /**
   * Returns the ticker of the poll in progress (the monitor's); give it to anything that reads time.
   *
   * @return the ticker
   */
  protected final Ticker ticker() {
    return ticker;
  }

  /**
   * Returns the validated settings.
   *
   * @return the reader of {@code services.<name>}
   */
  protected final SettingsReader settings() {
    return settings;
  }

  /**
   * Returns the service's settings as given to the provider.
   *
   * @return the settings
   */
  protected final ServiceSettings serviceSettings() {
    return serviceSettings;
  }

  /** Returns the service's name, the key under {@code services}. */
  @Override
  public final String service() {
    return serviceSettings.name();
  }

  /**
   * Fails if the detector is closed, makes the context's ticker the one the client reads, then
   * {@linkplain #read reads}.
   *
   * @throws IllegalStateException if the detector is closed
   */
  @Override
  public final UsageReport poll(PollContext ctx) throws PollException, InterruptedException {
    if (client().isClosed()) {
      throw new IllegalStateException(service() + ": the detector is closed");
    }
    ticker.use(ctx.ticker());
    return read(ctx);
  }

  /**
   * Reads the usage from {@code ctx.since()} to {@code ctx.now()}; never called concurrently with
   * itself, never after {@link #close()}.
   *
   * @param ctx the poll's span and ticker
   * @return the usage
   * @throws PollException a failure the monitor understands (rate limited, unauthorised, ...)
   * @throws InterruptedException if the monitor is closing
   */
  protected abstract UsageReport read(PollContext ctx) throws PollException, InterruptedException;

  /** Closes the client, which makes later polls fail; idempotent. */
  @Override
  public final void close() {
    ApiClient c = client;
    if (c != null) {
      c.close();
    }
  }

  /** Returns the detector's class and service; never a setting's value. */
  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + service() + "]";
  }
}
