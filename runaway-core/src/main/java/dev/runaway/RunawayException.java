package dev.runaway;

import java.time.Duration;
import java.util.Optional;

/**
 * The root of the exceptions with which a guard refuses a call: a budget would be exceeded, or
 * the service's circuit breaker is open. The refused call was never started.
 *
 * <p>These exceptions are thrown on the hot path, so they do not fill in a stack trace; the
 * message says what was exceeded and when calls may resume.
 */
public class RunawayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String service;
  private final String key;
  private final Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param message what happened, for people
   * @param service the service the call was for
   * @param key the key the call was for, or {@code null}
   * @param retryAfter how long until calls may resume, or {@code null} if unknown
   */
  public RunawayException(String message, String service, String key, Duration retryAfter) {
    super(message, null, false, false);
    this.service = service;
    this.key = key;
    this.retryAfter = retryAfter;
  }

  /**
   * Returns the service the refused call was for.
   *
   * @return the service name
   */
  public String service() {
    return service;
  }

  /**
   * Returns the key the refused call was for, or {@code null} when the call had none.
   *
   * @return the key or {@code null}
   */
  public String key() {
    return key;
  }

  /**
   * Returns how long until a call like this one may be admitted again, if known.
   *
   * @return the wait, or empty if unknown (for example a breaker that needs a manual reset)
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
