package dev.runaway.config;

import java.util.Objects;

/**
 * A credential (API key, bot token) whose {@link #toString()} never reveals it.
 *
 * <p>Call {@link #reveal()} only at the point of use, such as building an HTTP header, and never
 * pass the result to a logger, an exception or an alert.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Secret {

  private final String name;
  private final String value;

  private Secret(String name, String value) {
    this.name = name;
    this.value = value;
  }

  /**
   * Wraps a secret value.
   *
   * @param name where it came from, such as the environment variable's name; safe to print
   * @param value the secret; must not be blank
   * @return the secret
   * @throws IllegalArgumentException if the value is blank (the message names {@code name}, never the value)
   */
  public static Secret of(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("secret " + name + " is blank");
    }
    return new Secret(name, value);
  }

  /**
   * Returns the name the secret was found under, which is safe to print.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the secret value itself.
   *
   * @return the value
   */
  public String reveal() {
    return value;
  }

  /**
   * Replaces every occurrence of this secret in {@code text} with {@code ***}, for messages that
   * quote a server's response or a URL.
   *
   * @param text any text, may be {@code null}
   * @return the text without the secret
   */
  public String redact(String text) {
    return text == null ? null : text.replace(value, "***");
  }

  /** Returns the name and {@code ***}, never the value. */
  @Override
  public String toString() {
    return name + "=***";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret && ((Secret) o).name.equals(name) && ((Secret) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + value.hashCode();
  }
}
