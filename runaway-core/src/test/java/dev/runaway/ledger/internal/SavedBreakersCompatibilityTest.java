package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.internal.SavedBreakers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The state file's {@code breakers} section stays readable across releases: {@code
 * state-breakers-v1.bin} was written through {@link #writeScenario} by the guard as it was when
 * the section saved what remained of the wait at every flush (commit 693ba15); run this class with
 * {@code -Drunaway.writeBreakersFixture=<path>} to write it again.
 */
final class SavedBreakersCompatibilityTest extends StateDirFixture {

  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final String DETAIL = "spend 40x the baseline";

  private RunawayGuard guard(ManualTicker ticker) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.03")))
        .ticker(ticker).alertSink(a -> { }).ledger(ledger(ticker)).build();
  }

  /** The fixed scenario behind the fixture: an hour up, a burn-rate trip, a stop 20 s later. */
  private void writeScenario(ManualTicker ticker) {
    ticker.advance(Duration.ofHours(1));
    try (RunawayGuard guard = guard(ticker)) {
      guard.call("llm", () -> "ok");
      guard.breaker("llm").trip(TripReason.BURN_RATE, DETAIL);
      ticker.advance(Duration.ofSeconds(20));
    }
  }

  private static byte[] fixture() throws Exception {
    try (InputStream in = SavedBreakersCompatibilityTest.class.getResourceAsStream("state-breakers-v1.bin")) {
      assertThat(in).as("fixture state-breakers-v1.bin").isNotNull();
      return in.readAllBytes();
    }
  }

  private static CircuitOpenException refusal(RunawayGuard guard) {
    return catchThrowableOfType(CircuitOpenException.class, () -> guard.call("llm", () -> "ok"));
  }

  @Test
  void write_atTheStop_producesTheSameBytesAsBefore() throws Exception {
    writeScenario(ManualTicker.startingAt(T0));
    byte[] written = Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME));
    String target = System.getProperty("runaway.writeBreakersFixture");
    if (target != null) {
      Files.write(Path.of(target), written);
    }
    assertThat(StateFileCompatibilityTest.withoutClock(written)).isEqualTo(fixture());
  }

  @Test
  void oldSection_restartOnTheSameMachine_restoresTheRestOfTheWait() throws Exception {
    byte[] old = fixture();
    assertThat(StateFile.decode(old).sections()).containsKey(SavedBreakers.SECTION);
    Files.write(dir.resolve(PersistentLedger.FILE_NAME), old);
    ManualTicker ticker = ManualTicker.startingAt(T0);
    ticker.advance(Duration.ofHours(1).plusSeconds(25)); // stopped 20 s after the trip, restarted 5 s later
    try (RunawayGuard guard = guard(ticker)) {
      CircuitOpenException e = refusal(guard);
      assertThat(e.reason()).isEqualTo(TripReason.BURN_RATE);
      assertThat(e.detail()).contains(DETAIL);
      assertThat(guard.breaker("llm").retryAfter()).hasValue(Duration.ofSeconds(35));
      ticker.advance(Duration.ofSeconds(35));
      assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }
  }

  @Test
  void oldSection_afterAReboot_measuresTheDowntimeByTheWallClock() throws Exception {
    Files.write(dir.resolve(PersistentLedger.FILE_NAME), fixture());
    // A new boot: the monotonic clock starts again at zero, 30 s after the stop by the wall clock.
    ManualTicker ticker = ManualTicker.startingAt(T0.plus(Duration.ofHours(1).plusSeconds(50)));
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(refusal(guard).reason()).isEqualTo(TripReason.BURN_RATE);
      assertThat(guard.breaker("llm").retryAfter()).hasValue(Duration.ofSeconds(10));
    }
  }
}
