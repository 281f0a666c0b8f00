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

  /** Opens a ledger on the test's state folder with {@code ticker}, flushing hourly. */
  PersistentLedger ledger(ManualTicker ticker) {
    return PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1));
  }
}
