package dev.runaway.monitor;

import java.time.Duration;
import java.util.Optional;

/**
 * A poll that failed in a way the monitor should understand: rate limited (with the wait the
 * service asked for), unauthorised (with the credential to fix), or unavailable.
 *
 * <p>Messages never contain a secret: they name the environment variable instead.
 */
public class PollException extends Exception {

  private static final long serialVersionUID = 1L;

  /** What kind of failure this is. */
  public enum Kind {
    /** The service asked us to slow down (HTTP 429, or 403 with a rate-limit header). */
    RATE_LIMITED,
    /** The credential was refused (HTTP 401/403): a person must fix it. */
    UNAUTHORIZED,
    /** The service failed or did not answer in time (5xx, timeout, connection refused). */
    UNAVAILABLE,
    /** The service answered with something we cannot read (malformed or unexpected body). */
    BAD_RESPONSE,
    /** The request cannot succeed as configured (4xx other than the above, a retired endpoint). */
    MISCONFIGURED
  }

  private final Kind kind;
  private final transient Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param kind what kind of failure
   * @param message what happened and what to do; no secrets
   * @param retryAfter how long the service asked us to wait, or {@code null}
   * @param cause the underlying exception, or {@code null}
   */
  public PollException(Kind kind, String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  /**
   * Returns what kind of failure this is.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns how long the service asked us to wait before the next request.
   *
   * @return the wait, if the service gave one
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
