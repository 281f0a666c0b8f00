package dev.runaway.ledger.internal;

import dev.runaway.ManualTicker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the state-file tests share: a fresh state folder per test and a flusher thread whose
 * hourly flush never fires during a test (tests flush explicitly; close flushes too).
 */
abstract class StateDirFixture {

  @TempDir
  Path dir;

  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  /**
   * Minutes {@code call} is refused by a budget from now on, one attempt a minute on {@code ticker},
   * at most {@code max}.
   */
  static int minutesRefused(ManualTicker ticker, int max, Runnable call) {
    int refused = 0;
    while (refused < max) {
      try {
        call.run();
        return refused;
      } catch (dev.runaway.BudgetExceededException e) {
        refused++;
        ticker.advance(Duration.ofMinutes(1));
      }
    }
    return refused;
  }

  /** Opens a ledger on the test's state folder with {@code ticker}, flushing hourly. */
  PersistentLedger ledger(ManualTicker ticker) {
    return PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1));
  }
}
