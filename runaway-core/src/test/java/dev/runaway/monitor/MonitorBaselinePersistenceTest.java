package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class MonitorBaselinePersistenceTest {

  @TempDir
  Path dir;

  private String config() {
    return "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\"}";
  }

  @Test
  void restart_withStateDir_resumesTheLearnedBaselineInsteadOfANewWarmUp() {
    MonitorFixture fx = new MonitorFixture();
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    try (RunawayMonitor monitor = fx.builder(config()).detector(alpha).build()) {
      // 26 hours of $0.10 per 5 minutes: past the 24-hour warm-up.
      for (int i = 0; i < 26 * 12; i++) {
        fx.ticker.advance(Duration.ofMinutes(5));
        monitor.pollOnce();
      }
      assertThat(monitor.snapshot("alpha").baselineReady()).isTrue();
    }
    assertThat(dir.resolve(RunawayMonitor.MONITOR_STATE_SUBDIR).resolve("runaway-guard.state")).exists();

    // A restart five minutes later: the baseline ($1.20 per hour) is there from the first poll on.
    fx.ticker.advance(Duration.ofMinutes(5));
    try (RunawayMonitor restarted = fx.builder(config()).detector(FakeDetector.spending("alpha", "0.10")).build()) {
      fx.ticker.advance(Duration.ofMinutes(5));
      restarted.pollOnce();
      assertThat(restarted.snapshot("alpha").baselineReady()).isTrue();
      assertThat(restarted.snapshot("alpha").baselineCostPerHour())
          .isCloseTo(1.2, org.assertj.core.data.Offset.offset(0.05));
    }
  }

  @Test
  void aSecondMonitorOnOneStateDir_doesNotStart_saysAMonitorHoldsIt_andClosesWhatItOpened() {
    MonitorFixture fx = new MonitorFixture();
    try (RunawayMonitor first = fx.builder(config()).detector(FakeDetector.spending("alpha", "0.10")).build()) {
      first.pollOnce();
      FakeDetector detector = FakeDetector.spending("alpha", "0.10");
      RunawayMonitor.Builder second = fx.builder(config()).detector(detector);
      second.stateLockWait = Duration.ZERO;
      // Before: the guard's message ("another running guard ... a shared ledger (runaway-redis)"), the
      // detectors and the alerting of the monitor that did not start left open.
      assertThatThrownBy(second::build).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another running monitor")
          .hasMessageContaining(dir.resolve(RunawayMonitor.MONITOR_STATE_SUBDIR).toString())
          .hasMessageContaining("give this one a state_dir of its own")
          .hasMessageNotContaining("running guard").hasMessageNotContaining("runaway-redis");
      assertThat(detector.closed).isTrue();
    }
    // The first monitor's close lets the folder go.
    try (RunawayMonitor again = fx.builder(config()).detector(FakeDetector.spending("alpha", "0.10")).build()) {
      assertThat(again.services()).containsExactly("alpha");
    }
  }

  @Test
  void restart_withoutStateDir_startsAfresh() {
    MonitorFixture fx = new MonitorFixture();
    try (RunawayMonitor monitor = fx.builder("{\"monitoring_interval\": 300}")
        .detector(FakeDetector.spending("alpha", "0.10")).build()) {
      for (int i = 0; i < 26 * 12; i++) {
        fx.ticker.advance(Duration.ofMinutes(5));
        monitor.pollOnce();
      }
      assertThat(monitor.snapshot("alpha").baselineReady()).isTrue();
    }
    try (RunawayMonitor restarted = fx.builder("{\"monitoring_interval\": 300}")
        .detector(FakeDetector.spending("alpha", "0.10")).build()) {
      fx.ticker.advance(Duration.ofMinutes(5));
      restarted.pollOnce();
      assertThat(restarted.snapshot("alpha").baselineReady()).isFalse();
    }
    assertThat(Files.exists(dir.resolve(RunawayMonitor.MONITOR_STATE_SUBDIR))).isFalse();
  }

  @Test
  void keepBaselinesFalse_leavesTheStateDirAlone() {
    MonitorFixture fx = new MonitorFixture();
    try (RunawayMonitor monitor = fx.builder(config()).keepBaselines(false)
        .detector(FakeDetector.spending("alpha", "0.10")).build()) {
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
    }
    assertThat(Files.exists(dir.resolve(RunawayMonitor.MONITOR_STATE_SUBDIR))).isFalse();
  }
}
