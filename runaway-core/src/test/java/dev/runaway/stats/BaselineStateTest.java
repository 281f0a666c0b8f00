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
    byte[] b = asVersion2(learned().toBytes());
    // In version 2, the calls channel's record starts 2 x (8 + 4 + 7 x 8) + 8 bytes before the end: its day, then its days.
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

  /** Bytes of the record of usual peaks at the end of a version-4 state: 2 channels x 2 kinds x 7 days. */
  static final int PEAKS_BYTES = 2 * 2 * 7 * 8;

  /** The bytes of a version-4 state as version 3 wrote them: without the trailing record of usual peaks. */
  static byte[] asVersion3(byte[] v4) {
    assertThat(java.nio.ByteBuffer.wrap(v4).getInt(4)).isEqualTo(4);
    byte[] v3 = Arrays.copyOf(v4, v4.length - PEAKS_BYTES);
    java.nio.ByteBuffer.wrap(v3).putInt(4, 3);
    return v3;
  }

  /**
   * The bytes of a version-4 state as version 2 wrote them: without the trailing records of usual
   * peaks and of recurring bursts (its count and entries).
   */
  static byte[] asVersion2(byte[] v4) {
    byte[] v3 = asVersion3(v4);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v3);
    assertThat(b.getInt(4)).isEqualTo(3);
    // The record is last: find where it starts from its count.
    for (int n = 0; n <= (v3.length - 4) / 8; n++) {
      int start = v3.length - 4 - 8 * n;
      if (start >= 8 && b.getInt(start) == n) {
        byte[] v2 = Arrays.copyOf(v3, start);
        java.nio.ByteBuffer.wrap(v2).putInt(4, 2);
        return v2;
      }
    }
    throw new AssertionError("no record of recurring bursts found");
  }

  @Test
  void aVersion2State_isReadWithoutARecordOfRecurringBursts() {
    BaselineState s = learned();
    BaselineState v2 = BaselineState.fromBytes(asVersion2(s.toBytes()));
    assertThat(v2).isEqualTo(s);
    assertThat(v2.toBytes()).isEqualTo(s.toBytes());
  }

  @Test
  void aRecordOfRecurringBursts_roundTrips() {
    // A daily tenfold batch of three minutes, three days: recorded on the two warm days.
    Traffic t = Traffic.create(DetectionSettings.defaults(), 22);
    t.run(3 * 1440, m -> m % 1440 < 3 ? 500 : 50);
    BaselineState s = t.meter.exportBaseline();
    byte[] bytes = s.toBytes();
    assertThat(bytes.length - asVersion2(bytes).length).as("count and entries").isGreaterThanOrEqualTo(4 + 8 * 4);
    assertThat(BaselineState.fromBytes(bytes)).isEqualTo(s);
  }

  @Test
  void fromBytes_rejectsAnInvalidRecordOfRecurringBursts() {
    byte[] b = learned().toBytes();
    // The record's count is the last int before the record of usual peaks when it is empty.
    java.nio.ByteBuffer.wrap(b).putInt(b.length - PEAKS_BYTES - 4, -1);
    assertThatThrownBy(() -> BaselineState.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("recurring bursts");
  }

  @Test
  void aRecordOfUsualPeaks_roundTrips_andAVersion3StateIsReadWithoutIt() {
    // Bursts of 4x every 137 minutes for nine days: both kinds of peak are recorded.
    Traffic t = Traffic.create(DetectionSettings.defaults(), 23);
    t.run(9 * 1440, m -> m % 137 < 6 ? 200 : 50);
    BaselineState s = t.meter.exportBaseline();
    double[][] spikes = s.daySpikes();
    assertThat(Arrays.stream(spikes[0]).filter(x -> x >= 3).count()).as("days with a recorded spike").isGreaterThanOrEqualTo(6);
    assertThat(Arrays.stream(s.dayRises()[0]).filter(x -> x > 1).count()).isGreaterThanOrEqualTo(6);
    assertThat(BaselineState.fromBytes(s.toBytes())).isEqualTo(s);

    BaselineState v3 = BaselineState.fromBytes(asVersion3(s.toBytes()));
    assertThat(v3).isNotEqualTo(s);
    assertThat(v3.daySpikes()).isEqualTo(new double[2][7]);
    assertThat(v3.dayRises()).isEqualTo(new double[2][7]);
  }

  @Test
  void fromBytes_rejectsAUsualPeakThatIsNotAFiniteMultiple() {
    for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      byte[] b = learned().toBytes();
      java.nio.ByteBuffer.wrap(b).putDouble(b.length - 8, bad);
      assertThatThrownBy(() -> BaselineState.fromBytes(b)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("usual peak must be a finite multiple >= 0, got " + bad);
    }
  }
}
