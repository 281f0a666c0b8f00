package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Polls on real threads: a detector blocked on a latch never overlaps itself, does not hold up the
 * others, times out on the manual scheduler, and does not hold up close(). Waits on latches are
 * bounded so that a broken monitor fails the test instead of hanging it; time itself only moves
 * through the manual ticker.
 */
final class MonitorConcurrencyTest {

  private static final String CONFIG = "{\"monitoring_interval\": 300}";
  private static final long BOUND_SECONDS = 10;

  private final MonitorFixture fx = new MonitorFixture();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    pool.shutdownNow();
  }

  private RunawayMonitor.Builder builder() {
    return RunawayMonitor.builder()
        .config(MonitorConfig.parse(CONFIG))
        .secrets(SecretSource.of(Map.of()))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(pool)
        .alertSink(fx.alerts::add);
  }

  /** A detector that blocks on {@link #release} until the test lets it go. */
  private FakeDetector blocking(String service, CountDownLatch entered, CountDownLatch exited) {
    return new FakeDetector(service, ctx -> {
      entered.countDown();
      try {
        release.await();
        return FakeDetector.span(service, ctx, "0.10", 1);
      } finally {
        exited.countDown();
      }
    });
  }

  /** A detector that signals each finished poll, so the test can wait for them without sleeping. */
  private static FakeDetector signalling(String service, Semaphore done) {
    return new FakeDetector(service, ctx -> {
      try {
        return FakeDetector.span(service, ctx, "0.10", 1);
      } finally {
        done.release();
      }
    });
  }

  /**
   * A detector whose poll counts {@code entered} down, then waits for {@code release} and reports
   * $0.10; an interrupt is told to {@code onInterrupt}, then ignored while {@code ignoring} holds
   * (it keeps waiting) and thrown once it does not.
   */
  private FakeDetector waitingForRelease(String name, CountDownLatch entered, Runnable onInterrupt,
      BooleanSupplier ignoring) {
    return new FakeDetector(name, ctx -> {
      entered.countDown();
      while (true) {
        try {
          release.await();
          return FakeDetector.span(name, ctx, "0.10", 1);
        } catch (InterruptedException e) {
          onInterrupt.run();
          if (!ignoring.getAsBoolean()) {
            throw e;
          }
        }
      }
    });
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(BOUND_SECONDS, TimeUnit.SECONDS)).as("latch reached within the bound").isTrue();
  }

  private static void await(Semaphore s, int permits) throws InterruptedException {
    assertThat(s.tryAcquire(permits, BOUND_SECONDS, TimeUnit.SECONDS)).as("polls finished within the bound").isTrue();
  }

  /** Waits (spinning, bounded) until the poll thread has released the service after the detector returned. */
  private static void awaitIdle(RunawayMonitor monitor, String service) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
    while (monitor.status().get(service).polling() && System.nanoTime() - deadline < 0) {
      Thread.yield();
    }
    assertThat(monitor.status().get(service).polling()).as(service + " released within the bound").isFalse();
  }

  @Test
  void start_slowPollMakesLaterRoundsSkipItWithoutOverlapOrHoldingUpOthers() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch exited = new CountDownLatch(1);
    FakeDetector slow = blocking("slow", entered, exited);
    Semaphore fastDone = new Semaphore(0);
    FakeDetector fast = signalling("fast", fastDone);
    try (RunawayMonitor monitor = builder().detector(slow).detector(fast).pollTimeout(Duration.ofHours(1)).build()) {
      monitor.start();
      fx.scheduler.runDue();
      await(entered);
      await(fastDone, 1);
      awaitIdle(monitor, "fast");
      assertThat(monitor.status().get("slow").polling()).isTrue();

      for (int round = 2; round <= 4; round++) {
        fx.nextInterval();
        await(fastDone, 1);
        awaitIdle(monitor, "fast");
      }
      assertThat(fast.polls).hasValue(4);
      assertThat(slow.polls).hasValue(1);
      assertThat(monitor.status().get("slow").skippedRounds()).isEqualTo(3);

      release.countDown();
      await(exited);
      awaitIdle(monitor, "slow");
      fx.nextInterval();
      await(fastDone, 1);
      awaitIdle(monitor, "slow");
      assertThat(slow.polls).hasValue(2);
      assertThat(slow.maxRunning).hasValue(1);
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).isEmpty();
    }
  }

  @Test
  void pollOnce_concurrentRoundsNeverOverlapOneDetector() throws Exception {
    Semaphore done = new Semaphore(0);
    FakeDetector alpha = signalling("alpha", done);
    try (RunawayMonitor monitor = builder().detector(alpha).minPollSpacing(Duration.ZERO).build()) {
      int threads = 4;
      int rounds = 200;
      Race.run(threads, t -> {
        for (int i = 0; i < rounds; i++) {
          monitor.pollOnce();
        }
      });
      assertThat(alpha.maxRunning).hasValue(1);
      MonitorStatus s = monitor.status().get("alpha");
      assertThat(s.polls() + s.skippedRounds()).isEqualTo((long) threads * rounds);
    }
  }

  @Test
  void timeout_reportsOnceInterruptsAndSkipsUntilTheDetectorReturns() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicBoolean stubborn = new AtomicBoolean(true);
    FakeDetector slow = waitingForRelease("slow", entered, interrupted::countDown, stubborn::get);
    try (RunawayMonitor monitor = builder().detector(slow).pollTimeout(Duration.ofMinutes(1)).build()) {
      monitor.start();
      fx.scheduler.runDue();
      await(entered);
      fx.scheduler.advance(Duration.ofMinutes(1));
      await(interrupted);
      Alert down = fx.alerts(AlertType.SERVICE_STATUS).get(0);
      assertThat(down.severity()).isEqualTo(Severity.WARNING);
      assertThat(down.facts()).containsEntry("kind", "TIMEOUT");
      assertThat(down.detail()).contains("did not finish within 1m and was interrupted");
      // New-user trial: "The poll did not finish within 10s and was interrupted." named neither the
      // service (in the status table's LAST ERROR) nor where the limit comes from or what to change.
      assertThat(down.detail()).startsWith("The poll of slow did not finish within 1m")
          .contains("by default the monitoring_interval, at most 1 minute").contains("max_pages")
          .contains("timeout_seconds");

      // It ignored the interrupt: later rounds skip it. Its late result is still counted: a
      // detector commits its cursors when it returns a report, so a discarded one was spend lost.
      fx.nextInterval();
      fx.nextInterval();
      assertThat(slow.polls).hasValue(1);
      assertThat(monitor.status().get("slow").skippedRounds()).isEqualTo(2);
      release.countDown();
      awaitIdle(monitor, "slow");
      assertThat(monitor.snapshot("slow").costPerHour()).as("the late $0.10 is counted").isPositive();
      assertThat(monitor.status().get("slow").health()).isEqualTo(MonitorStatus.Health.OK);
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).hasSize(2);
      assertThat(fx.alerts(AlertType.SERVICE_STATUS).get(0).facts()).containsEntry("kind", "TIMEOUT");
    }
  }

  @Test
  void timeout_aLateReportIsCountedOnceAndTheNextPollStartsWhereItEnded() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    FakeDetector slow = waitingForRelease("slow", entered, interrupted::countDown, () -> true);
    try (RunawayMonitor monitor = builder().detector(slow).pollTimeout(Duration.ofMinutes(1)).build()) {
      monitor.start();
      fx.scheduler.runDue();
      await(entered);
      fx.scheduler.advance(Duration.ofMinutes(1));
      await(interrupted);
      release.countDown();
      awaitIdle(monitor, "slow");
      assertThat(monitor.status().get("slow").polls()).as("the timeout and the late report").isEqualTo(2);

      // To the next round (10:05) only: one more interval would also reach its poll's timeout.
      fx.scheduler.advance(Duration.ofMinutes(4));
      awaitPolls(slow, 2);
      awaitIdle(monitor, "slow");
      PollContext late = slow.contexts.get(0);
      PollContext next = slow.contexts.get(1);
      assertThat(next.since()).as("the next poll starts where the late report ended, not before it")
          .isEqualTo(late.now());
    }
  }

  /** Waits (spinning, bounded) until the detector has been polled {@code n} times. */
  private static void awaitPolls(FakeDetector d, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
    while (d.polls.get() < n && System.nanoTime() - deadline < 0) {
      Thread.yield();
    }
    assertThat(d.polls).hasValue(n);
  }

  @Test
  void close_returnsPromptlyWithABlockedDetectorAndInterruptsIt() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch exited = new CountDownLatch(1);
    AtomicBoolean sawInterrupt = new AtomicBoolean();
    FakeDetector blocked = new FakeDetector("blocked", ctx -> {
      entered.countDown();
      try {
        release.await();
        return FakeDetector.span("blocked", ctx, "0.10", 1);
      } catch (InterruptedException e) {
        sawInterrupt.set(true);
        throw e;
      } finally {
        exited.countDown();
      }
    });
    RunawayMonitor monitor = builder().detector(blocked).build();
    monitor.start();
    fx.scheduler.runDue();
    await(entered);

    long t0 = System.nanoTime();
    monitor.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(tookMillis).as("close() with a blocked detector").isLessThan(1000);
    await(exited);
    assertThat(sawInterrupt).isTrue();
    assertThat(blocked.closed).isTrue();
    assertThat(fx.alerts).as("an interrupted poll at close is not a failure").isEmpty();
  }

  @Test
  void close_returnsPromptlyWhenTheDetectorIgnoresInterrupts() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    FakeDetector stubborn = waitingForRelease("stubborn", entered, () -> { }, () -> true);
    // The default executor: daemon threads owned by the monitor.
    RunawayMonitor monitor = RunawayMonitor.builder()
        .config(MonitorConfig.parse(CONFIG))
        .secrets(SecretSource.of(Map.of()))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .alertSink(fx.alerts::add)
        .detector(stubborn)
        .build();
    monitor.start();
    fx.scheduler.runDue();
    await(entered);

    long t0 = System.nanoTime();
    monitor.close();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
    assertThat(stubborn.closed).isTrue();
    release.countDown();
  }
}
