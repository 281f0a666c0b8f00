package dev.runaway;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * An immutable amount of money in US dollars, held exactly as a {@code long} of nano-dollars
 * (10<sup>-9</sup> USD).
 *
 * <p>The range is about &plusmn;9.2 billion dollars. Arithmetic that would overflow throws
 * {@link ArithmeticException} rather than wrapping around: a ledger must never turn a huge spend
 * into a negative one.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Cost implements Comparable<Cost> {

  /** Nano-dollars in one dollar. */
  public static final long NANOS_PER_USD = 1_000_000_000L;

  /** Zero dollars. */
  public static final Cost ZERO = new Cost(0);

  private static final BigDecimal NANOS = BigDecimal.valueOf(NANOS_PER_USD);

  private final long nanos;

  private Cost(long nanos) {
    this.nanos = nanos;
  }

  /**
   * Returns the cost of {@code nanos} nano-dollars.
   *
   * @param nanos the amount in nano-dollars
   * @return the cost
   */
  public static Cost ofNanos(long nanos) {
    return nanos == 0 ? ZERO : new Cost(nanos);
  }

  /**
   * Parses a decimal dollar amount such as {@code "10"}, {@code "0.002"} or {@code "1e-6"}.
   *
   * @param usd the amount in dollars
   * @return the cost
   * @throws IllegalArgumentException if {@code usd} is not a number, has more than nine
   *     fractional digits, or is out of range
   */
  public static Cost usd(String usd) {
    Objects.requireNonNull(usd, "usd");
    BigDecimal value;
    try {
      value = new BigDecimal(usd.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("usd must be a decimal number of dollars, got '" + shown(usd) + "'", e);
    }
    return of(checkMagnitude(value, usd.trim()));
  }

  /**
   * Refuses, before any arithmetic, an amount whose exponent makes it absurd: scaling
   * {@code 1e-500000000} to nano-dollars would compute a 500-million-digit power of ten (minutes
   * of CPU), and printing {@code 1e10000000} in full would build a 10 MB message.
   */
  private static BigDecimal checkMagnitude(BigDecimal usd, String text) {
    if (usd.signum() == 0) {
      return BigDecimal.ZERO;
    }
    long exponent = (long) usd.precision() - usd.scale() - 1; // 10^exponent <= |usd| < 10^(exponent + 1)
    if (exponent > 10) {
      throw new IllegalArgumentException("usd must lie within +-9.2e9 dollars, got " + shown(text));
    }
    if (exponent < -10) {
      throw new IllegalArgumentException("usd must have at most 9 decimal places (whole nano-dollars), got "
          + shown(text));
    }
    return usd;
  }

  /** The start of a number's text, for a message whose size must not depend on the input's. */
  private static String shown(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "... (" + text.length() + " characters)";
  }

  /**
   * Converts a dollar amount given as a {@code double}, rounded half-up to the nearest
   * nano-dollar. Prefer {@link #usd(String)} for amounts written in code or config.
   *
   * @param usd the amount in dollars; must be finite
   * @return the cost
   * @throws IllegalArgumentException if {@code usd} is NaN, infinite or out of range
   */
  public static Cost usd(double usd) {
    if (!Double.isFinite(usd)) {
      throw new IllegalArgumentException("usd must be a finite number, got " + usd);
    }
    return of(BigDecimal.valueOf(usd).setScale(9, RoundingMode.HALF_UP));
  }

  /**
   * Converts an exact dollar amount.
   *
   * @param usd the amount in dollars
   * @return the cost
   * @throws IllegalArgumentException if the amount has more than nine fractional digits that
   *     are not zero, or is out of range
   */
  public static Cost of(BigDecimal usd) {
    Objects.requireNonNull(usd, "usd");
    usd = checkMagnitude(usd, usd.toString());
    try {
      return ofNanos(usd.multiply(NANOS).setScale(0, RoundingMode.UNNECESSARY).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "usd must have at most 9 decimal places and lie within +-9.2e9 dollars, got "
              + shown(usd.toPlainString()), e);
    }
  }

  /**
   * Returns the amount in nano-dollars.
   *
   * @return nano-dollars
   */
  public long nanos() {
    return nanos;
  }

  /**
   * Returns the exact amount in dollars.
   *
   * @return dollars, with scale 9 or less
   */
  public BigDecimal toBigDecimal() {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
  }

  /**
   * Returns the amount in dollars as a {@code double}, for display and statistics only.
   *
   * @return approximate dollars
   */
  public double toDouble() {
    return nanos / (double) NANOS_PER_USD;
  }

  /**
   * Returns {@code this + other}.
   *
   * @param other the amount to add
   * @return the sum
   * @throws ArithmeticException on overflow
   */
  public Cost plus(Cost other) {
    return ofNanos(Math.addExact(nanos, other.nanos));
  }

  /**
   * Returns {@code this - other}.
   *
   * @param other the amount to subtract
   * @return the difference
   * @throws ArithmeticException on overflow
   */
  public Cost minus(Cost other) {
    return ofNanos(Math.subtractExact(nanos, other.nanos));
  }

  /**
   * Returns {@code this * factor}.
   *
   * @param factor a whole multiplier, such as a number of calls or tokens
   * @return the product
   * @throws ArithmeticException on overflow
   */
  public Cost times(long factor) {
    return ofNanos(Math.multiplyExact(nanos, factor));
  }

  /**
   * Returns {@code this * factor}, rounded half-up to the nearest nano-dollar.
   *
   * @param factor a finite multiplier
   * @return the product
   * @throws IllegalArgumentException if {@code factor} is not finite or the result is out of range
   */
  public Cost times(double factor) {
    if (!Double.isFinite(factor)) {
      throw new IllegalArgumentException("factor must be finite, got " + factor);
    }
    double product = nanos * factor;
    if (Math.abs(product) >= 0x1p63) {
      throw new IllegalArgumentException("cost " + this + " x " + factor + " is out of range");
    }
    return ofNanos(Math.round(product));
  }

  /**
   * Whether the amount is below zero.
   *
   * @return {@code true} for a negative amount
   */
  public boolean isNegative() {
    return nanos < 0;
  }

  /**
   * Whether the amount is exactly zero.
   *
   * @return {@code true} for zero
   */
  public boolean isZero() {
    return nanos == 0;
  }

  @Override
  public int compareTo(Cost other) {
    return Long.compare(nanos, other.nanos);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cost && ((Cost) o).nanos == nanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(nanos);
  }

  /**
   * Formats the amount as dollars: {@code $10.00}, {@code $0.0025}, {@code -$1.50}. Whole cents
   * show two decimals; smaller amounts show as many digits as needed, up to nine.
   */
  @Override
  public String toString() {
    return format(nanos);
  }

  /**
   * Formats a nano-dollar amount the way {@link #toString()} does, without allocating a
   * {@code Cost}.
   *
   * @param nanos nano-dollars
   * @return the formatted amount
   */
  public static String format(long nanos) {
    BigDecimal value = BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
    if (value.scale() < 2) {
      value = value.setScale(2, RoundingMode.UNNECESSARY);
    }
    String plain = value.abs().toPlainString();
    return (nanos < 0 ? "-$" : "$") + plain;
  }
}
