package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Cost;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class DetectionSettingsTest {

  @Test
  void defaults_areDocumented() {
    DetectionSettings d = DetectionSettings.defaults();

    assertThat(d.spikeMultiplier()).isEqualTo(3.0);
    assertThat(d.breakerMultiplier()).isEqualTo(5.0);
    assertThat(d.bucket()).isEqualTo(Duration.ofMinutes(1));
    assertThat(d.breakerEnabled()).isTrue();
    assertThat(d.sustainedMultiplier()).isEqualTo(2.0);
    assertThat(d.spikeSignificance()).isEqualTo(1e-6);
    assertThat(d.sustainedEvidence()).isEqualTo(10.0);
    assertThat(d.breakerEvidence()).isEqualTo(7.0);
    assertThat(d.minExcessCalls()).isEqualTo(10.0);
    assertThat(d.minExcessCost()).isEqualTo(Cost.usd("0.05"));
    assertThat(d.quietPeriod()).isEqualTo(Duration.ofMinutes(30));
    assertThat(d.warmUp()).isEqualTo(Duration.ofDays(1));
    assertThat(d.baselineHalfLife()).isEqualTo(Duration.ofDays(2));
    assertThat(d.seasonality()).isEqualTo(Seasonality.WEEKLY);
    assertThat(d.zone()).isEqualTo(ZoneOffset.UTC);
    assertThat(d.callRateCap()).isZero();
    assertThat(d.costRateCap()).isNull();
  }

  @Test
  void toBuilder_copiesEverySetting() {
    DetectionSettings s = DetectionSettings.builder().spikeMultiplier(4).breakerMultiplier(8)
        .bucket(Duration.ofSeconds(30)).breakerEnabled(false).sustainedMultiplier(1.5).spikeSignificance(1e-8)
        .sustainedEvidence(12).breakerEvidence(9).minExcessCalls(3).minExcessCost(Cost.usd("1"))
        .quietPeriod(Duration.ofHours(1)).warmUp(Duration.ofHours(6)).baselineHalfLife(Duration.ofDays(3))
        .seasonality(Seasonality.NONE).zone(ZoneId.of("Europe/Berlin")).callRateCap(1000)
        .costRateCap(Cost.usd("50")).build();

    assertThat(s.toBuilder().build().toString()).isEqualTo(s.toString());
    assertThat(s.toString()).contains("spikeMultiplier=4.0", "bucket=PT30S", "zone=Europe/Berlin",
        "costRateCap=$50.00");
  }

  @Test
  void build_rejectsBreakerMultiplierBelowSpike_namingBothFieldsValuesAndFix() {
    DetectionSettings.Builder b = DetectionSettings.builder().spikeMultiplier(6).breakerMultiplier(4);

    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("breakerMultiplier (4.0) must not be below spikeMultiplier (6.0): raise breakerMultiplier to at"
            + " least 6.0 or lower spikeMultiplier to at most 4.0");
  }

  @Test
  void build_rejectsSpikeAboveTheDefaultBreakerMultiplier() {
    assertThatThrownBy(() -> DetectionSettings.builder().spikeMultiplier(5.5).build())
        .hasMessageStartingWith("breakerMultiplier (5.0) must not be below spikeMultiplier (5.5)");
  }

  @Test
  void build_acceptsEqualMultipliers_andTheRuleIsCheckedOnlyAtBuild() {
    // Setting spike first to a value above the current breaker multiple must not fail mid-way.
    DetectionSettings s = DetectionSettings.builder().spikeMultiplier(7).breakerMultiplier(7).build();

    assertThat(s.breakerMultiplier()).isEqualTo(s.spikeMultiplier()).isEqualTo(7.0);
  }

  @Test
  void forKeys_usesHourOfDaySlots() {
    assertThat(DetectionSettings.defaults().forKeys().seasonality()).isEqualTo(Seasonality.DAILY);
    DetectionSettings none = DetectionSettings.builder().seasonality(Seasonality.NONE).build();
    assertThat(none.forKeys()).isSameAs(none);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad(b -> b.spikeMultiplier(1.0), "spikeMultiplier must be a finite number above 1, got 1.0"),
        bad(b -> b.breakerMultiplier(Double.NaN), "breakerMultiplier must be a finite number above 1, got NaN"),
        bad(b -> b.bucket(Duration.ofMillis(10)), "bucket must be from 1s to 1h, got PT0.01S"),
        bad(b -> b.sustainedMultiplier(0.5), "sustainedMultiplier must be a finite number above 1, got 0.5"),
        bad(b -> b.sustainedMultiplier(101), "sustainedMultiplier must be at most 100, got 101.0"),
        bad(b -> b.spikeSignificance(0), "spikeSignificance must be a probability above 0 and at most 0.01, got 0.0"),
        bad(b -> b.spikeSignificance(0.5), "spikeSignificance must be a probability above 0 and at most 0.01, got 0.5"),
        bad(b -> b.sustainedEvidence(-1), "sustainedEvidence must be above 0 and at most 100 nats, got -1.0"),
        bad(b -> b.breakerEvidence(1000), "breakerEvidence must be above 0 and at most 100 nats, got 1000.0"),
        bad(b -> b.minExcessCalls(-1), "minExcessCalls must be a finite number of calls >= 0, got -1.0"),
        bad(b -> b.minExcessCost(Cost.ofNanos(-1)), "minExcessCost must not be negative"),
        bad(b -> b.quietPeriod(Duration.ofDays(8)), "quietPeriod must be from PT0S to PT168H, got PT192H"),
        bad(b -> b.warmUp(Duration.ofSeconds(-1)), "warmUp must be from PT0S to PT672H, got PT-1S"),
        bad(b -> b.baselineHalfLife(Duration.ofMinutes(5)), "baselineHalfLife must be from PT1H to PT1440H, got PT5M"),
        bad(b -> b.callRateCap(-5), "callRateCap must be a finite number of calls per minute >= 0 (0 = none), got -5.0"),
        bad(b -> b.costRateCap(Cost.ZERO), "costRateCap must be above zero per hour (or null for none), got $0.00"));
  }

  private static Arguments bad(Consumer<DetectionSettings.Builder> setter, String message) {
    return Arguments.of(setter, message);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void builder_rejectsInvalidValues_namingFieldRuleAndValue(Consumer<DetectionSettings.Builder> setter, String message) {
    assertThatThrownBy(() -> setter.accept(DetectionSettings.builder())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void builder_rejectsNulls() {
    assertThatThrownBy(() -> DetectionSettings.builder().bucket(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("bucket");
    assertThatThrownBy(() -> DetectionSettings.builder().seasonality(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("seasonality");
    assertThatThrownBy(() -> DetectionSettings.builder().zone(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("zone");
  }
}
