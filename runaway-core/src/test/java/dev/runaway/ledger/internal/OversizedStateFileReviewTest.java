package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (nu82): the state file was written whatever its size, but read back only up to 64 MiB.
 * About 70,000 tenants that each called once a minute in the last hour (per-key hourly budgets,
 * which the ledger keeps past the guard's key cap while they hold spend) made a 71 MB file the next
 * start refused as a whole: every budget, the service's own included, restarted empty. Now read and
 * written up to 1 GiB ({@link StateFile#MAX_PAYLOAD}).
 */
final class OversizedStateFileReviewTest extends StateDirFixture {

  private static final List<Budget> SERVICE = List.of(Budget.hourly(Cost.usd("10")));
  private static final List<Budget> KEY = List.of(Budget.hourly(Cost.usd("1")));
  private static final int TENANTS = 70_000;

  @Test
  void aStateFileThisLedgerWrote_isReadBackByTheNextStart() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    long cent = Cost.usd("0.01").nanos();
    try (PersistentLedger first = ledger(ticker)) {
      LedgerAccount service = first.account("svc", null, SERVICE);
      long ten = Cost.usd("10").nanos();
      assertThat(service.tryReserve(ten, ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
      service.commit(ten, ten, ticker.nanoTime());
      LedgerAccount[] tenants = new LedgerAccount[TENANTS];
      for (int i = 0; i < TENANTS; i++) {
        tenants[i] = first.account("svc", "tenant-" + java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i,
            (byte) (i >> 8), (byte) (i >> 16)}), KEY);
      }
      for (int minute = 0; minute < 60; minute++) {
        long now = ticker.nanoTime();
        for (LedgerAccount t : tenants) {
          if (t.tryReserve(cent, now) == LedgerAccount.ADMITTED) {
            t.commit(cent, cent, now);
          }
        }
        ticker.advance(Duration.ofMinutes(1).minusSeconds(1));
      }
      // The ledger holds an account weakly, as the guard that uses it holds it strongly: without
      // this the service's account could be collected before the close saves it (a flaky failure).
      java.lang.ref.Reference.reachabilityFence(service);
      java.lang.ref.Reference.reachabilityFence(tenants);
    }
    long size = Files.size(dir.resolve(PersistentLedger.FILE_NAME));
    try (PersistentLedger second = ledger(ticker)) {
      LedgerAccount service = second.account("svc", null, SERVICE);
      assertThat(service.used(0, ticker.nanoTime()))
          .as("the service's $10 of this hour after a restart (the state file written at close: %d bytes, %d MiB)",
              size, size >> 20)
          .isEqualTo(Cost.usd("10").nanos());
    }
  }
}
