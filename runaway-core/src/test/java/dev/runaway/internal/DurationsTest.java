package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class DurationsTest {

  @Test
  void human_leavesOutAZeroSecondUnit_andSwitchesToDaysAt48Hours() {
    assertThat(Durations.human(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.human(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Durations.human(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Durations.human(Duration.ofSeconds(200))).isEqualTo("3m 20s");
    assertThat(Durations.human(Duration.ofMinutes(90))).isEqualTo("1h 30m");
    assertThat(Durations.human(Duration.ofHours(24))).isEqualTo("24h");
    assertThat(Durations.human(Duration.ofHours(47).plusMinutes(59))).isEqualTo("47h 59m");
    assertThat(Durations.human(Duration.ofHours(48))).isEqualTo("2d");
    assertThat(Durations.human(Duration.ofDays(3).plusHours(4))).isEqualTo("3d 4h");
  }

  @Test
  void human_roundsAFractionOfASecondUp_soAWaitNotQuitePassedNeverReadsZero() {
    assertThat(Durations.human(Duration.ofMillis(1))).isEqualTo("1s");
    assertThat(Durations.human(Duration.ofMillis(59_001))).isEqualTo("1m");
    assertThat(Durations.human(1L)).isEqualTo("1s");
    assertThat(Durations.human(1_000_000_000L)).isEqualTo("1s");
    assertThat(Durations.human(1_000_000_001L)).isEqualTo("2s");
  }

  @Test
  void human_readsZeroForNegativeDurations_andCopesWithTheLargest() {
    assertThat(Durations.human(Duration.ofSeconds(-5))).isEqualTo("0s");
    assertThat(Durations.human(-1L)).isEqualTo("0s");
    assertThat(Durations.human(Long.MAX_VALUE)).isEqualTo("106751d 23h");
    assertThat(Durations.human(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).isEqualTo("106751991167300d 15h");
  }
}
