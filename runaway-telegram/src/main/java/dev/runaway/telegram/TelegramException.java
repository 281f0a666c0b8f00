package dev.runaway.telegram;

import java.time.Duration;
import java.util.Optional;

/**
 * Telegram did not accept a message or a setup call: the token or chat was refused (permanent),
 * or retries ran out on flood control, server errors or network errors (transient).
 *
 * <p>The message says what failed and what to check; it never contains the bot token, and
 * neither does any cause (causes that might quote the request URI are replaced by redacted
 * copies).
 *
 * <p>Immutable and thread-safe.
 */
public final class TelegramException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int errorCode;
  private final boolean permanent;
  private final Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param message what failed and what to check; must not contain a secret
   * @param errorCode the Bot API {@code error_code} (usually the HTTP status), or 0 for a network error
   * @param permanent whether retrying the same request cannot succeed
   * @param retryAfter how long Telegram asked to wait, or {@code null}
   * @param cause the cause, already free of secrets, or {@code null}
   */
  public TelegramException(String message, int errorCode, boolean permanent, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
    this.permanent = permanent;
    this.retryAfter = retryAfter;
  }

  /**
   * Returns the Bot API error code, such as 401, 403 or 429, or 0 when no response arrived.
   *
   * @return the error code
   */
  public int errorCode() {
    return errorCode;
  }

  /**
   * Returns whether retrying cannot help until something is fixed (the token, the chat id, the
   * bot's membership of the chat).
   *
   * @return {@code true} for a 4xx error other than 408 and 429 (400, 401, 403, 404, ...): the dispatcher
   *     does not retry those ({@link TelegramNotifier#retryable})
   */
  public boolean permanent() {
    return permanent;
  }

  /**
   * Returns how long Telegram's flood control asked to wait, when that is why delivery stopped.
   *
   * @return the wait, or empty
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
