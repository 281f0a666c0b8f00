package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/** The flusher copies the rings while real threads spend: no lock, and nothing torn or lost. */
final class PersistentLedgerConcurrencyTest {

  private static final int THREADS = 4;
  private static final int CALLS = 5_000;

  @TempDir
  Path dir;

  @RepeatedTest(5)
  void flushingWhileThreadsSpend_savesMonotonicTotalsAndFinallyEverything() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    ScheduledExecutorService unused = Executors.newSingleThreadScheduledExecutor();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    try {
      PersistentLedger ledger = PersistentLedger.open(dir, ticker, unused, Duration.ofHours(1));
      RunawayGuard guard = RunawayGuard.builder()
          .service("svc", s -> s.budget(Budget.hourly(Cost.usd("1000"))).budget(Budget.daily(Cost.usd("1000"))))
          .ticker(ticker).ledger(ledger).alertSink(a -> { }).build();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> spenders = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        spenders.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < CALLS; i++) {
            guard.call("svc", Cost.usd("0.001"), () -> "ok");
          }
          return null;
        }));
      }
      List<Long> totals = new ArrayList<>();
      Future<?> flusher = pool.submit(() -> {
        go.await();
        while (!spenders.stream().allMatch(Future::isDone)) {
          ledger.flush();
          totals.add(savedTotal());
        }
        return null;
      });
      go.countDown();
      for (Future<?> f : spenders) {
        f.get();
      }
      flusher.get();
      guard.close();

      long all = Cost.usd("0.001").nanos() * THREADS * CALLS;
      assertThat(savedTotal()).isEqualTo(all);
      for (int i = 1; i < totals.size(); i++) {
        assertThat(totals.get(i)).isGreaterThanOrEqualTo(totals.get(i - 1)).isLessThanOrEqualTo(all);
      }
    } finally {
      pool.shutdownNow();
      unused.shutdownNow();
    }
  }

  private long savedTotal() throws Exception {
    Path file = dir.resolve(PersistentLedger.FILE_NAME);
    if (!Files.exists(file)) {
      return 0;
    }
    StateFile.Content c = StateFile.decode(Files.readAllBytes(file));
    return c.accounts().isEmpty() ? 0 : c.accounts().get(0).windows().get(0).total();
  }
}
