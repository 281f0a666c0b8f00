package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DiscoveredCostExtractorTest {

  /** Prices Strings only; bounds everything at $1. */
  private static final CostExtractor STRINGS = new CostExtractor() {
    @Override
    public Cost costOf(Object result) {
      return result instanceof String ? Cost.usd("0.10") : null;
    }

    @Override
    public Cost upperBoundOf(Object result) {
      return Cost.usd("1");
    }
  };
  private static final CostExtractor NUMBERS = r -> r instanceof Integer ? Cost.usd("0.20") : null;

  @Test
  void none_isNull_one_isItself() {
    assertThat(DiscoveredCostExtractor.combine(List.of())).isNull();
    assertThat(DiscoveredCostExtractor.combine(List.of(NUMBERS))).isSameAs(NUMBERS);
  }

  @Test
  void several_answerWithTheFirstThatKnows_inOrder() {
    CostExtractor both = DiscoveredCostExtractor.combine(List.of(NUMBERS, STRINGS));
    assertThat(both.costOf("reply")).isEqualTo(Cost.usd("0.10"));
    assertThat(both.costOf(7)).isEqualTo(Cost.usd("0.20"));
    assertThat(both.costOf(7.0)).isNull();
    assertThat(both.upperBoundOf(7.0)).isEqualTo(Cost.usd("1"));
  }
}
