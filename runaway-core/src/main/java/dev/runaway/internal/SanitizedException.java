package dev.runaway.internal;

import dev.runaway.config.Secret;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Stands in for an exception whose message may quote a secret (a request URI with a bot token,
 * a header): it keeps the original's class name, its message with every secret redacted in each
 * of its encoded forms ({@link Secret#redactAll}), its stack trace and a sanitized cause chain,
 * and never references the original. The one exception redactor of the HTTP clients.
 *
 * <p>{@link #getMessage()} is the redacted message alone; {@link #toString()} is
 * {@code originalClass: message}, so a stack trace reads like the original's. The cause chain is
 * copied to at most {@value #MAX_DEPTH} levels.
 *
 * <p>Immutable after construction.
 */
public final class SanitizedException extends Exception {

  private static final long serialVersionUID = 1L;
  /** How many causes deep the chain is copied. */
  public static final int MAX_DEPTH = 16;

  private final String originalClass;

  private SanitizedException(String originalClass, String message, Throwable cause) {
    super(message, cause, false, true);
    this.originalClass = originalClass;
  }

  /**
   * Returns a sanitized copy of {@code t} and its causes with one secret redacted.
   *
   * @param t the exception, may be {@code null}
   * @param secret the secret to remove
   * @return the copy, or {@code null} if {@code t} is null
   */
  public static SanitizedException of(Throwable t, Secret secret) {
    return of(t, List.of(Objects.requireNonNull(secret, "secret")));
  }

  /**
   * Returns a sanitized copy of {@code t} and its causes with every one of {@code secrets} redacted.
   *
   * @param t the exception, may be {@code null}
   * @param secrets the secrets to remove (may be empty: the copy then only drops the original)
   * @return the copy, or {@code null} if {@code t} is null
   */
  public static SanitizedException of(Throwable t, Collection<Secret> secrets) {
    Objects.requireNonNull(secrets, "secrets");
    return of(t, secrets, 0);
  }

  private static SanitizedException of(Throwable t, Collection<Secret> secrets, int depth) {
    if (t == null || depth > MAX_DEPTH) {
      return null;
    }
    Throwable cause = t.getCause();
    // A copy of a copy still names the original class.
    String original = t instanceof SanitizedException ? ((SanitizedException) t).originalClass : t.getClass().getName();
    SanitizedException copy = new SanitizedException(original, redact(t.getMessage(), secrets),
        cause == t ? null : of(cause, secrets, depth + 1));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  private static String redact(String text, Collection<Secret> secrets) {
    return text == null || secrets.isEmpty() ? text : Secret.redactAll(text, secrets);
  }

  /**
   * Returns the class name of the exception this one stands for.
   *
   * @return the class name
   */
  public String originalClass() {
    return originalClass;
  }

  /** Returns the original's class name and redacted message, as the original's would read. */
  @Override
  public String toString() {
    String m = getMessage();
    return m == null ? originalClass : originalClass + ": " + m;
  }
}
