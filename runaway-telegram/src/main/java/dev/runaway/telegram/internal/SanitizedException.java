package dev.runaway.telegram.internal;

import dev.runaway.config.Secret;

/**
 * A stand-in for an exception whose message might quote the request URI, and with it the bot
 * token: it keeps the original's class name, redacted message and stack trace, and a sanitized
 * cause chain, but never references the original.
 *
 * <p>Immutable after construction.
 */
public final class SanitizedException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String originalClass;

  private SanitizedException(String originalClass, String message, Throwable cause) {
    super(message, cause);
    this.originalClass = originalClass;
  }

  /**
   * Returns a sanitized copy of {@code t} and its causes, with every occurrence of the secret
   * replaced by {@code ***}.
   *
   * @param t the exception
   * @param secret the secret to remove
   * @return the copy, or {@code null} if {@code t} is null
   */
  public static SanitizedException of(Throwable t, Secret secret) {
    return of(t, secret, 0);
  }

  private static SanitizedException of(Throwable t, Secret secret, int depth) {
    if (t == null) {
      return null;
    }
    Throwable cause = t.getCause();
    SanitizedException sanitizedCause = depth < 16 && cause != null && cause != t ? of(cause, secret, depth + 1) : null;
    String message = secret.redact(t.getMessage());
    String text = t.getClass().getName() + (message == null ? "" : ": " + message);
    SanitizedException s = new SanitizedException(t.getClass().getName(), text, sanitizedCause);
    s.setStackTrace(t.getStackTrace());
    return s;
  }

  /**
   * Returns the class name of the exception this one stands for.
   *
   * @return the class name
   */
  public String originalClass() {
    return originalClass;
  }

  /** Returns the original's class name and redacted message (the message already starts with the class). */
  @Override
  public String toString() {
    return getMessage();
  }
}
