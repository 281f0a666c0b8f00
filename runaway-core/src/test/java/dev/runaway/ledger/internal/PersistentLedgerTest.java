package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.event.Level;

/** Spend that survives a restart: restore, wall-clock mapping, loss bound, bad files. */
final class PersistentLedgerTest extends StateDirFixture {

  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final String LOGGER = PersistentLedger.class.getName();

  private RunawayGuard guard(ManualTicker ticker, PersistentLedger ledger) {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10")))
            .budget(Budget.daily(Cost.usd("100")))
            .budget(Budget.calendarDay(Cost.usd("50"), ZONE))
            .perKeyBudget(Budget.hourly(Cost.usd("2"))))
        .ticker(ticker)
        .ledger(ledger)
        .alertSink(a -> { })
        .build();
  }

  private static Cost spent(ServiceSnapshot s, int window) {
    return s.windows().get(window).spent();
  }

  /** One life of the app on the state folder: a guard on {@code ticker} spends {@code cost} on "openai" and closes. */
  private void spendInOneLife(ManualTicker ticker, Cost cost) {
    try (RunawayGuard guard = guard(ticker, ledger(ticker))) {
      guard.call("openai", cost, () -> "ok");
    }
  }

  /**
   * The next life after {@code downtime}, after a reboot: its monotonic clock counts from the new
   * boot, behind the previous life's, so saved spend is aged by the wall clock (on the same boot it
   * is aged by the ticker, never more than the wall clock says: {@link WallClockStepRestoreReviewTest}).
   */
  private static ManualTicker nextProcess(ManualTicker previous, Duration downtime) {
    return booted(previous.instant().plus(downtime), Duration.ofNanos(previous.nanoTime() / 2));
  }

  /** A machine whose wall clock reads {@code wall}, booted {@code uptime} ago. */
  private static ManualTicker booted(Instant wall, Duration uptime) {
    ManualTicker t = ManualTicker.startingAt(wall.minus(uptime));
    t.advance(uptime);
    return t;
  }

  /** A first life, on a machine up for 30 days. */
  private static ManualTicker booted(Instant wall) {
    return booted(wall, Duration.ofDays(30));
  }

  /** Starts the next process after {@code downtime} on the same state folder; returns its service spend this hour. */
  private Cost spentAfterRestart(ManualTicker previous, Duration downtime) {
    ManualTicker next = nextProcess(previous, downtime);
    try (RunawayGuard again = guard(next, ledger(next))) {
      return spent(again.snapshot("openai"), 0);
    }
  }

  @Test
  void restart_resumesTheSpendOfEveryWindowAndKey() {
    ManualTicker first = booted(ManualTicker.create().instant()).advance(Duration.ofMinutes(90));
    try (RunawayGuard guard = guard(first, ledger(first))) {
      guard.call("openai", Cost.usd("6"), () -> "ok");
      guard.service("openai").forKey("tenant-1").call(Cost.usd("1.5"), () -> "ok");
    }

    ManualTicker second = nextProcess(first, Duration.ofMinutes(5));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      ServiceSnapshot s = guard.snapshot("openai");
      assertThat(spent(s, 0)).isEqualTo(Cost.usd("7.5"));
      assertThat(spent(s, 1)).isEqualTo(Cost.usd("7.5"));
      assertThat(spent(s, 2)).isEqualTo(Cost.usd("7.5"));
      assertThat(guard.service("openai").forKey("tenant-1").snapshot().windows().get(0).spent())
          .isEqualTo(Cost.usd("1.5"));
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("3"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class).hasMessageContaining("hourly budget");
      assertThatThrownBy(() -> guard.service("openai").forKey("tenant-1").call(Cost.usd("0.6"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
      guard.call("openai", Cost.usd("2.5"), () -> "fits exactly");
    }
  }

  @Test
  void restoredSpend_leavesTheSlidingWindowWhenTheSavedBucketWouldHave() {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("10")); // in the bucket [0s, 60s) of the first process
    // The second process starts 30 minutes later with an unrelated monotonic origin.
    ManualTicker second = booted(first.instant().plus(Duration.ofMinutes(30)), Duration.ZERO);
    second.advance(Duration.ofSeconds(17));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      BudgetExceededException e = org.junit.jupiter.api.Assertions.assertThrows(BudgetExceededException.class,
          () -> guard.call("openai", Cost.usd("1"), () -> "no"));
      // In the first process the spend would have left at minute 61 of its wall clock: its bucket
      // ended at 1:00, and a bucket leaves once its whole span is an hour old.
      assertThat(e.retryAfter()).contains(Duration.ofMinutes(31).minusSeconds(17));
      second.advance(Duration.ofMinutes(31).minusSeconds(17).minusNanos(1));
      assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.usd("10"));
      second.advanceNanos(1);
      assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard.snapshot("openai"), 1)).isEqualTo(Cost.usd("10"));
      guard.call("openai", Cost.usd("9"), () -> "room again");
    }
  }

  @Test
  void restoredSpend_alreadyOutOfTheWindowIsDropped() {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("4"));
    ManualTicker second = nextProcess(first, Duration.ofHours(2));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      ServiceSnapshot s = guard.snapshot("openai");
      assertThat(spent(s, 0)).isEqualTo(Cost.ZERO);
      assertThat(spent(s, 1)).isEqualTo(Cost.usd("4"));
    }
  }

  @Test
  void calendarDay_isRestoredOnTheSameDayOnly() {
    // 23:00 in Berlin: one hour before midnight there.
    ManualTicker first = booted(Instant.parse("2026-01-05T22:00:00Z"));
    spendInOneLife(first, Cost.usd("3"));
    ManualTicker sameDay = nextProcess(first, Duration.ofMinutes(59));
    try (RunawayGuard guard = guard(sameDay, ledger(sameDay))) {
      assertThat(spent(guard.snapshot("openai"), 2)).isEqualTo(Cost.usd("3"));
    }
    ManualTicker nextDay = nextProcess(sameDay, Duration.ofMinutes(2));
    try (RunawayGuard guard = guard(nextDay, ledger(nextDay))) {
      assertThat(spent(guard.snapshot("openai"), 2)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard.snapshot("openai"), 1)).isEqualTo(Cost.usd("3"));
    }
  }

  @Test
  void reservationInFlightAtACrash_isSavedAsSpend() {
    ManualTicker first = booted(ManualTicker.create().instant());
    PersistentLedger ledger = ledger(first);
    RunawayGuard guard = guard(first, ledger);
    guard.call("openai", Cost.usd("1"), () -> "ok");
    Reservation inFlight = guard.reserve("openai", Cost.usd("2"));
    ledger.flush();
    // Crash: neither the guard nor the ledger is closed; a second ledger cannot take the lock
    // while the first holds it, so release it the way the kernel does for a killed process.
    simulateCrash(ledger);

    assertThat(spentAfterRestart(first, Duration.ofSeconds(3))).isEqualTo(Cost.usd("3"));
    assertThat(inFlight).isNotNull();
  }

  @Test
  void spendAfterTheLastFlush_isTheOnlyLossOfACrash() {
    ManualTicker first = booted(ManualTicker.create().instant());
    PersistentLedger ledger = ledger(first);
    RunawayGuard guard = guard(first, ledger);
    guard.call("openai", Cost.usd("1"), () -> "ok");
    ledger.flush();
    guard.call("openai", Cost.usd("0.25"), () -> "after the flush");
    simulateCrash(ledger);

    assertThat(spentAfterRestart(first, Duration.ofSeconds(1))).isEqualTo(Cost.usd("1"));
  }

  @Test
  void refusal_savesTheExhaustedBudgetAtOnce() throws Exception {
    ManualTicker first = booted(ManualTicker.create().instant());
    PersistentLedger ledger = ledger(first);
    RunawayGuard guard = guard(first, ledger);
    guard.call("openai", Cost.usd("10"), () -> "the whole hour");
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("1"), () -> "no"))
        .isInstanceOf(BudgetExceededException.class);
    scheduler.submit(() -> { }).get(); // the flusher thread has run what the refusal queued
    simulateCrash(ledger); // before any periodic flush

    assertThat(spentAfterRestart(first, Duration.ofSeconds(1))).isEqualTo(Cost.usd("10"));
  }

  @Test
  void unusedKeys_stayInTheFileUntilTheirSpendLeavesTheWindow() {
    ManualTicker first = booted(ManualTicker.create().instant());
    try (RunawayGuard guard = guard(first, ledger(first))) {
      guard.service("openai").forKey("quiet").call(Cost.usd("1"), () -> "ok");
    }
    // A second life that never sees the key still writes its spend back.
    ManualTicker second = nextProcess(first, Duration.ofMinutes(10));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      guard.call("openai", Cost.usd("0.1"), () -> "ok");
    }
    ManualTicker third = nextProcess(second, Duration.ofMinutes(10));
    try (RunawayGuard guard = guard(third, ledger(third))) {
      assertThat(guard.service("openai").forKey("quiet").snapshot().windows().get(0).spent())
          .isEqualTo(Cost.usd("1"));
    }
    ManualTicker late = nextProcess(third, Duration.ofHours(2));
    PersistentLedger l = ledger(late);
    l.flush();
    l.close();
    ManualTicker later = nextProcess(late, Duration.ofMinutes(1));
    try (RunawayGuard guard = guard(later, ledger(later))) {
      assertThat(guard.service("openai").forKey("quiet").snapshot().windows().get(0).spent()).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void limitsMayChangeAcrossRestarts_spendIsKept() {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("8"));
    ManualTicker second = nextProcess(first, Duration.ofMinutes(1));
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("20"))).budget(Budget.of(Cost.usd("5"),
            Duration.ofMinutes(10))))
        .ticker(second).ledger(ledger(second)).alertSink(a -> { }).build()) {
      ServiceSnapshot s = guard.snapshot("openai");
      assertThat(spent(s, 0)).isEqualTo(Cost.usd("8"));
      assertThat(spent(s, 1)).as("a window the file did not have starts empty").isEqualTo(Cost.ZERO);
    }
  }

  static Stream<Arguments> corruptFiles() {
    byte[] valid = validFileBytes();
    byte[] flipped = valid.clone();
    flipped[flipped.length - 3] ^= 0x40;
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 5);
    byte[] newer = valid.clone();
    newer[5] = 9;
    return Stream.of(
        Arguments.of("garbage", "not a state file at all, just text".getBytes()),
        Arguments.of("empty", new byte[0]),
        Arguments.of("flipped bit", flipped),
        Arguments.of("truncated", truncated),
        Arguments.of("newer format", newer));
  }

  private static byte[] validFileBytes() {
    try {
      return StateFile.encode(List.of(new StateFile.AccountState("openai", null,
          List.of(WindowState.sliding(Duration.ofHours(1).toNanos(), new long[] {1L}, new long[] {5L})))), java.util.Map.of());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptFiles")
  void corruptStateFile_warnsExactlyOnceAndTheGuardWorks(String what, byte[] content) throws Exception {
    Path file = dir.resolve(PersistentLedger.FILE_NAME);
    Files.write(file, content);
    ManualTicker ticker = booted(ManualTicker.create().instant());
    int mark = LogCapture.mark();

    PersistentLedger ledger = ledger(ticker);
    try (RunawayGuard guard = guard(ticker, ledger)) {
      assertThat(guard.call("openai", Cost.usd("1"), () -> "works")).isEqualTo("works");
      assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.usd("1"));
      ledger.flush();
      ledger.flush();
    }

    List<LogCapture.Event> warnings = LogCapture.since(mark).stream()
        .filter(e -> e.logger().equals(LOGGER) && e.level().toInt() >= Level.WARN.toInt()).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).message()).contains(file.toString()).contains("not usable")
        .contains("moved to " + file + PersistentLedger.BAD_SUFFIX);
    assertThat(dir.resolve(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX)).hasBinaryContent(content);
    assertThat(StateFile.decode(Files.readAllBytes(file)).accounts()).hasSize(1);
  }

  /**
   * A state file damaged after it was written (a disk error, an edit, another program) handed the
   * saved spend back: the guard started from empty budgets with one WARN (nu28 trial). Every flush
   * now also writes a backup copy of the same bytes, read when the state file is unusable.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptFiles")
  void damagedStateFile_isRestoredFromItsBackupCopy(String what, byte[] content) throws Exception {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("6"));
    Path file = dir.resolve(PersistentLedger.FILE_NAME);
    assertThat(StateStore.backupOf(file)).hasSameBinaryContentAs(file);
    Files.write(file, content);
    int mark = LogCapture.mark();

    assertThat(spentAfterRestart(first, Duration.ofMinutes(5))).isEqualTo(Cost.usd("6"));
    assertThat(LogCapture.since(mark).stream().filter(e -> e.logger().equals(LOGGER) && e.level() == Level.WARN))
        .singleElement().extracting(LogCapture.Event::message).asString()
        .contains("not usable").contains("restored from its backup copy").contains(".bad");
  }

  @Test
  void damagedStateFile_andDamagedBackup_startFromEmptyBudgets_sayingBoth_andKeepEachBadFile() throws Exception {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("6"));
    Path file = dir.resolve(PersistentLedger.FILE_NAME);
    Files.write(file, "garbage one".getBytes());
    Files.write(StateStore.backupOf(file), "garbage two".getBytes());
    int mark = LogCapture.mark();

    assertThat(spentAfterRestart(first, Duration.ofMinutes(5))).isEqualTo(Cost.ZERO);
    assertThat(LogCapture.since(mark).stream().filter(e -> e.logger().equals(LOGGER) && e.level() == Level.WARN))
        .singleElement().extracting(LogCapture.Event::message).asString()
        .contains("backup copy").contains("not restored").contains("empty budgets");
    // A second damaged file is moved aside beside the first instead of over it.
    Files.write(file, "garbage three".getBytes());
    Files.write(StateStore.backupOf(file), "garbage four".getBytes());
    spentAfterRestart(first, Duration.ofMinutes(6));
    assertThat(dir.resolve(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX)).hasContent("garbage one");
    assertThat(dir.resolve(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX + ".1")).hasContent("garbage three");
  }

  @Test
  void stateFileDeletedByHand_startsFromEmptyBudgets_itsBackupIsNotRead() throws Exception {
    ManualTicker first = booted(ManualTicker.create().instant());
    spendInOneLife(first, Cost.usd("6"));
    Files.delete(dir.resolve(PersistentLedger.FILE_NAME));
    int mark = LogCapture.mark();
    assertThat(spentAfterRestart(first, Duration.ofMinutes(5))).isEqualTo(Cost.ZERO);
    assertThat(LogCapture.since(mark).stream().filter(e -> e.logger().equals(LOGGER) && e.level() == Level.WARN))
        .isEmpty();
  }

  @Test
  void unwritableStateFile_warnsOncePerEpisodeAndTheGuardKeepsCounting() throws IOException {
    ManualTicker ticker = booted(ManualTicker.create().instant());
    PersistentLedger ledger = ledger(ticker);
    RunawayGuard guard = guard(ticker, ledger);
    // A directory where the file should be: the atomic rename over it fails, even for root.
    Path blocker = Files.createDirectories(dir.resolve(PersistentLedger.FILE_NAME).resolve("blocker"));
    int mark = LogCapture.mark();

    guard.call("openai", Cost.usd("1"), () -> "ok");
    ledger.flush();
    guard.call("openai", Cost.usd("1"), () -> "ok");
    ledger.flush();
    assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.usd("2"));
    List<LogCapture.Event> events = LogCapture.since(mark).stream().filter(e -> e.logger().equals(LOGGER)).toList();
    assertThat(events).filteredOn(e -> e.level() == Level.WARN).hasSize(1)
        .first().extracting(LogCapture.Event::message).asString()
        .contains("Cannot write state file " + dir.resolve(PersistentLedger.FILE_NAME)).contains("writable");

    Files.delete(blocker);
    Files.delete(blocker.getParent());
    ledger.flush();
    assertThat(LogCapture.since(mark).stream().filter(e -> e.logger().equals(LOGGER) && e.level() == Level.INFO))
        .singleElement().extracting(LogCapture.Event::message).asString().contains("written again");
    guard.close();
    assertThat(spentAfterRestart(ticker, Duration.ofSeconds(1))).isEqualTo(Cost.usd("2"));
  }

  @Test
  void writeSection_refusesTheLedgersOwnSectionNames() {
    ManualTicker ticker = booted(ManualTicker.create().instant());
    try (PersistentLedger ledger = ledger(ticker)) {
      for (String reserved : List.of("ledger", "baselines", "ledger-clock")) {
        assertThatThrownBy(() -> ledger.writeSection(reserved, () -> new byte[0]))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'" + reserved + "' is reserved");
      }
      ledger.writeSection("breakers", () -> new byte[0]);
    }
  }

  @Test
  void stateDirInUse_secondLedgerWaitsThenRefusesToStartWithAFreshBudget() {
    // Changed deliberately (issue 17): it used to warn and run in memory with a fresh budget.
    ManualTicker ticker = booted(ManualTicker.create().instant());
    try (PersistentLedger first = ledger(ticker); RunawayGuard guard = guard(ticker, first)) {
      guard.call("openai", Cost.usd("6"), () -> "ok");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1),
          Duration.ofMillis(300)))
          .isInstanceOf(PersistentLedger.StateDirLockedException.class)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dir.toString()).hasMessageContaining("in use by another running guard")
          .hasMessageContaining("300 ms").hasMessageContaining("fresh budget");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(first.isPersistent()).isTrue();
    }
  }

  @Test
  void stateDirInUse_secondLedgerResumesTheFirstsSpendOnceItIsReleased() throws Exception {
    ManualTicker ticker = booted(ManualTicker.create().instant());
    PersistentLedger first = ledger(ticker);
    RunawayGuard guard = guard(ticker, first);
    guard.call("openai", Cost.usd("6"), () -> "ok");
    // The old instance exits while the new one waits for the lock.
    Thread exiting = new Thread(guard::close);
    java.util.concurrent.CompletableFuture<PersistentLedger> second = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1), Duration.ofSeconds(30)));
    exiting.start();
    exiting.join();
    try (PersistentLedger ledger = second.get(30, java.util.concurrent.TimeUnit.SECONDS);
        RunawayGuard again = guard(ticker, ledger)) {
      assertThat(ledger.isPersistent()).isTrue();
      assertThat(spent(again.snapshot("openai"), 0)).isEqualTo(Cost.usd("6"));
      assertThatThrownBy(() -> again.call("openai", Cost.usd("4.5"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void stateDirWhoseLockCannotBeMade_stillRestoresTheSavedSpend() throws IOException {
    ManualTicker first = booted(ManualTicker.create().instant());
    try (RunawayGuard guard = guard(first, ledger(first))) {
      guard.call("openai", Cost.usd("8"), () -> "ok");
      guard.service("openai").forKey("tenant-1").call(Cost.usd("1.5"), () -> "ok");
    }
    // As in a read-only directory (tests may run as root, for whom permissions do not stop
    // writes): the lock file cannot be opened for writing.
    Files.delete(dir.resolve(PersistentLedger.LOCK_NAME));
    Files.createDirectory(dir.resolve(PersistentLedger.LOCK_NAME));
    int mark = LogCapture.mark();
    ManualTicker second = nextProcess(first, Duration.ofMinutes(5));
    try (PersistentLedger ledger = ledger(second); RunawayGuard guard = guard(second, ledger)) {
      assertThat(ledger.isPersistent()).isFalse();
      assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.usd("9.5"));
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.6"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
      assertThat(guard.service("openai").forKey("tenant-1").snapshot().windows().get(0).spent())
          .isEqualTo(Cost.usd("1.5"));
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.logger().equals(LOGGER) && e.level() == Level.WARN)
        .singleElement().extracting(LogCapture.Event::message).asString().contains("cannot be used for writing")
        .contains("restored");
  }

  @Test
  void stateDirThatCannotBeCreated_warnsAndStaysInMemory() throws IOException {
    Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
    int mark = LogCapture.mark();
    ManualTicker ticker = booted(ManualTicker.create().instant());
    try (PersistentLedger ledger = PersistentLedger.open(notADir.resolve("state"), ticker, scheduler,
        Duration.ofHours(1)); RunawayGuard guard = guard(ticker, ledger)) {
      assertThat(ledger.isPersistent()).isFalse();
      guard.call("openai", Cost.usd("1"), () -> "works in memory");
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.logger().equals(LOGGER) && e.level() == Level.WARN)
        .singleElement().extracting(LogCapture.Event::message).asString().contains("cannot be used for writing");
  }

  @Test
  void builderStateDir_persistsAcrossGuards() {
    ManualTicker first = booted(ManualTicker.create().instant());
    try (RunawayGuard guard = RunawayGuard.builder().service("svc", s -> s.budget(Budget.hourly(Cost.usd("1"))))
        .ticker(first).stateDir(dir).alertSink(a -> { }).build()) {
      guard.call("svc", Cost.usd("0.75"), () -> "ok");
    }
    ManualTicker second = nextProcess(first, Duration.ofSeconds(2));
    try (RunawayGuard guard = RunawayGuard.builder().service("svc", s -> s.budget(Budget.hourly(Cost.usd("1"))))
        .ticker(second).stateDir(dir).alertSink(a -> { }).build()) {
      assertThatThrownBy(() -> guard.call("svc", Cost.usd("0.5"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void configStateDir_makesTheGuardFromConfigPersistent() {
    String json = "{\"cost_thresholds\": {\"openai\": {\"hourly\": 1.0, \"daily\": 10.0}},"
        + " \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\"}";
    dev.runaway.config.MonitorConfig config = dev.runaway.config.MonitorConfig.parse(json);
    ManualTicker first = booted(ManualTicker.create().instant());
    try (RunawayGuard guard = RunawayGuard.builder(config).ticker(first).alertSink(a -> { }).build()) {
      guard.call("openai", Cost.usd("0.8"), () -> "ok");
    }
    assertThat(dir.resolve(PersistentLedger.FILE_NAME)).exists();
    ManualTicker second = nextProcess(first, Duration.ofSeconds(5));
    try (RunawayGuard guard = RunawayGuard.builder(config).ticker(second).alertSink(a -> { }).build()) {
      assertThat(spent(guard.snapshot("openai"), 0)).isEqualTo(Cost.usd("0.8"));
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.3"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void baselines_surviveARestartAndUnclaimedOnesAreKept() {
    ManualTicker ticker = booted(ManualTicker.create().instant());
    StringBuilder meter = new StringBuilder("learned");
    try (PersistentLedger ledger = ledger(ticker)) {
      ledger.trackBaseline("openai", null, meter, m -> m.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ledger.trackBaseline("openai", "tenant-1", meter, m -> new byte[] {7});
      ledger.trackBaseline("stripe", null, meter, m -> null); // nothing learned yet: not saved
    }
    try (PersistentLedger ledger = ledger(ticker)) {
      assertThat(ledger.restoredBaseline("openai", null)).hasValueSatisfying(b -> assertThat(new String(b,
          java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("learned"));
      assertThat(ledger.restoredBaseline("openai", null)).as("handed out once").isEmpty();
      assertThat(ledger.restoredBaseline("stripe", null)).isEmpty();
      // tenant-1 is not claimed in this life: it is written back for the next.
    }
    try (PersistentLedger ledger = ledger(ticker)) {
      assertThat(ledger.restoredBaseline("openai", "tenant-1")).hasValueSatisfying(b -> assertThat(b).containsExactly(7));
    }
  }

  @Test
  void sections_roundTripBesideTheLedger() {
    ManualTicker ticker = booted(ManualTicker.create().instant());
    try (PersistentLedger ledger = ledger(ticker)) {
      ledger.writeSection("extra", () -> new byte[] {1, 2, 3});
      ledger.flush();
    }
    try (PersistentLedger ledger = ledger(ticker)) {
      assertThat(ledger.restoredSection("extra")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertThat(ledger.restoredSection("other")).isEmpty();
    }
  }

  /** What the kernel does to a SIGKILLed process: its file lock goes, nothing else happens. */
  private static void simulateCrash(PersistentLedger ledger) {
    try {
      java.lang.reflect.Field storeField = PersistentLedger.class.getDeclaredField("store");
      storeField.setAccessible(true);
      StateStore store = (StateStore) storeField.get(ledger);
      java.lang.reflect.Field stopped = StateStore.class.getDeclaredField("stopped");
      java.lang.reflect.Field lock = StateStore.class.getDeclaredField("lock");
      java.lang.reflect.Field flushLock = StateStore.class.getDeclaredField("flushLock");
      stopped.setAccessible(true);
      lock.setAccessible(true);
      flushLock.setAccessible(true);
      synchronized (flushLock.get(store)) {
        stopped.setBoolean(store, true);
      }
      ((java.nio.channels.FileLock) lock.get(store)).channel().close();
    } catch (ReflectiveOperationException | IOException e) {
      throw new AssertionError(e);
    }
  }
}
