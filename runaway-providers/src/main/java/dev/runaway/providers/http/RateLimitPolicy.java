package dev.runaway.providers.http;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a service signals back-pressure in its response headers, and how to read the wait it asks
 * for: {@code Retry-After} (seconds or an HTTP date), then a reset header whose meaning differs
 * by service ({@link ResetFormat}), plus a "remaining" header that says the quota is used up.
 *
 * <p>Defaults: {@code Retry-After}, {@code X-RateLimit-Reset} in epoch seconds (GitHub and
 * most others), {@code X-RateLimit-Remaining}. Supabase sends its reset as seconds remaining:
 * {@code RateLimitPolicy.builder().resetFormat(ResetFormat.SECONDS_REMAINING).build()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class RateLimitPolicy {

  /** What the number in a reset header means. */
  public enum ResetFormat {
    /** Unix time in seconds when the quota resets (GitHub, most APIs). */
    EPOCH_SECONDS,
    /** Unix time in milliseconds when the quota resets. */
    EPOCH_MILLIS,
    /** Seconds left until the quota resets (Supabase). */
    SECONDS_REMAINING,
    /** An HTTP date (RFC 1123) when the quota resets. */
    HTTP_DATE
  }

  private static final RateLimitPolicy STANDARD = builder().build();

  private final String retryAfterHeader;
  private final String resetHeader;
  private final String remainingHeader;
  private final ResetFormat resetFormat;

  private RateLimitPolicy(Builder b) {
    this.retryAfterHeader = b.retryAfterHeader;
    this.resetHeader = b.resetHeader;
    this.remainingHeader = b.remainingHeader;
    this.resetFormat = b.resetFormat;
  }

  /**
   * Returns the default policy: {@code Retry-After}, {@code X-RateLimit-Reset} in epoch seconds,
   * {@code X-RateLimit-Remaining}.
   *
   * @return the default policy
   */
  public static RateLimitPolicy standard() {
    return STANDARD;
  }

  /**
   * Returns a builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the header holding the wait a service asks for, such as {@code Retry-After}.
   *
   * @return the header name, or {@code null} if none is read
   */
  public String retryAfterHeader() {
    return retryAfterHeader;
  }

  /**
   * Returns the header holding when the quota resets.
   *
   * @return the header name, or {@code null} if none is read
   */
  public String resetHeader() {
    return resetHeader;
  }

  /**
   * Returns the header holding how many requests are left.
   *
   * @return the header name, or {@code null} if none is read
   */
  public String remainingHeader() {
    return remainingHeader;
  }

  /**
   * Returns how the reset header is read.
   *
   * @return the format
   */
  public ResetFormat resetFormat() {
    return resetFormat;
  }

  /**
   * Whether the response says the quota is used up ({@code remaining} header is {@code 0}).
   *
   * @param headers the response headers
   * @return {@code true} if no request is left
   */
  public boolean exhausted(HttpHeaders headers) {
    if (remainingHeader == null) {
      return false;
    }
    return headers.firstValue(remainingHeader).map(String::trim).map("0"::equals).orElse(false);
  }

  /**
   * Whether the response carries the header with the wait the service asks for.
   *
   * @param headers the response headers
   * @return {@code true} if a retry-after header is present
   */
  public boolean hasRetryAfter(HttpHeaders headers) {
    return retryAfterHeader != null && headers.firstValue(retryAfterHeader).isPresent();
  }

  /**
   * Reads the wait a response asks for: the retry-after header first, then the reset header.
   * Values in the past count as zero; unreadable values are ignored.
   *
   * @param headers the response headers
   * @param now the current wall-clock time, for dates and epochs
   * @return the wait, if the response gave one
   */
  public Optional<Duration> waitFrom(HttpHeaders headers, Instant now) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(now, "now");
    if (retryAfterHeader != null) {
      Optional<String> v = headers.firstValue(retryAfterHeader);
      if (v.isPresent()) {
        Optional<Duration> d = parseRetryAfter(v.get(), now);
        if (d.isPresent()) {
          return d;
        }
      }
    }
    if (resetHeader != null) {
      Optional<String> v = headers.firstValue(resetHeader);
      if (v.isPresent()) {
        return parseReset(v.get(), resetFormat, now);
      }
    }
    return Optional.empty();
  }

  /**
   * Reads a {@code Retry-After} value: whole or fractional seconds, or an HTTP date.
   *
   * @param value the header value
   * @param now the current time
   * @return the wait, or empty if unreadable
   */
  public static Optional<Duration> parseRetryAfter(String value, Instant now) {
    String v = value.trim();
    Optional<Duration> seconds = parseSeconds(v);
    if (seconds.isPresent()) {
      return seconds;
    }
    return parseHttpDate(v, now);
  }

  /**
   * Reads a reset header value in a given format.
   *
   * @param value the header value
   * @param format what the number means
   * @param now the current time
   * @return the wait until the reset, or empty if unreadable
   */
  public static Optional<Duration> parseReset(String value, ResetFormat format, Instant now) {
    String v = value.trim();
    try {
      switch (format) {
        case SECONDS_REMAINING:
          return parseSeconds(v);
        case EPOCH_SECONDS:
          return Optional.of(nonNegative(Duration.between(now, Instant.ofEpochSecond(Long.parseLong(v)))));
        case EPOCH_MILLIS:
          return Optional.of(nonNegative(Duration.between(now, Instant.ofEpochMilli(Long.parseLong(v)))));
        case HTTP_DATE:
          return parseHttpDate(v, now);
        default:
          throw new AssertionError(format);
      }
    } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Duration> parseSeconds(String v) {
    if (!v.matches("\\d{1,12}(\\.\\d{1,9})?")) {
      return Optional.empty();
    }
    java.math.BigDecimal s = new java.math.BigDecimal(v);
    return Optional.of(Duration.ofNanos(s.movePointRight(9).longValue()));
  }

  private static Optional<Duration> parseHttpDate(String v, Instant now) {
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)).toInstant();
      return Optional.of(nonNegative(Duration.between(now, at)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  @Override
  public String toString() {
    return "RateLimitPolicy[retryAfter=" + retryAfterHeader + ", reset=" + resetHeader + " (" + resetFormat
        + "), remaining=" + remainingHeader + "]";
  }

  /** Builds a {@link RateLimitPolicy}; reusable, not thread-safe. */
  public static final class Builder {
    private String retryAfterHeader = "Retry-After";
    private String resetHeader = "X-RateLimit-Reset";
    private String remainingHeader = "X-RateLimit-Remaining";
    private ResetFormat resetFormat = ResetFormat.EPOCH_SECONDS;

    private Builder() {}

    /**
     * Sets the header holding the wait in seconds or as an HTTP date.
     *
     * @param header the header name, or {@code null} to ignore it
     * @return this builder
     */
    public Builder retryAfterHeader(String header) {
      this.retryAfterHeader = header;
      return this;
    }

    /**
     * Sets the header holding when the quota resets.
     *
     * @param header the header name, or {@code null} to ignore it
     * @return this builder
     */
    public Builder resetHeader(String header) {
      this.resetHeader = header;
      return this;
    }

    /**
     * Sets the header holding how many requests are left.
     *
     * @param header the header name, or {@code null} to ignore it
     * @return this builder
     */
    public Builder remainingHeader(String header) {
      this.remainingHeader = header;
      return this;
    }

    /**
     * Sets how the reset header is read.
     *
     * @param format the format
     * @return this builder
     */
    public Builder resetFormat(ResetFormat format) {
      this.resetFormat = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public RateLimitPolicy build() {
      return new RateLimitPolicy(this);
    }
  }
}
