package dev.runaway.redis;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One instance of a fleet for {@link FleetTest}, run in its own JVM: several threads spend
 * through a guard on the shared Redis budget, each call taking about 2 ms, for a fixed number
 * of calls.
 *
 * <p>Arguments: Redis port, key prefix, threads, calls per thread, lease size in nano-dollars.
 * Prints {@code READY}, waits for a line on stdin, runs, prints
 * {@code ADMITTED <n> REFUSED <m> AVAILABLE <whether Redis answered throughout>},
 * closes the guard (giving unspent lease back) and prints {@code CLOSED}.
 */
public final class FleetChild {

  static final Cost LIMIT = Cost.usd("2");
  static final Cost COST = Cost.usd("0.001");
  static final long CALL_NANOS = 2_000_000L;

  private FleetChild() {}

  /**
   * Runs the instance.
   *
   * @param args port, prefix, threads, calls per thread, lease nanos
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String prefix = args[1];
    int threads = Integer.parseInt(args[2]);
    int calls = Integer.parseInt(args[3]);
    long lease = Long.parseLong(args[4]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    RedisLedger ledger = RedisLedger.builder().port(port).keyPrefix(prefix).leaseSize(Cost.ofNanos(lease))
        // Generous for a loaded test machine: this test is about sharing, the outage test about timeouts.
        .timeout(java.time.Duration.ofSeconds(2)).build();
    RunawayGuard guard = RunawayGuard.builder().service("svc", s -> s.budgetHorizon(java.time.Duration.ZERO).budget(Budget.hourly(LIMIT)))
        .ledger(ledger).alertSink(a -> { }).build();
    // Warm up the connection and the script cache without spending.
    guard.snapshot("svc");
    out.println("READY");
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    AtomicLong admitted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        for (int i = 0; i < calls; i++) {
          try {
            guard.call("svc", COST, () -> {
              LockSupport.parkNanos(CALL_NANOS); // the paid API call itself
              return null;
            });
            admitted.incrementAndGet();
          } catch (BudgetExceededException e) {
            refused.incrementAndGet();
          }
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    out.println("ADMITTED " + admitted.get() + " REFUSED " + refused.get() + " AVAILABLE " + ledger.isAvailable());
    guard.close();
    out.println("CLOSED");
  }
}
