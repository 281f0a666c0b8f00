package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.testing.LogCapture;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

final class CostTest {

  @ParameterizedTest
  @CsvSource({"10, $10.00", "0.5, $0.50", "0.0025, $0.0025", "0.000000001, $0.000000001", "-1.5, -$1.50", "0, $0.00",
      "1234567.891, $1234567.891"})
  void toString_formatsDollars(String usd, String expected) {
    assertThat(Cost.usd(usd).toString()).isEqualTo(expected);
  }

  @Test
  void usd_isExactInNanos() {
    assertThat(Cost.usd("0.001").nanos()).isEqualTo(1_000_000L);
    assertThat(Cost.usd(0.1).plus(Cost.usd(0.2))).isEqualTo(Cost.usd("0.3"));
    assertThat(Cost.usd("10").toBigDecimal()).isEqualByComparingTo(new BigDecimal("10"));
  }

  @Test
  void usd_rejectsTooManyDecimalsAndGarbage() {
    assertThatThrownBy(() -> Cost.usd("0.0000000001")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("9 decimal places");
    assertThatThrownBy(() -> Cost.usd("ten")).hasMessageContaining("'ten'");
    assertThatThrownBy(() -> Cost.usd(Double.NaN)).hasMessageContaining("finite");
  }

  @Test
  void arithmetic_throwsOnOverflowInsteadOfWrapping() {
    Cost big = Cost.ofNanos(Long.MAX_VALUE);
    assertThatThrownBy(() -> big.plus(Cost.ofNanos(1))).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> big.times(2)).isInstanceOf(ArithmeticException.class);
    assertThat(Cost.usd("0.001").times(10_000)).isEqualTo(Cost.usd("10"));
    assertThat(Cost.usd("1").compareTo(Cost.usd("2"))).isNegative();
  }

  @Test
  void logCapture_recordsEvents() {
    int mark = LogCapture.mark();
    LoggerFactory.getLogger("x").info("hello {}", "world");
    assertThat(LogCapture.since(mark)).extracting(LogCapture.Event::message).containsExactly("hello world");
  }
}
