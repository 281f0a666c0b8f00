package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state file stays byte-compatible across the split of {@link PersistentLedger} into its
 * ledger, state store and baseline store: {@code state-v1.bin} was written by the ledger as it was
 * before that split (commit c74c7e5) through {@link #writeScenario}; run this class with
 * {@code -Drunaway.writeStateFixture=<path>} to write it again.
 */
final class StateFileCompatibilityTest {

  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final List<Budget> BUDGETS = List.of(Budget.hourly(Cost.usd("10")),
      Budget.calendarDay(Cost.usd("50"), ZoneOffset.UTC));

  @TempDir
  Path dir;

  /** The fixed scenario behind the fixture: two accounts, one baseline, one extra section. */
  private static void writeScenario(PersistentLedger ledger, ManualTicker ticker) {
    LedgerAccount service = ledger.account("openai", null, BUDGETS);
    LedgerAccount keyed = ledger.account("openai", "tenant-7", BUDGETS);
    long r = Cost.usd("2").nanos();
    assertThat(service.tryReserve(r, ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
    ticker.advance(Duration.ofMinutes(3));
    service.commit(r, Cost.usd("1.5").nanos(), ticker.nanoTime());
    keyed.record(Cost.usd("0.25").nanos(), ticker.nanoTime());
    ticker.advance(Duration.ofMinutes(1));
    ledger.trackBaseline("openai", "tenant-7", keyed, k -> "baseline-of-tenant-7".getBytes(StandardCharsets.UTF_8));
    ledger.writeSection("extra", () -> new byte[] {1, 2, 3});
  }

  private static byte[] fixture() throws Exception {
    try (InputStream in = StateFileCompatibilityTest.class.getResourceAsStream("state-v1.bin")) {
      assertThat(in).as("fixture state-v1.bin").isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void write_producesTheSameBytesAsTheLedgerBeforeTheSplit() throws Exception {
    ManualTicker ticker = ManualTicker.startingAt(T0);
    PersistentLedger ledger = PersistentLedger.open(dir, ticker, null, Duration.ofHours(1));
    writeScenario(ledger, ticker);
    ledger.close();
    byte[] written = Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME));
    String target = System.getProperty("runaway.writeStateFixture");
    if (target != null) {
      Files.write(Path.of(target), written);
    }
    assertThat(withoutClock(written)).isEqualTo(fixture());
  }

  /**
   * The bytes of a state file without its {@link PersistentLedger#CLOCK_SECTION}: since session 46
   * the file also holds the clock its sliding windows were written with (a section an older release
   * does not ask for); without it, a file is what the older release wrote. Fails if the section is
   * missing.
   */
  static byte[] withoutClock(byte[] written) throws Exception {
    StateFile.Content content = StateFile.decode(written);
    assertThat(content.sections().get(PersistentLedger.CLOCK_SECTION)).hasSize(16);
    java.util.Map<String, byte[]> sections = new java.util.LinkedHashMap<>(content.sections());
    sections.remove(PersistentLedger.CLOCK_SECTION);
    sections.remove(StateFile.LEDGER_SECTION);
    return StateFile.encode(content.accounts(), sections);
  }

  @Test
  void read_restoresSpendBaselineAndSectionsFromAFileWrittenBeforeTheSplit() throws Exception {
    Files.write(dir.resolve(PersistentLedger.FILE_NAME), fixture());
    ManualTicker ticker = ManualTicker.startingAt(T0.plus(Duration.ofMinutes(10)));
    PersistentLedger ledger = PersistentLedger.open(dir, ticker, null, Duration.ofHours(1));
    try {
      assertThat(ledger.restoredSection("extra")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertThat(ledger.restoredBaseline("openai", "tenant-7")).hasValueSatisfying(
          b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("baseline-of-tenant-7"));
      assertThat(ledger.restoredBaseline("openai", "tenant-7")).isEmpty();
      long now = ticker.nanoTime();
      LedgerAccount service = ledger.account("openai", null, BUDGETS);
      assertThat(service.spent(0, now)).isEqualTo(Cost.usd("1.5").nanos());
      assertThat(service.spent(1, now)).isEqualTo(Cost.usd("1.5").nanos());
      LedgerAccount keyed = ledger.account("openai", "tenant-7", BUDGETS);
      assertThat(keyed.spent(0, now)).isEqualTo(Cost.usd("0.25").nanos());
      // The hourly window lets the restored spend go an hour after it was made, the day keeps it.
      ticker.advance(Duration.ofMinutes(55));
      assertThat(service.spent(0, ticker.nanoTime())).isZero();
      assertThat(service.spent(1, ticker.nanoTime())).isEqualTo(Cost.usd("1.5").nanos());
    } finally {
      ledger.close();
    }
    assertThat(dir.resolve(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX)).doesNotExist();
  }
}
