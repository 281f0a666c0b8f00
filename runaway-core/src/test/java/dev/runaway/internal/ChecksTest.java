package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ChecksTest {

  @Test
  void positive_namesFieldRuleAndValue() {
    assertThat(Checks.positive(Duration.ofMillis(1), "wait")).isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> Checks.positive(Duration.ZERO, "wait"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("wait must be positive, got PT0S");
    assertThatThrownBy(() -> Checks.positive(Duration.ofSeconds(-1), "wait"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("wait must be positive, got PT-1S");
    assertThatThrownBy(() -> Checks.positive(null, "wait")).isInstanceOf(NullPointerException.class).hasMessage("wait");
  }

  @Test
  void atLeast_namesFieldRuleAndValue() {
    assertThat(Checks.atLeast(1, 1, "maxQueue")).isEqualTo(1);
    assertThatThrownBy(() -> Checks.atLeast(0, 1, "maxQueue"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxQueue must be at least 1, got 0");
    assertThatThrownBy(() -> Checks.atLeast(-5L, 1L, "maxKeys"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxKeys must be at least 1, got -5");
  }

  @Test
  void notBlank_namesFieldRuleAndValue() {
    assertThat(Checks.notBlank("a", "key")).isEqualTo("a");
    assertThatThrownBy(() -> Checks.notBlank(" ", "key"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be blank, got ' '");
    assertThatThrownBy(() -> Checks.notBlank(null, "key")).isInstanceOf(NullPointerException.class).hasMessage("key");
  }
}
