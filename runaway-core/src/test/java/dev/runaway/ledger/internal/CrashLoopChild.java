package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A runaway app for {@link CrashLoopTest}, run in its own JVM: it spends through a guard with a
 * state directory at a steady pace, one line per attempt, until it is killed.
 *
 * <p>Arguments: state directory, number of attempts, pause between attempts in nanoseconds.
 * Output: {@code RESTORED <nanos>} (the hourly spend it resumed), then {@code A} per admitted
 * call and {@code R} per refused one, then {@code END}.
 */
public final class CrashLoopChild {

  static final Cost LIMIT = Cost.usd("1.5");
  static final Cost COST = Cost.usd("0.001");

  private CrashLoopChild() {}

  /**
   * Runs the app.
   *
   * @param args state directory, attempts, pause in nanoseconds
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int attempts = Integer.parseInt(args[1]);
    long pauseNanos = Long.parseLong(args[2]);
    PrintStream out = ChildSpending.stdout();
    RunawayGuard guard = RunawayGuard.builder()
        // The state file's loss bound is tested, not the budget-velocity rule, which would open the
        // breaker on this tight loop before the budget is used up (GuardDefaultsTest covers it).
        .service("svc", s -> s.budgetHorizon(java.time.Duration.ZERO).budget(Budget.hourly(LIMIT)))
        .stateDir(dir)
        .alertSink(a -> { })
        .build();
    ChildSpending.spend(guard, out, COST, attempts, pauseNanos);
    // Wait to be killed: never close the guard, a crash does not either.
    System.in.read();
  }
}
