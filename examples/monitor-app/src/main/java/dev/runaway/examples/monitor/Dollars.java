package dev.runaway.examples.monitor;

import dev.runaway.Cost;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Dollar amounts for people, in the status table and the demo: cents from $1 up with thousands
 * separators ({@code $24,127.20}), up to four decimals below ({@code $0.0935}, {@code $0.60}).
 *
 * <p>Stateless and thread-safe.
 */
public final class Dollars {

  private Dollars() {}

  /**
   * Formats an amount.
   *
   * @param c the amount
   * @return the text, such as {@code $1,005.30} or {@code $0.0935}
   */
  public static String of(Cost c) {
    return of(c.toBigDecimal());
  }

  private static String of(BigDecimal v) {
    if (v.abs().compareTo(BigDecimal.ONE) >= 0) {
      return String.format(Locale.ROOT, "%s$%,.2f", v.signum() < 0 ? "-" : "", v.abs().setScale(2, RoundingMode.HALF_UP));
    }
    BigDecimal small = v.abs().setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
    if (small.scale() < 2) {
      small = small.setScale(2, RoundingMode.UNNECESSARY);
    }
    return (v.signum() < 0 ? "-$" : "$") + small.toPlainString();
  }

  /**
   * Formats a rate in dollars per hour, or {@code n/a} when it is not a finite number.
   *
   * @param usdPerHour the rate
   * @return the text, such as {@code $5.04/h}
   */
  public static String perHour(double usdPerHour) {
    // Not through Cost: a rate may lie beyond a Cost's range (a detector's $9e9 over a 2 s poll is
    // $1.6e13 an hour) and must still be shown, not end the status table.
    return Double.isFinite(usdPerHour) ? of(BigDecimal.valueOf(usdPerHour)) + "/h" : "n/a";
  }
}
