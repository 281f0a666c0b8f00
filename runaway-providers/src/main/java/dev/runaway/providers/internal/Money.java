package dev.runaway.providers.internal;

import dev.runaway.Cost;
import dev.runaway.providers.http.internal.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** Converts exact decimal dollar amounts to {@link Cost}, rounding to the nano-dollar. */
public final class Money {

  private Money() {}

  /**
   * Returns a dollar amount as a cost, rounded half-up to nine decimals.
   *
   * @param usd dollars
   * @return the cost
   */
  public static Cost usd(BigDecimal usd) {
    // Bounded first: rounding an absurd exponent to nine decimals would compute a huge power of ten.
    return Cost.of(Json.bounded(usd).setScale(9, RoundingMode.HALF_UP));
  }

  /**
   * Returns {@code quantity x pricePerUnit} as a cost.
   *
   * @param quantity the quantity
   * @param pricePerUnit dollars per unit
   * @return the cost
   */
  public static Cost times(BigDecimal quantity, BigDecimal pricePerUnit) {
    return usd(Json.bounded(quantity).multiply(Json.bounded(pricePerUnit)));
  }
}
