package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Absurd sliding windows are refused with a message naming the field, the rule and the value. */
final class BudgetDurationTest {

  static Stream<Duration> absurd() {
    return Stream.of(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MAX_VALUE),
        ChronoUnit.FOREVER.getDuration(), Duration.ofDays(400 * 366L), Duration.ofDays(366).plusSeconds(1));
  }

  @ParameterizedTest
  @MethodSource("absurd")
  void of_absurdWindow_isRefusedWithAValidatingMessage(Duration window) {
    assertThatThrownBy(() -> {
      Budget b = Budget.of(Cost.usd("10"), window);
      // Before the fix some of these passed Budget.of and failed later, in the guard.
      RunawayGuard.builder().service("svc", s -> s.budget(b)).alertSink(a -> { }).build().close();
    }).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("window must be at most 366 days (MAX_WINDOW), got ");
  }

  @ParameterizedTest
  @MethodSource("absurd")
  void of_absurdWindow_messageStaysShort(Duration window) {
    assertThatThrownBy(() -> Budget.of(Cost.usd("10"), window)).message().hasSizeLessThan(120);
  }

  @org.junit.jupiter.api.Test
  void of_longestWindow_isAccepted() {
    assertThat(Budget.of(Cost.usd("10"), Budget.MAX_WINDOW).window()).isEqualTo(Duration.ofDays(366));
  }
}
