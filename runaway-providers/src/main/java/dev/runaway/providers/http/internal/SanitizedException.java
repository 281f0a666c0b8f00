package dev.runaway.providers.http.internal;

/**
 * Stands in for an exception whose message may have held a secret: it keeps the original class
 * name, the redacted message and the stack trace.
 */
public final class SanitizedException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String originalClass;

  SanitizedException(String originalClass, String message, Throwable cause) {
    super(message, cause, false, true);
    this.originalClass = originalClass;
  }

  /**
   * Returns the class name of the exception this one replaces.
   *
   * @return the class name
   */
  public String originalClass() {
    return originalClass;
  }

  @Override
  public String toString() {
    String m = getMessage();
    return m == null ? originalClass : originalClass + ": " + m;
  }
}
