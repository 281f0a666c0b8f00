package dev.runaway.telegram.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class PacerTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final Pacer pacer = Pacer.telegramDefaults(ticker);

  @Test
  void reserve_spacesOneChatOneSecondApartButNotDifferentChats() {
    assertThat(pacer.reserve("1")).isZero();
    assertThat(pacer.reserve("2")).isZero();
    assertThat(pacer.reserve("1")).isEqualTo(Duration.ofSeconds(1));
    assertThat(pacer.reserve("1")).isEqualTo(Duration.ofSeconds(2));
    ticker.advance(Duration.ofMillis(2500));
    assertThat(pacer.reserve("1")).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void reserve_capsTheWholeBotAtThirtyPerSecond() {
    for (int i = 0; i < 30; i++) {
      assertThat(pacer.reserve(Integer.toString(1000 + i))).isZero();
    }

    assertThat(pacer.reserve("2000")).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void reserve_appliesTheGroupLimitToNamedChannels() {
    for (int i = 0; i < 20; i++) {
      pacer.reserve("@channel");
    }

    assertThat(pacer.reserve("@channel")).isEqualTo(Duration.ofSeconds(60));
  }
}
