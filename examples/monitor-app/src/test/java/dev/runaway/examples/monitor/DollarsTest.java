package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class DollarsTest {

  @ParameterizedTest
  @CsvSource({"0, $0.00", "0.6, $0.60", "0.0935, $0.0935", "0.955287616, $0.9553", "0.00001, $0.00",
      "1, $1.00", "35.235555, $35.24", "24127.2, '$24,127.20'", "-0.5, -$0.50", "-1234.5, '-$1,234.50'"})
  void of_roundsForPeople(String usd, String expected) {
    assertThat(Dollars.of(Cost.usd(usd))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"5.04, $5.04/h", "NaN, n/a", "Infinity, n/a",
      // Beyond a Cost's +-9.2e9 dollars: a detector's $9e9 in a 2 s poll ended runaway-monitor start.
      "1.62e13, '$16,200,000,000,000.00/h'", "-2e10, '-$20,000,000,000.00/h'", "1e-12, $0.00/h"})
  void perHour_formatsFiniteRatesOnly(double rate, String expected) {
    assertThat(Dollars.perHour(rate)).isEqualTo(expected);
  }
}
