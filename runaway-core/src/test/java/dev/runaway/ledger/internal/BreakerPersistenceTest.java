package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.TripReason;
import dev.runaway.internal.SavedBreakers;
import dev.runaway.testing.LogCapture;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A service breaker that is open when its guard stops stays open in the next guard on the same
 * state folder, for the rest of its open period: a crash-looping or restarted runaway (a cron job,
 * a pod restarted by its orchestrator) does not start each life with its breaker closed.
 */
final class BreakerPersistenceTest extends StateDirFixture {

  private static final String DETAIL = "spend 40x the baseline";

  private RunawayGuard guard(ManualTicker ticker) {
    return guard(ticker, Budget.hourly(Cost.usd("10")));
  }

  /** A guard whose alerts go to {@code alerts}. */
  private RunawayGuard guard(ManualTicker ticker, List<? super Alert> alerts) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.03")))
        .ticker(ticker).alertSink(alerts::add).ledger(ledger(ticker)).build();
  }

  private RunawayGuard guard(ManualTicker ticker, Budget budget) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(budget).estimate(Cost.usd("0.03")))
        .ticker(ticker).alertSink(a -> { }).ledger(ledger(ticker)).build();
  }

  /** A guard whose breaker trips (BURN_RATE, 60 s wait) and which stops 20 s later. */
  private void tripThenStopAfter20s(ManualTicker ticker) {
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
      ticker.advance(Duration.ofSeconds(20));
    }
  }

  /** Whether a refusal's retry-after is {@code seconds}, give or take one. */
  private static void assertRetryAfterAbout(CircuitOpenException e, long seconds) {
    assertThat(e.retryAfter()).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofSeconds(seconds - 1),
        Duration.ofSeconds(seconds + 1)));
  }

  private static CircuitOpenException refusal(RunawayGuard guard) {
    return catchThrowableOfType(CircuitOpenException.class, () -> guard.call("llm", () -> "ok"));
  }

  @Test
  void trippedBreaker_isOpenAfterARestart_withItsReason_thenHalfOpensAfterTheRestOfItsWait() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.call("llm", () -> "ok");
      assertThat(guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL)).isTrue();
      ticker.advance(Duration.ofSeconds(20));
    }
    ticker.advance(Duration.ofSeconds(5)); // the restart takes 5 s

    try (RunawayGuard guard = guard(ticker)) {
      CircuitOpenException e = refusal(guard);
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(TripReason.BURN_RATE);
      assertThat(e.detail()).contains(DETAIL);
      assertThat(e.retryAfter()).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofSeconds(34),
          Duration.ofSeconds(36)));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.OPEN);

      ticker.advance(Duration.ofSeconds(35));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
      assertThat(guard.call("llm", () -> "trial")).isEqualTo("trial"); // the paced trial of a spend trip
    }
  }

  @Test
  void restoredSpendTrip_stillJudgesTheCaller_andClosesOnceItHasStayedQuiet() {
    ManualTicker ticker = ManualTicker.create();
    ticker.advance(Duration.ofHours(1)); // a clock far from zero: an idle judge would call the caller quiet
    tripThenStopAfter20s(ticker);
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(refusal(guard)).isNotNull();
      ticker.advance(Duration.ofSeconds(41));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
      // A caller that keeps looping keeps it half-open: one paced trial per 20 s, the rest refused.
      int admitted = 0;
      for (int i = 0; i < 600; i++) {
        try {
          guard.call("llm", () -> "ok");
          admitted++;
        } catch (CircuitOpenException e) {
          // refused
        }
        ticker.advance(Duration.ofMillis(100));
      }
      assertThat(admitted).isBetween(3, 4);
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
      // Quiet for the 10 min confirmation period: it closes.
      ticker.advance(Duration.ofMinutes(11));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void restoredBreaker_isSaidOnceAtWarn_andRaisesNoAlert() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.CALL_RATE, DETAIL);
    }
    int mark = LogCapture.mark();
    List<Object> alerts = new ArrayList<>();
    try (RunawayGuard guard = guard(ticker, alerts)) {
      assertThat(refusal(guard)).isNotNull();
    }
    assertThat(alerts).isEmpty();
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN)
        .filteredOn(e -> e.message().contains("Circuit breaker of service llm")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("CALL_RATE").contains(DETAIL)
            .contains("2026-01-05T00:00:00Z").contains("guard.breaker(\"llm\").reset()")
            .contains("runaway-monitor resume llm"));
  }

  @Test
  void restoredBreaker_alertsOfItsEpisode_giveNoRateOfThisProcess_andSayItWasRestored() {
    ManualTicker ticker = ManualTicker.create();
    tripThenStopAfter20s(ticker); // opened at 2026-01-05T00:00:00Z
    List<Alert> alerts = new ArrayList<>();
    try (RunawayGuard guard = guard(ticker, alerts)) {
      ticker.advance(Duration.ofSeconds(41));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
      ticker.advance(Duration.ofMinutes(11));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      // A trip of this process's own: its figures are this process's, and said.
      guard.breaker("llm").trip(TripReason.BURN_RATE, "measured here");
    }
    List<Alert> breaker = alerts.stream().filter(a -> a.type() == AlertType.CIRCUIT_BREAKER).toList();
    assertThat(breaker).extracting(a -> a.facts().get("breaker")).containsExactly("HALF_OPEN", "CLOSED", "OPEN");
    assertThat(breaker.subList(0, 2)).allSatisfy(a -> {
      // Before: "rate=$0.00/h", "projected_hour=$0.00" of a process that never saw the runaway.
      assertThat(a.facts()).doesNotContainKeys("rate", "calls_per_minute", "projected_hour", "projected_day")
          .containsEntry("restored_from", "state file").containsEntry("opened_at", "2026-01-05T00:00:00Z");
      assertThat(a.detail()).contains("opened at 2026-01-05T00:00:00Z by an earlier process and restored from the"
          + " state file").doesNotContain("$0.00");
    });
    assertThat(breaker.get(1).facts()).containsEntry("resolved", "true");
    assertThat(breaker.get(2).facts()).containsKey("rate").doesNotContainKey("restored_from");
  }

  @Test
  void breakerRestoredHalfOpen_saysByWhenItOpened_notAMomentAfterItOpened() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL); // at 00:00:00
      ticker.advance(Duration.ofSeconds(70));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }
    int mark = LogCapture.mark();
    List<Alert> alerts = new ArrayList<>();
    try (RunawayGuard guard = guard(ticker, alerts)) {
      ticker.advance(Duration.ofMinutes(11));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
    // Saved half-open at 00:01:10: it had waited its 60 s by then, so it opened by 00:00:10 (it said
    // "opened at 2026-01-05T00:00:10Z" before).
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("Circuit breaker of service llm"))
        .singleElement().satisfies(e -> assertThat(e.message()).contains("opened by 2026-01-05T00:00:10Z at the"
            + " latest"));
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.CIRCUIT_BREAKER).singleElement().satisfies(a -> {
      assertThat(a.facts()).containsEntry("breaker", "CLOSED").containsEntry("opened_by", "2026-01-05T00:00:10Z")
          .doesNotContainKeys("opened_at", "rate");
      assertThat(a.detail()).contains("opened by 2026-01-05T00:00:10Z at the latest by an earlier process");
    });
  }

  @Test
  void restoredBreaker_closesByHand_andStaysClosedAfterTheNextRestart() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
    }
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(refusal(guard)).isNotNull();
      guard.breaker("llm").reset();
      assertThat(guard.call("llm", () -> "ok")).isEqualTo("ok");
    }
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.call("llm", () -> "ok")).isEqualTo("ok");
    }
  }

  @Test
  void breakerResetBeforeTheRestart_doesNotComeBackOpen() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
      guard.breaker("llm").reset();
    }
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.call("llm", () -> "ok")).isEqualTo("ok");
    }
  }

  @Test
  void forcedOpenBreaker_staysForcedOpenUntilReset() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").forceOpen("incident 42: stop all LLM calls");
    }
    ticker.advance(Duration.ofHours(3));
    int mark = LogCapture.mark();
    try (RunawayGuard guard = guard(ticker)) {
      // Forced open at 00:00:00 and saved then: not "opened at 23:59:00" (the saved moment less the wait).
      assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("Circuit breaker of service llm"))
          .singleElement().satisfies(e -> assertThat(e.message()).contains("opened by 2026-01-05T00:00:00Z at the"
              + " latest"));
      CircuitOpenException e = refusal(guard);
      assertThat(e.state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
      assertThat(e.reason()).isEqualTo(TripReason.MANUAL);
      assertThat(e.detail()).isEqualTo("incident 42: stop all LLM calls");
      assertThat(e.retryAfter()).isEmpty();
      guard.breaker("llm").reset();
    }
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.call("llm", () -> "ok")).isEqualTo("ok");
    }
  }

  @Test
  void failureTrip_judgesTheApi_andIsNotKept() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.03"))
            .breaker(CircuitBreakerConfig.builder().failureThreshold(1).build()))
        .ticker(ticker).alertSink(a -> { }).ledger(ledger(ticker)).build()) {
      assertThatThrownBy(() -> guard.call("llm", () -> {
        throw new IllegalStateException("HTTP 500");
      })).isInstanceOf(IllegalStateException.class);
      assertThat(guard.breaker("llm").tripReason()).hasValue(TripReason.FAILURES);
    }
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void wallClockSteppedForwards_doesNotShortenTheRest() {
    ManualTicker ticker = ManualTicker.create();
    tripThenStopAfter20s(ticker);
    ticker.setInstant(ticker.instant().plus(Duration.ofHours(2)));
    try (RunawayGuard guard = guard(ticker)) {
      assertRetryAfterAbout(refusal(guard), 40);
    }
  }

  @Test
  void wallClockSteppedBackwards_doesNotLengthenItPastWhatRemainedAtTheWrite() {
    ManualTicker ticker = ManualTicker.create();
    tripThenStopAfter20s(ticker);
    ticker.advance(Duration.ofSeconds(10));
    ticker.setInstant(ticker.instant().minus(Duration.ofHours(2)));
    try (RunawayGuard guard = guard(ticker)) {
      // The clocks disagree: the longer rest is kept, but never more than the 40 s left at the write.
      assertRetryAfterAbout(refusal(guard), 40);
    }
  }

  @Test
  void afterAReboot_theWallClockMeasuresTheDowntime_andABackwardsStepNeverExceedsTheWait() {
    ManualTicker first = ManualTicker.create();
    first.advance(Duration.ofDays(3)); // the old machine's uptime
    tripThenStopAfter20s(first);
    // A new boot: its monotonic clock starts again near zero.
    ManualTicker rebooted = ManualTicker.startingAt(first.instant().plusSeconds(30));
    try (RunawayGuard guard = guard(rebooted)) {
      assertRetryAfterAbout(refusal(guard), 10);
    }
    ManualTicker steppedBack = ManualTicker.startingAt(first.instant().minus(Duration.ofDays(1)));
    try (RunawayGuard guard = guard(steppedBack)) {
      // Saved at the last close with 10 s left: never more than that, never more than the 60 s wait.
      assertThat(refusal(guard).retryAfter()).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(
          Duration.ofSeconds(11)));
    }
  }

  @Test
  void damagedStateFile_breakerComesBackFromTheBackupCopy() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").trip(TripReason.BUDGET, DETAIL);
    }
    Path file = dir.resolve(PersistentLedger.FILE_NAME);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 0x5a;
    Files.write(file, bytes);
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(refusal(guard).reason()).isEqualTo(TripReason.BUDGET);
    }
  }

  /**
   * Restarts on a state file with $2 of spend and {@code section} as its breakers section, checks
   * that the breaker starts closed and the spend is kept, and returns the one warning said.
   */
  private LogCapture.Event restartOnBreakersSection(byte[] section) {
    ManualTicker ticker = ManualTicker.create();
    try (PersistentLedger ledger = ledger(ticker)) {
      ledger.account("llm", null, List.of(Budget.hourly(Cost.usd("10")))).record(Cost.usd("2").nanos(),
          ticker.nanoTime());
      ledger.writeSection(SavedBreakers.SECTION, () -> section);
    }
    int mark = LogCapture.mark();
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(Cost.usd("2"));
    }
    List<LogCapture.Event> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).toList();
    assertThat(warnings).hasSize(1);
    return warnings.get(0);
  }

  @Test
  void unreadableBreakersSection_isSaidOnce_breakersStartClosed_andTheSpendIsKept() {
    // Version 1, cut short.
    assertThat(restartOnBreakersSection(new byte[] {0, 1, 0, 0, 0, 3, 'x'}).message())
        .contains("circuit breakers saved in").contains("the services' breakers start closed");
  }

  /** A breakers section as a newer release might write it: version 2, one entry of unknown layout. */
  private static final byte[] NEWER_SECTION = {0, 2, 0, 0, 0, 1, 0, 3, 'l', 'l', 'm', 42, 42, 42, 42};

  @Test
  void breakersSectionOfANewerRelease_isSkippedWithOneWarningNamingIt_andTheSpendIsKept() {
    assertThat(restartOnBreakersSection(NEWER_SECTION).message()).contains("circuit breakers saved in state file")
        .contains(dir.resolve(PersistentLedger.FILE_NAME).toString()).contains("'breakers' section (15 bytes)")
        .contains("version 2, written by a newer release").contains("reads version 1")
        .contains("the services' breakers start closed");
  }

  /**
   * Restarts a guard whose service breaker and key breaker were saved open, with {@code keySection}
   * in place of the keys' section, and returns the one warning said about it.
   */
  private LogCapture.Event restartOnKeySection(byte[] keySection) {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      guard.breaker("llm").forceOpen("incident 42");
      guard.service("llm").forKey("t1").breaker().forceOpen("incident 43");
    }
    try (PersistentLedger ledger = ledger(ticker)) {
      byte[] services = ledger.restoredSection(SavedBreakers.SECTION).orElseThrow();
      ledger.writeSection(SavedBreakers.SECTION, () -> services);
      ledger.writeSection(SavedBreakers.KEY_SECTION, () -> keySection);
    }
    int mark = LogCapture.mark();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
      assertThat(guard.service("llm").forKey("t1").breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
    List<LogCapture.Event> said = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN)
        .filter(e -> e.message().contains("circuit breakers saved in")).toList();
    assertThat(said).hasSize(1);
    return said.get(0);
  }

  @Test
  void keySectionOfANewerRelease_saysTheKeysBreakersStartClosed_notEveryBreaker() {
    // The service's breaker was restored (forced open): "every breaker starts closed" was wrong.
    assertThat(restartOnKeySection(NEWER_SECTION).message()).contains("'key-breakers' section")
        .contains("the keys' breakers start closed").doesNotContain("every breaker").doesNotContain("services'");
  }

  @Test
  void unreadableKeySection_saysTheKeysBreakersStartClosed_notEveryBreaker() {
    assertThat(restartOnKeySection(new byte[] {0, 1, 0, 0, 0, 3, 'x'}).message()).contains("cannot be read")
        .contains("the keys' breakers start closed").doesNotContain("every breaker").doesNotContain("services'");
  }

  @Test
  void resumeWhileStopped_leavesABreakersSectionOfANewerReleaseAsItIs_andSaysSo() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (PersistentLedger ledger = ledger(ticker)) {
      ledger.writeSection(SavedBreakers.SECTION, () -> NEWER_SECTION);
    }
    int mark = LogCapture.mark();
    assertThat(SavedBreakers.clear(dir, "llm")).isEmpty();
    assertThat(StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME))).sections())
        .hasEntrySatisfying(SavedBreakers.SECTION, b -> assertThat(b).containsExactly(NEWER_SECTION));
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("left as they are").contains("version 2")
            .contains("runaway-monitor resume"));
  }

  @Test
  void resumeWhileTheApplicationRuns_saysSoBeforeItsFirstFlushToo() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.breaker("llm").forceOpen("incident 42");
      // The CI failure: the running guard had not written its state file yet, so resume found no
      // file, said nothing was stopped, and never told the user to close the breaker in the app.
      Files.deleteIfExists(dir.resolve(PersistentLedger.FILE_NAME));
      assertThatThrownBy(() -> SavedBreakers.clear(dir, "llm"))
          .isInstanceOf(PersistentLedger.StateDirLockedException.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void resumeWhileStopped_withADamagedKeySection_closesTheServiceBreaker_andLeavesThatSectionAsItIs()
      throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
    }
    byte[] damaged = {0, 1, 0, 0, 0, 3, 'x'};
    try (PersistentLedger ledger = ledger(ticker)) {
      byte[] services = ledger.restoredSection(SavedBreakers.SECTION).orElseThrow();
      ledger.writeSection(SavedBreakers.SECTION, () -> services);
      ledger.writeSection(SavedBreakers.KEY_SECTION, () -> damaged);
    }
    int mark = LogCapture.mark();
    // Found by review: the resume threw halfway (the service's entry already dropped, the damaged
    // section lost with the rewrite) and runaway-monitor resume reported a failure.
    assertThat(SavedBreakers.clear(dir, "llm")).extracting(SavedBreakers.Entry::key).containsExactly((String) null);
    assertThat(StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME))).sections())
        .doesNotContainKey(SavedBreakers.SECTION)
        .hasEntrySatisfying(SavedBreakers.KEY_SECTION, b -> assertThat(b).containsExactly(damaged));
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("key-breakers").contains("cannot be read")
            .contains("left as it is"));
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void oldStateFileWithoutTheBreakersSection_loads_withSpendRestoredAndBreakersClosed() throws Exception {
    byte[] old;
    try (InputStream in = StateFileCompatibilityTest.class.getResourceAsStream("state-v1.bin")) {
      old = in.readAllBytes();
    }
    assertThat(StateFile.decode(old).sections()).doesNotContainKey(SavedBreakers.SECTION);
    Files.write(dir.resolve(PersistentLedger.FILE_NAME), old);
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-05T12:05:00Z"));
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10")))
            .budget(Budget.calendarDay(Cost.usd("50"), ZoneOffset.UTC)).estimate(Cost.usd("0.01")))
        .ticker(ticker).alertSink(a -> { }).ledger(ledger(ticker)).build()) {
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("1.5"));
      assertThat(guard.call("openai", () -> "ok")).isEqualTo("ok");
    }
  }

  @Test
  void exhaustedBudget_andRestoredBreaker_doNotDoubleUp() {
    ManualTicker ticker = ManualTicker.create();
    Budget hourly = Budget.hourly(Cost.usd("0.30"));
    Cost spentBefore;
    try (RunawayGuard guard = guard(ticker, hourly)) {
      for (int i = 0; i < 10; i++) {
        guard.call("llm", () -> "ok");
      }
      assertThatThrownBy(() -> guard.call("llm", () -> "ok")).isInstanceOf(BudgetExceededException.class);
      guard.breaker("llm").trip(TripReason.BUDGET, DETAIL);
      spentBefore = guard.snapshot("llm").windows().get(0).spent();
    }
    try (RunawayGuard guard = guard(ticker, hourly)) {
      assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(spentBefore).isEqualTo(Cost.usd("0.30"));
      assertThat(refusal(guard)).isNotNull(); // the breaker refuses first; a refusal charges nothing
      ticker.advance(Duration.ofSeconds(61));
      // Half-open: the paced trial reaches the budget, which still refuses it, once.
      assertThatThrownBy(() -> guard.call("llm", () -> "ok")).isInstanceOf(BudgetExceededException.class);
      assertThat(guard.snapshot("llm").windows().get(0).spent()).isEqualTo(spentBefore);
    }
  }

  @Test
  void stateDirGuard_keepsItsBreakerToo() {
    ManualTicker ticker = ManualTicker.create();
    Path state = dir.resolve("app");
    try (RunawayGuard guard = RunawayGuard.builder().service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).stateDir(state).build()) {
      guard.breaker("llm").trip(TripReason.MONITOR, DETAIL);
    }
    try (RunawayGuard guard = RunawayGuard.builder().service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).stateDir(state).build()) {
      assertThat(guard.breaker("llm").tripReason()).hasValue(TripReason.MONITOR);
    }
  }

  /**
   * Flushes every simulated second for 10 minutes with the breaker that {@code open} opened, no
   * call in between (the state is read each second, so a due OPEN half-opens), and returns how
   * many times the state file was written, its first write included.
   */
  private long writesOverTenMinutes(java.util.function.Consumer<CircuitBreaker> open) throws Exception {
    return writesOverTenMinutes(guard -> guard.breaker("llm"), open);
  }

  /** The state file's sections at the end of the last {@link #writesOverTenMinutes}, before its close. */
  private java.util.Set<String> sectionsAfterTenMinutes;

  /** The same for the breaker that {@code pick} chooses of a guard whose keys have budgets. */
  private long writesOverTenMinutes(java.util.function.Function<RunawayGuard, CircuitBreaker> pick,
      java.util.function.Consumer<CircuitBreaker> open) throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (PersistentLedger ledger = ledger(ticker); RunawayGuard guard = keyedGuard(ticker, ledger)) {
      open.accept(pick.apply(guard));
      ledger.flush();
      for (int second = 0; second < 600; second++) {
        ticker.advance(Duration.ofSeconds(1));
        pick.apply(guard).state();
        ledger.flush();
      }
      long writes = ledger.writes();
      System.out.println("State-file writes in 10 min with the breaker open: " + writes);
      sectionsAfterTenMinutes = StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME)))
          .sections().keySet();
      return writes;
    }
  }

  @Test
  void forcedOpenBreaker_isWrittenOnce_notAtEveryFlush() throws Exception {
    // Once for the breaker; and the ledger's clock stamp, written every 10 minutes of an idle file
    // (PersistentLedger.CLOCK_SECTION), once in these ten minutes.
    assertThat(writesOverTenMinutes(b -> b.forceOpen("incident 42"))).isLessThanOrEqualTo(2);
    assertThat(sectionsAfterTenMinutes).contains(SavedBreakers.SECTION);
  }

  @Test
  void forcedOpenKeyBreaker_isWrittenOnce_notAtEveryFlush() throws Exception {
    assertThat(writesOverTenMinutes(guard -> guard.service("llm").forKey("t1").breaker(),
        b -> b.forceOpen("incident 42"))).isLessThanOrEqualTo(2); // and the clock stamp (above)
    assertThat(sectionsAfterTenMinutes).contains(SavedBreakers.KEY_SECTION);
  }

  @Test
  void spendTripJudgingAQuietCaller_isWrittenAtItsChangesAndOnceAMinuteOfQuiet_notAtEveryFlush() throws Exception {
    // Open, half-open after 60 s, then the caller's quiet progress once a minute, then the close.
    assertThat(writesOverTenMinutes(b -> b.trip(TripReason.BURN_RATE, DETAIL))).isLessThanOrEqualTo(13);
  }

  /** The breaker entry in the state file as it is now (what a crash would leave). */
  private SavedBreakers.Entry savedNow() throws Exception {
    byte[] section = StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME))).sections()
        .get(SavedBreakers.SECTION);
    assertThat(section).as("breakers section").isNotNull();
    return SavedBreakers.decode(SavedBreakers.SECTION, section).get(0);
  }

  @Test
  void spendTripJudgingAQuietCaller_savesItsQuietTimeOnceAMinute_forARestartAfterACrash() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (PersistentLedger ledger = ledger(ticker); RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.03"))
            .breaker(CircuitBreakerConfig.builder().waitInOpenState(Duration.ofMinutes(10)).build()))
        .ticker(ticker).alertSink(a -> { }).ledger(ledger).build()) {
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
      for (int second = 0; second < 300; second++) {
        ticker.advance(Duration.ofSeconds(1));
        ledger.flush();
      }
      // Quiet for 5 min: at least 4 of them are saved, and the rest of the wait as of then.
      SavedBreakers.Entry quiet = savedNow();
      assertThat(Duration.ofNanos(quiet.quietNanos())).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
      assertThat(Duration.ofNanos(quiet.remainingAt(ticker.nanoTime(), PersistentLedger.epochNanos(ticker.instant()))))
          .isEqualTo(Duration.ofMinutes(5));

      // The caller loops again (refused calls count): the file no longer says it has been quiet.
      for (int i = 0; i < 5; i++) {
        assertThat(refusal(guard)).isNotNull();
      }
      ticker.advance(Duration.ofSeconds(1));
      ledger.flush();
      assertThat(Duration.ofNanos(savedNow().quietNanos())).isLessThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  /** A guard whose keys have budgets of their own, and so breakers of their own. */
  private static RunawayGuard keyedGuard(ManualTicker ticker, PersistentLedger ledger) {
    return keyedGuard(ticker, ledger, new ArrayList<>());
  }

  private static RunawayGuard keyedGuard(ManualTicker ticker, PersistentLedger ledger, List<? super Alert> alerts) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).perKeyBudget(Budget.daily(Cost.usd("5")))
            .estimate(Cost.usd("0.03")))
        .ticker(ticker).alertSink(alerts::add).ledger(ledger).build();
  }

  @Test
  void keyBreaker_isOpenAfterARestart_forThatKeyOnly_inASectionOfItsOwn() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      guard.service("llm").forKey("t1").breaker().trip(TripReason.REPEATED_REQUEST, DETAIL);
      ticker.advance(Duration.ofSeconds(20));
    }
    // Beside the service breakers' section, which older releases read: they skip this one.
    assertThat(StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME))).sections())
        .containsKey(SavedBreakers.KEY_SECTION).doesNotContainKey(SavedBreakers.SECTION);
    ticker.advance(Duration.ofSeconds(5));
    int mark = LogCapture.mark();
    List<Alert> alerts = new ArrayList<>();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker), alerts)) {
      CircuitOpenException e = catchThrowableOfType(CircuitOpenException.class,
          () -> guard.service("llm").forKey("t1").call(() -> "ok"));
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(TripReason.REPEATED_REQUEST);
      assertThat(e.detail()).contains(DETAIL);
      assertThat(guard.service("llm").forKey("t1").breaker().retryAfter()).hasValue(Duration.ofSeconds(35));
      assertThat(guard.service("llm").forKey("t2").call(() -> "ok")).isEqualTo("ok");
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      ticker.advance(Duration.ofSeconds(35));
      assertThat(guard.service("llm").forKey("t1").breaker().state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.CIRCUIT_BREAKER).singleElement().satisfies(a -> {
      assertThat(a.key()).isEqualTo("t1");
      assertThat(a.facts()).containsEntry("breaker", "HALF_OPEN").containsEntry("restored_from", "state file")
          .doesNotContainKey("rate");
    });
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("Circuit breaker of service llm key t1 was OPEN")
            .contains("guard.service(\"llm\").forKey(\"t1\").breaker().reset()"));
  }

  @Test
  void manyKeyBreakersRestored_warnForTheFirstFive_thenOneLineSumsUpTheRest() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      for (int i = 0; i < 12; i++) {
        guard.service("llm").forKey("t" + i).breaker().forceOpen("incident 42");
      }
    }
    int mark = LogCapture.mark();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      for (int i = 0; i < 12; i++) {
        // Every one restored, whether it was said at WARN or summed up.
        assertThat(guard.service("llm").forKey("t" + i).breaker().state())
            .isEqualTo(CircuitBreaker.State.FORCED_OPEN);
      }
    }
    List<String> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN)
        .map(LogCapture.Event::message).toList();
    // Found by review: one WARN line per restored key, however many tenants had been tripped.
    assertThat(warnings).filteredOn(m -> m.startsWith("Circuit breaker of service llm key")).hasSize(5);
    assertThat(warnings).filteredOn(m -> m.contains("more key breaker")).singleElement()
        .satisfies(m -> assertThat(m).startsWith("7 more key breakers of service llm were restored")
            .contains("guard.service(\"llm\").forKey(key).breaker().reset()").contains("runaway-monitor resume llm"));
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.DEBUG)
        .filteredOn(e -> e.message().startsWith("Circuit breaker of service llm key")).hasSize(7);
  }

  @Test
  void resumeWhileStopped_closesTheServicesKeyBreakersToo() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      guard.service("llm").forKey("t1").breaker().forceOpen("incident 42");
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
    }
    assertThat(SavedBreakers.clear(dir, "llm")).extracting(SavedBreakers.Entry::key).containsExactly(null, "t1");
    try (RunawayGuard guard = keyedGuard(ticker, ledger(ticker))) {
      assertThat(guard.service("llm").forKey("t1").call(() -> "ok")).isEqualTo("ok");
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  /**
   * The trial's scenario: a loop that calls as fast as it can ($0.03 a call, a $10 hourly budget,
   * no baseline yet) until the guard refuses it, restarted every minute (a cron job, or a pod
   * restarted by its orchestrator), ten times. Without kept breakers each life got the velocity
   * rule's ~11 calls again; with them only the first life does, and later lives get at most the
   * spend trip's paced trial call.
   */
  @Test
  void loopRestartedEveryMinute_getsItsCallsOnceNotOncePerLife() {
    ManualTicker ticker = ManualTicker.create();
    List<Integer> admittedPerLife = new ArrayList<>();
    for (int life = 0; life < 10; life++) {
      int admitted = 0;
      try (RunawayGuard guard = guard(ticker)) {
        for (int i = 0; i < 1000; i++) {
          try {
            guard.call("llm", () -> "ok");
            admitted++;
          } catch (RunawayException e) {
            break;
          }
          ticker.advance(Duration.ofMillis(100));
        }
      }
      admittedPerLife.add(admitted);
      ticker.advance(Duration.ofMinutes(1));
    }
    int total = admittedPerLife.stream().mapToInt(Integer::intValue).sum();
    System.out.println("Loop restarted every minute, calls admitted per life: " + admittedPerLife + " = " + total
        + " calls, " + Cost.usd("0.03").times(total));
    assertThat(admittedPerLife.get(0)).isGreaterThan(1);
    assertThat(admittedPerLife.subList(1, 10)).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
  }
}
