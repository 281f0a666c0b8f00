package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.ManualTicker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class BaselineStateTest {

  private static BaselineState learned() {
    return Traffic.create(DetectionSettings.defaults(), 21).run(600, m -> 7).meter.exportBaseline();
  }

  @Test
  void bytes_roundTrip() {
    BaselineState s = learned();

    assertThat(BaselineState.fromBytes(s.toBytes())).isEqualTo(s);
    assertThat(s.learnedBuckets()).isEqualTo(600);
    assertThat(s.toString()).contains("bucket=PT1M", "seasonality=WEEKLY");
  }

  @Test
  void fromBytes_rejectsTruncatedData() {
    byte[] b = learned().toBytes();

    assertThatThrownBy(() -> BaselineState.fromBytes(Arrays.copyOf(b, b.length - 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
  }

  @Test
  void fromBytes_rejectsTrailingBytes() {
    byte[] b = learned().toBytes();

    assertThatThrownBy(() -> BaselineState.fromBytes(Arrays.copyOf(b, b.length + 4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
  }

  @Test
  void fromBytes_rejectsAnotherFormat() {
    assertThatThrownBy(() -> BaselineState.fromBytes("{\"json\":true}".getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad magic");
  }

  @Test
  void fromBytes_rejectsAFutureVersion() {
    byte[] b = learned().toBytes();
    ByteBuffer.wrap(b).putInt(4, 99);

    assertThatThrownBy(() -> BaselineState.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown version 99");
  }

  @Test
  void fromBytes_rejectsARecordOfMoreThanAWeek() {
    byte[] b = learned().toBytes();
    // The calls channel's record starts 2 x (8 + 4 + 7 x 8) + 8 bytes before the end: its day, then its days.
    ByteBuffer.wrap(b).putInt(b.length - 8 - 2 * (8 + 4 + 56) + 8, 8);

    assertThatThrownBy(() -> BaselineState.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("record of held runs 0 covers 8 days");
  }

  @Test
  void fromBytes_rejectsNegativeOrNonFiniteSlots() {
    byte[] b = learned().toBytes();
    // The first day weight sits after the header (4+4+8+4+8), 12 doubles and the slot count.
    int offset = 28 + 12 * 8 + 4;
    ByteBuffer.wrap(b).putFloat(offset, Float.NaN);

    assertThatThrownBy(() -> BaselineState.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("day weight 0 must be finite and >= 0, got NaN");
  }

  @Test
  void polledUsageLearnedBeforeARestart_isNotLearnedAgain() {
    // A monitor's first poll after a restart reports the day so far again (GitHub: from 00:00Z).
    ManualTicker ticker = ManualTicker.create();
    BurnRateMeter before = BurnRateMeter.create(DetectionSettings.defaults(), ticker);
    Instant start = ticker.instant();
    before.observe(start, start.plus(Duration.ofHours(2)), 1200, 1_000_000_000L);
    assertThat(before.exportBaseline().learnedBuckets()).isEqualTo(120);

    BaselineState saved = BaselineState.fromBytes(before.exportBaseline().toBytes());
    BurnRateMeter after = BurnRateMeter.create(DetectionSettings.defaults(), ticker, saved);
    after.observe(start, start.plus(Duration.ofMinutes(130)), 1300, 1_100_000_000L);
    assertThat(after.exportBaseline().learnedBuckets()).as("only the 10 new minutes are learned").isEqualTo(130);
  }
}
