package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.TripReason;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A process for {@link BreakerCrashTest}, run in its own JVM on the system clock, never closing its
 * guard. {@code trip}: trips the breaker, prints {@code TRIPPED}, waits to be killed. {@code call}:
 * makes one call and prints {@code ADMITTED}, or {@code REFUSED <reason> <retry-after ms>}.
 *
 * <p>Arguments: state directory, {@code trip} or {@code call}.
 */
public final class BreakerCrashChild {

  static final String DETAIL = "runaway loop seen by the crash test";

  private BreakerCrashChild() {}

  /**
   * Runs the process.
   *
   * @param args state directory, mode
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = ChildSpending.stdout();
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.01")))
        .stateDir(Path.of(args[0])).alertSink(a -> { }).build();
    if (args[1].equals("trip")) {
      guard.breaker("svc").trip(TripReason.BURN_RATE, DETAIL);
      // No close: wait only until a flush (the trip's own soon-flush, else the periodic one) has
      // written the state file, then wait to be killed.
      Path file = Path.of(args[0]).resolve(PersistentLedger.FILE_NAME);
      for (int i = 0; i < 200 && !java.nio.file.Files.exists(file); i++) {
        Thread.sleep(10);
      }
      out.println("TRIPPED");
      System.in.read();
      return;
    }
    try {
      guard.call("svc", () -> "ok");
      out.println("ADMITTED");
    } catch (CircuitOpenException e) {
      out.println("REFUSED " + e.reason() + " " + e.retryAfter().orElseThrow().toMillis());
    }
    System.in.read();
  }
}
