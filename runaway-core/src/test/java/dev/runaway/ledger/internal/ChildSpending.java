package dev.runaway.ledger.internal;

import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;

/**
 * The output protocol shared by the child JVMs of the ledger's process tests ({@link CrashLoopChild},
 * {@link SecondProcessChild}), which their parents parse line by line.
 */
final class ChildSpending {

  private ChildSpending() {}

  /** The child's standard output, flushed at every line so the parent reads each as it comes. */
  static PrintStream stdout() {
    return new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
  }

  /**
   * Prints {@code RESTORED <nanos>} (the spend of service "svc"'s first window the guard resumed),
   * then attempts {@code attempts} calls of {@code cost}, printing {@code A} per admitted call and
   * {@code R} per refused one, pausing {@code pauseNanos} after each, then prints {@code END}.
   */
  static void spend(RunawayGuard guard, PrintStream out, Cost cost, int attempts, long pauseNanos) {
    out.println("RESTORED " + guard.snapshot("svc").windows().get(0).spent().nanos());
    for (int i = 0; i < attempts; i++) {
      try {
        guard.call("svc", cost, () -> null);
        out.println("A");
      } catch (BudgetExceededException refused) {
        out.println("R");
      }
      if (pauseNanos > 0) {
        LockSupport.parkNanos(pauseNanos);
      }
    }
    out.println("END");
  }
}
