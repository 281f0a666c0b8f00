package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An app instance for {@link SecondProcessTest}, run in its own JVM: it opens a guard on a state
 * directory ($10 an hour), spends $1 per call, and waits to be killed.
 *
 * <p>Arguments: state directory, calls to attempt, lock wait in milliseconds. Output:
 * {@code OPENING}, then either {@code LOCKED <message>} (the guard refused to start) or
 * {@code RESTORED <nanos>}, {@code A}/{@code R} per call and {@code END}.
 */
public final class SecondProcessChild {

  static final Cost LIMIT = Cost.usd("10");
  static final Cost COST = Cost.usd("1");

  private SecondProcessChild() {}

  /**
   * Runs the instance.
   *
   * @param args state directory, calls, lock wait in milliseconds
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = ChildSpending.stdout();
    out.println("OPENING");
    RunawayGuard guard;
    try {
      guard = RunawayGuard.builder()
          .service("svc", s -> s.budget(Budget.hourly(LIMIT)))
          .stateDir(Path.of(args[0]), Duration.ofMillis(Long.parseLong(args[2])))
          .alertSink(a -> { })
          .build();
    } catch (IllegalStateException e) {
      out.println("LOCKED " + e.getMessage());
      System.in.read();
      return;
    }
    ChildSpending.spend(guard, out, COST, Integer.parseInt(args[1]), 0);
    System.in.read(); // never closes the guard: killed like a crashing instance
  }
}
