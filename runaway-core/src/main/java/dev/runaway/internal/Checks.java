package dev.runaway.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks the builders share, so the same rule fails with the same message
 * everywhere: {@code <field> must be <rule>, got <value>}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Checks {

  private Checks() {}

  /**
   * Checks that a duration is present and longer than zero.
   *
   * @param value the duration
   * @param field the name of what is set, e.g. {@code waitInOpenState}
   * @return {@code value}
   * @throws NullPointerException naming the field if {@code value} is null
   * @throws IllegalArgumentException {@code <field> must be positive, got <value>} if it is zero or negative
   */
  public static Duration positive(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, got " + value);
    }
    return value;
  }

  /**
   * Checks that a number is at least a minimum.
   *
   * @param value the number
   * @param min the smallest allowed
   * @param field the name of what is set, e.g. {@code maxQueue}
   * @return {@code value}
   * @throws IllegalArgumentException {@code <field> must be at least <min>, got <value>} if it is smaller
   */
  public static int atLeast(int value, int min, String field) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  /**
   * Checks that a number is at least a minimum.
   *
   * @param value the number
   * @param min the smallest allowed
   * @param field the name of what is set, e.g. {@code maxKeys}
   * @return {@code value}
   * @throws IllegalArgumentException {@code <field> must be at least <min>, got <value>} if it is smaller
   */
  public static long atLeast(long value, long min, String field) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  /**
   * Checks that a string is present and not blank.
   *
   * @param value the string
   * @param field the name of what is set
   * @return {@code value}
   * @throws NullPointerException naming the field if {@code value} is null
   * @throws IllegalArgumentException {@code <field> must not be blank, got '<value>'} if it is blank
   */
  public static String notBlank(String value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank, got '" + value + "'");
    }
    return value;
  }
}
