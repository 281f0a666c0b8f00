package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.stats.MeterSnapshot;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class SnapshotsTest {

  @Test
  void absurdRate_isClampedInsteadOfThrowing() {
    MeterSnapshot meter = new MeterSnapshot(1e15, 1.0, 1e9, 1.0, true, true);
    var s = Snapshots.of("svc", null, Instant.EPOCH, null, 0, meter, CircuitBreaker.State.OPEN);
    assertThat(s.projectedHour()).isEqualTo(Cost.usd("9000000000"));
    assertThat(s.projectedDay()).isEqualTo(Cost.usd("9000000000"));
  }
}
