package dev.runaway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The test kit's scheduler: tasks run only when the test says, on the test's thread. */
final class ManualSchedulerTest {

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> ran = new ArrayList<>();

  @Test
  void execute_waitsForTheTest_unlessInline() {
    ManualScheduler queued = new ManualScheduler(ticker);
    queued.execute(() -> ran.add("queued"));
    assertThat(ran).isEmpty();
    assertThat(queued.runDue()).isEqualTo(1);

    ManualScheduler inline = ManualScheduler.executingInline(ticker);
    inline.execute(() -> ran.add("inline"));
    assertThat(ran).containsExactly("queued", "inline");
    assertThat(inline.pending()).isZero();
    inline.shutdown();
    assertThatThrownBy(() -> inline.execute(() -> ran.add("late"))).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void runPeriodic_runsEachLivePeriodicTaskOnceInScheduleOrder_withoutMovingTimeOrSchedule() {
    ManualScheduler s = ManualScheduler.executingInline(ticker);
    s.scheduleWithFixedDelay(() -> ran.add("maintain"), 1, 1, TimeUnit.SECONDS);
    ScheduledFuture<?> probe = s.scheduleAtFixedRate(() -> ran.add("probe"), 5, 5, TimeUnit.SECONDS);
    s.schedule(() -> ran.add("once"), 0, TimeUnit.SECONDS);
    long before = ticker.nanoTime();

    assertThat(s.runPeriodic()).isEqualTo(2);
    assertThat(ran).containsExactly("maintain", "probe");
    assertThat(ticker.nanoTime()).isEqualTo(before);

    probe.cancel(false);
    ran.clear();
    assertThat(s.runPeriodic()).isEqualTo(1);
    assertThat(ran).containsExactly("maintain");

    ran.clear();
    s.advance(Duration.ofSeconds(1)); // the schedule is as it was: the one-shot task and the first maintenance
    assertThat(ran).containsExactly("once", "maintain");
  }

  @Test
  void advance_countsWhatRan_andLastDelayIsTheNewestWaitingTasksDelay() throws InterruptedException {
    ManualScheduler s = new ManualScheduler(ticker);
    assertThat(s.lastDelay()).isEmpty();
    s.schedule(() -> ran.add("late"), 3, TimeUnit.SECONDS);
    ScheduledFuture<?> soon = s.schedule(() -> ran.add("soon"), 1, TimeUnit.SECONDS);
    assertThat(s.lastDelay()).hasValue(Duration.ofSeconds(1));
    soon.cancel(false);
    assertThat(s.lastDelay()).hasValue(Duration.ofSeconds(3));

    Thread other = new Thread(() -> s.schedule(() -> ran.add("handed"), 2, TimeUnit.SECONDS));
    other.start();
    assertThat(s.awaitPending(2, Duration.ofSeconds(10))).isTrue();
    other.join();

    assertThat(s.advance(Duration.ofSeconds(2))).isEqualTo(1);
    assertThat(s.advance(Duration.ofSeconds(5))).isEqualTo(1);
    assertThat(ran).containsExactly("handed", "late");
    assertThat(s.awaitPending(0, Duration.ZERO)).isTrue();
  }
}
