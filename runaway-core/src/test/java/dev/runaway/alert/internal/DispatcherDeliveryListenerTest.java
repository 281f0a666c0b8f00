package dev.runaway.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link AlertDispatcher#dispatch(Alert, DeliveryListener)} tells its listener once whether every
 * notifier accepted the alert: what the monitor waits for before it keeps a budget alert as told.
 */
final class DispatcherDeliveryListenerTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final dev.runaway.testing.ManualScheduler scheduler = new dev.runaway.testing.ManualScheduler(ticker);
  private final DrivenExecutor executor = new DrivenExecutor();
  /** What the listener heard, in order. */
  private final List<Boolean> heard = new CopyOnWriteArrayList<>();

  /** Fails the first {@code failures} attempts, then accepts. */
  private static final class Flaky implements Notifier {
    final AtomicInteger attempts = new AtomicInteger();
    final List<Alert> sent = new CopyOnWriteArrayList<>();
    volatile int failures;

    Flaky(int failures) {
      this.failures = failures;
    }

    @Override
    public void send(Alert alert) throws IOException {
      if (attempts.incrementAndGet() <= failures) {
        throw new IOException("HTTP 502 from chat service");
      }
      sent.add(alert);
    }
  }

  private AlertDispatcher.Builder driven(Notifier... notifiers) {
    return AlertDispatcher.builder().notifiers(List.of(notifiers)).ticker(ticker)
        .scheduler(AlertScheduler.on(scheduler)).executor(executor).closeTimeout(Duration.ZERO);
  }

  private static Alert eightyPercent() {
    return new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, "openai", null, "80% of budget used", "",
        ManualTicker.create().instant(), Map.of("budget", "daily", "percent", "85"));
  }

  @Test
  void deliveredByEveryNotifier_isHeardOnce_afterTheLastOfThem() {
    Flaky telegram = new Flaky(1);
    Flaky log = new Flaky(0);
    try (AlertDispatcher d = driven(telegram, log).build()) {
      assertThat(d.dispatch(eightyPercent(), heard::add)).isTrue();
      assertThat(heard).as("queued, not delivered").isEmpty();

      executor.runAll();
      assertThat(log.sent).hasSize(1);
      assertThat(heard).as("one of two notifiers has it; the other retries").isEmpty();

      scheduler.advance(Duration.ofSeconds(1));
      executor.runAll();
      assertThat(telegram.sent).hasSize(1);
      assertThat(heard).containsExactly(true);
    }
    assertThat(heard).as("once only").containsExactly(true);
  }

  @Test
  void givenUpByOneNotifier_isHeardAsNotDelivered() {
    Flaky telegram = new Flaky(Integer.MAX_VALUE);
    Flaky log = new Flaky(0);
    try (AlertDispatcher d = driven(telegram, log).maxAttempts(2).build()) {
      d.dispatch(eightyPercent(), heard::add);
      executor.runAll();
      assertThat(heard).isEmpty();
      scheduler.advance(Duration.ofSeconds(1));
      executor.runAll();

      assertThat(telegram.attempts.get()).isEqualTo(2);
      assertThat(log.sent).hasSize(1);
      assertThat(heard).containsExactly(false);
    }
    assertThat(heard).containsExactly(false);
  }

  @Test
  void stillWaitingForARetryAtClose_isHeardAsNotDelivered_beforeCloseReturns() {
    Flaky telegram = new Flaky(Integer.MAX_VALUE);
    AlertDispatcher d = driven(telegram).build();
    d.dispatch(eightyPercent(), heard::add);
    executor.runAll();
    assertThat(heard).isEmpty();

    d.close(); // its last attempt is queued on the driven executor, not run: dropped

    assertThat(heard).containsExactly(false);
    executor.runAll();
    assertThat(heard).as("once only").containsExactly(false);
  }

  @Test
  void lastAttemptAtCloseThatSucceeds_isHeardAsDelivered_beforeCloseReturns() {
    Flaky telegram = new Flaky(1);
    AlertDispatcher d = AlertDispatcher.builder().notifier(telegram).ticker(ticker)
        .scheduler(AlertScheduler.on(scheduler)).executor(Runnable::run).build();
    d.dispatch(eightyPercent(), heard::add);
    assertThat(heard).isEmpty();

    d.close();

    assertThat(telegram.sent).hasSize(1);
    assertThat(heard).containsExactly(true);
  }

  /**
   * A failed attempt that read "not closing" just before close began: close found nothing waiting
   * for a retry (it was not parked yet) and abandoned nothing, and the retry then parked on a timer
   * that never fires once the dispatcher closed (the default timer drops it; a driven one is no
   * longer driven). Before, the listener was never told and the delivery stayed outstanding.
   */
  @Test
  void aRetryParkedWhileCloseRan_isHeardAsNotDelivered() throws InterruptedException {
    AtomicReference<AlertDispatcher> dispatcher = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    Notifier racing = alert -> {
      throw new IOException("HTTP 502 from chat service") {
        @Override
        public String toString() {
          // Its first use is the retry's WARN, after the lane read that it is not closing: the
          // whole close runs there, on another thread, before the retry is parked.
          if (first.getAndSet(false)) {
            closeOnAnotherThread(dispatcher.get(), closed);
          }
          return super.toString();
        }
      };
    };
    AlertDispatcher d = AlertDispatcher.builder().notifier(racing).ticker(ticker)
        .scheduler(AlertScheduler.on(scheduler)).executor(Runnable::run).closeTimeout(Duration.ZERO).build();
    dispatcher.set(d);

    d.dispatch(eightyPercent(), heard::add);

    assertThat(closed.getCount()).as("closed while the attempt failed").isZero();
    assertThat(heard).as("told without the closed dispatcher's timer").containsExactly(false);
    assertThat(d.stats().dropped() + d.stats().failed()).isEqualTo(1);
  }

  /**
   * An alert dispatched while close runs: it read "not closing", and reached its queue only after
   * close abandoned the queues, with the executor no longer run (the default one is shut down).
   * Before, the listener was never told and the delivery stayed outstanding.
   */
  @Test
  void anAlertQueuedAfterCloseAbandonedTheQueues_isHeardAsNotDelivered() {
    AtomicReference<AlertDispatcher> dispatcher = new AtomicReference<>();
    AtomicBoolean closeNow = new AtomicBoolean();
    CountDownLatch closed = new CountDownLatch(1);
    // The dispatch reads the time after its closed check, before it queues: close runs there.
    dev.runaway.Ticker closing = new dev.runaway.Ticker() {
      @Override
      public long nanoTime() {
        if (closeNow.getAndSet(false)) {
          closeOnAnotherThread(dispatcher.get(), closed);
        }
        return ticker.nanoTime();
      }

      @Override
      public java.time.Instant instant() {
        return ticker.instant();
      }
    };
    Flaky telegram = new Flaky(0);
    AlertDispatcher d = AlertDispatcher.builder().notifier(telegram).ticker(closing)
        .scheduler(AlertScheduler.on(scheduler)).executor(executor).closeTimeout(Duration.ZERO).build();
    dispatcher.set(d);
    closeNow.set(true);

    d.dispatch(eightyPercent(), heard::add);

    assertThat(closed.getCount()).as("closed while it was dispatched").isZero();
    assertThat(heard).as("told without the closed dispatcher's executor").containsExactly(false);
    assertThat(telegram.sent).isEmpty();
  }

  @Test
  void aSendStillBlockedAtClose_isNotHeardAsDelivered_whenCloseReturns() throws InterruptedException {
    CountDownLatch sending = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Notifier hanging = alert -> {
      sending.countDown();
      release.await();
    };
    AlertDispatcher d = AlertDispatcher.builder().notifier(hanging).ticker(ticker)
        .scheduler(AlertScheduler.on(scheduler)).executor(r -> new Thread(r, "test-delivery").start())
        .closeTimeout(Duration.ZERO).build();
    d.dispatch(eightyPercent(), heard::add);
    assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();

    d.close();

    // What a monitor saves as it stops: nothing for this alert, so a restart raises it again.
    assertThat(heard).isEmpty();
    release.countDown();
  }

  @Test
  void noQueueTookIt_isHeardAsNotDelivered_atOnce() {
    Flaky telegram = new Flaky(0);
    AlertDispatcher d = driven(telegram).maxQueue(1).build();
    d.dispatch(eightyPercent(), heard::add);
    assertThat(d.dispatch(eightyPercent(), heard::add)).as("a duplicate").isFalse();
    assertThat(heard).containsExactly(false);

    Alert other = new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, "stripe", null, "80% of budget used", "",
        ticker.instant(), Map.of("budget", "daily"));
    assertThat(d.dispatch(other, heard::add)).as("the queue is full").isFalse();
    assertThat(heard).containsExactly(false, false);

    executor.runAll();
    assertThat(heard).containsExactly(false, false, true);
    d.close();
    assertThat(d.dispatch(other, heard::add)).as("closed").isFalse();
    assertThat(heard).containsExactly(false, false, true, false);
  }

  @Test
  void aListenerThatThrows_doesNotDisturbDelivery() {
    Flaky telegram = new Flaky(0);
    try (AlertDispatcher d = driven(telegram).build()) {
      d.dispatch(eightyPercent(), delivered -> {
        throw new IllegalStateException("listener bug");
      });
      executor.runAll();
      assertThat(telegram.sent).hasSize(1);
      assertThat(d.stats().delivered()).isEqualTo(1);
    }
  }

  /** Closes the dispatcher on another thread and waits for it, from inside a step of the one under test. */
  private static void closeOnAnotherThread(AlertDispatcher dispatcher, CountDownLatch closed) {
    new Thread(() -> {
      dispatcher.close();
      closed.countDown();
    }, "test-closer").start();
    try {
      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
