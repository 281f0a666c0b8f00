package dev.runaway.loop;

import dev.runaway.internal.Checks;
import dev.runaway.internal.Durations;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.runaway.Ticker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Loop signatures: counts identical requests (the same model, messages and tools, reduced to a
 * fingerprint) per key, and trips a circuit breaker with {@link TripReason#REPEATED_REQUEST} when
 * the same request is seen {@code maxRepeats} times within {@code window}. A healthy agent never
 * sends the same conversation twice (each tool round trip appends its result); an agent or retry
 * loop that does is burning money on answers it already has.
 *
 * <p>Defaults, conservative so that legitimate repeats (a user asking the same thing again, a
 * retry after an error) never trip: {@link #DEFAULT_MAX_REPEATS} (8) identical requests per key
 * within {@link #DEFAULT_WINDOW} (10 minutes). Change them with {@link #builder()}. At most
 * {@link Builder#maxTracked(long)} fingerprints (default 10,000) are remembered; older ones are
 * evicted, so memory stays bounded.
 *
 * <p>Used by the Spring AI advisor and the LangChain4j decorators, which see each request.
 * Thread-safe.
 */
public final class RepeatedRequests {

  /** Default number of identical requests within the window that trips the breaker. */
  public static final int DEFAULT_MAX_REPEATS = 8;
  /** Default window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);

  private static final long EMPTY = Long.MIN_VALUE;

  private final int maxRepeats;
  private final long windowNanos;
  private final Ticker ticker;
  private final Cache<String, long[]> seen;

  private RepeatedRequests(Builder b) {
    this.maxRepeats = b.maxRepeats;
    this.windowNanos = b.window.toNanos();
    this.ticker = b.ticker;
    this.seen = Caffeine.newBuilder().maximumSize(b.maxTracked).build();
  }

  /**
   * Returns a detector with the defaults.
   *
   * @param ticker the clock (the guard's, {@code guard.ticker()})
   * @return the detector
   */
  public static RepeatedRequests withDefaults(Ticker ticker) {
    return builder().ticker(ticker).build();
  }

  /**
   * Returns a builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Fingerprints a request from its parts (model, each message, each tool), order-sensitive:
   * SHA-256 of the parts with their lengths, hex of the first 16 bytes. Only the hash is kept.
   *
   * @param parts the request's parts
   * @return the fingerprint
   */
  public static String fingerprint(Iterable<String> parts) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    for (String p : parts) {
      byte[] bytes = (p == null ? "\u0000" : p).getBytes(StandardCharsets.UTF_8);
      md.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
      md.update(bytes);
    }
    byte[] d = md.digest();
    return HexFormat.of().formatHex(d, 0, 16);
  }

  /**
   * Records one request and trips {@code breaker} when it is the {@code maxRepeats}-th identical
   * request of this key within the window. Call it only for a request the guard admitted (after its
   * reservation succeeded): an attempt the guard refused was never sent, and counting it would trip
   * the breaker for a user retrying after a budget refusal. When this returns {@code true}, release
   * the reservation and refuse the request: the breaker is open.
   *
   * @param breaker the breaker to trip (the service's)
   * @param key the key (tenant, user), or {@code null}
   * @param fingerprint the request's fingerprint
   * @return true if this request tripped the breaker
   */
  public boolean observe(CircuitBreaker breaker, String key, String fingerprint) {
    Objects.requireNonNull(breaker, "breaker");
    Objects.requireNonNull(fingerprint, "fingerprint");
    if (maxRepeats <= 0) {
      return false;
    }
    long now = ticker.nanoTime();
    String id = (key == null ? "" : key) + '\u0000' + fingerprint;
    // A ring of the last maxRepeats arrival times; slot 0 holds the write position.
    long[] ring = seen.get(id, k -> emptyRing(maxRepeats));
    int count;
    synchronized (ring) {
      int pos = (int) ring[0];
      ring[1 + pos] = now;
      ring[0] = (pos + 1) % maxRepeats;
      count = 0;
      for (int i = 1; i <= maxRepeats; i++) {
        if (ring[i] != EMPTY && now - ring[i] < windowNanos) {
          count++;
        }
      }
      if (count >= maxRepeats) {
        // Start over: the trip is one episode, the next one needs maxRepeats new repeats.
        java.util.Arrays.fill(ring, EMPTY);
        ring[0] = 0;
      }
    }
    if (count >= maxRepeats) {
      return breaker.trip(TripReason.REPEATED_REQUEST, "the same request (fingerprint " + fingerprint + ")"
          + (key == null ? "" : " of key '" + key + "'") + " was sent " + count + " times within "
          + Durations.human(windowNanos) + ": a loop repeating itself");
    }
    return false;
  }

  private static long[] emptyRing(int n) {
    long[] ring = new long[n + 1];
    java.util.Arrays.fill(ring, EMPTY);
    ring[0] = 0;
    return ring;
  }

  /**
   * Returns how many identical requests within the window trip the breaker.
   *
   * @return the threshold; 0 when disabled
   */
  public int maxRepeats() {
    return maxRepeats;
  }

  /**
   * Returns the window.
   *
   * @return the window
   */
  public Duration window() {
    return Duration.ofNanos(windowNanos);
  }

  /** Builds a {@link RepeatedRequests}. */
  public static final class Builder {
    private int maxRepeats = DEFAULT_MAX_REPEATS;
    private Duration window = DEFAULT_WINDOW;
    private long maxTracked = 10_000;
    private Ticker ticker = Ticker.system();

    private Builder() {}

    /**
     * Sets how many identical requests within the window trip the breaker (default 8); 0 disables.
     *
     * @param maxRepeats 0, or 2 to 1000
     * @return this builder
     */
    public Builder maxRepeats(int maxRepeats) {
      if (maxRepeats != 0 && (maxRepeats < 2 || maxRepeats > 1000)) {
        throw new IllegalArgumentException("maxRepeats must be 0 (off) or from 2 to 1000, got " + maxRepeats);
      }
      this.maxRepeats = maxRepeats;
      return this;
    }

    /**
     * Sets the window (default 10 minutes).
     *
     * @param window positive
     * @return this builder
     */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      Checks.positive(window, "window");
      this.window = window;
      return this;
    }

    /**
     * Sets how many fingerprints are remembered at most (default 10,000).
     *
     * @param maxTracked positive
     * @return this builder
     */
    public Builder maxTracked(long maxTracked) {
      if (maxTracked <= 0) {
        throw new IllegalArgumentException("maxTracked must be positive, got " + maxTracked);
      }
      this.maxTracked = maxTracked;
      return this;
    }

    /**
     * Sets the clock (default {@link Ticker#system()}; pass the guard's).
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the detector.
     *
     * @return the detector
     */
    public RepeatedRequests build() {
      return new RepeatedRequests(this);
    }
  }
}
