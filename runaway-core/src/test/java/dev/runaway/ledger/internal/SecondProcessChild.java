package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
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
    out.println("RESTORED " + guard.snapshot("svc").windows().get(0).spent().nanos());
    int calls = Integer.parseInt(args[1]);
    for (int i = 0; i < calls; i++) {
      try {
        guard.call("svc", COST, () -> null);
        out.println("A");
      } catch (BudgetExceededException refused) {
        out.println("R");
      }
    }
    out.println("END");
    System.in.read(); // never closes the guard: killed like a crashing instance
  }
}
