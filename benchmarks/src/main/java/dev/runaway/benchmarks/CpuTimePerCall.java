package dev.runaway.benchmarks;

import dev.runaway.GuardedCall;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.Ticker;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A cross-check of {@link GuardOverheadBenchmark} for a loaded machine: CPU time (not wall time)
 * per call of the same one-thread cases, from {@code ThreadMXBean.getCurrentThreadCpuTime()}
 * around batches of calls. When other processes share the cores, JMH's wall-clock scores grow
 * with the time the benchmark thread spends descheduled; CPU time does not (cache pollution by
 * the neighbours still shows). Use JMH's numbers when the machine is quiet; use these to compare
 * versions when it is not.
 *
 * <p>Each case is warmed up (about two seconds of calls, so that C2 compiles it), then measured in
 * {@code rounds} batches of {@code calls}; the report gives the minimum and the median CPU
 * nanoseconds per call over the batches. The cases alternate batch by batch, so a burst of load
 * hits all of them alike.
 *
 * <p>Run (after {@code mvn -B -q -Dquick -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.runaway.benchmarks.CpuTimePerCall [rounds] [calls]
 * </pre>
 * (defaults: 15 rounds of 5,000,000 calls).
 *
 * <p>Not thread-safe: a command-line harness.
 */
public final class CpuTimePerCall {

  /** Consumed results, so that the JIT cannot drop the calls. */
  private static volatile int sink;

  private CpuTimePerCall() {}

  /**
   * Runs the cases and prints the table.
   *
   * @param args optional: rounds, calls per batch
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5_000_000;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    RunawayGuard guard = Fixtures.guard();
    RunawayGuard coarseGuard = Fixtures.guard(Ticker.coarse());
    CircuitBreaker r4jBreaker = Fixtures.r4jCircuitBreaker("r4j");
    RateLimiter r4jLimiter = Fixtures.r4jRateLimiter("r4j");
    Bucket bucket = Fixtures.bucket();
    Fixtures.Reply reply = Fixtures.REPLY;
    GuardedCall<Fixtures.Reply, RuntimeException> call = () -> reply;
    Supplier<Fixtures.Reply> supplier = () -> reply;
    dev.runaway.breaker.CircuitBreaker guardBreaker = guard.breaker(Fixtures.PLAIN);

    Map<String, Runnable> cases = new LinkedHashMap<>();
    cases.put("baseline_bareCall", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(call.call()) & 1;
      }
      sink = h;
    });
    cases.put("guard_callExplicitEstimate", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, call)) & 1;
      }
      sink = h;
    });
    cases.put("guard_callExplicitEstimate_coarseTicker", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(coarseGuard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, call)) & 1;
      }
      sink = h;
    });
    cases.put("ticker_systemNanoTime", () -> {
      long h = 0;
      for (int i = 0; i < calls; i++) {
        h += guard.ticker().nanoTime();
      }
      sink = (int) h;
    });
    cases.put("guard_callWithExtractor", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(guard.call(Fixtures.EXTRACTED, call)) & 1;
      }
      sink = h;
    });
    ServiceGuard keyGuard = guard.service(Fixtures.KEYED).forKey(Fixtures.KEY);
    cases.put("guard_perKeyPreCreated", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(keyGuard.call(Fixtures.ESTIMATE, call)) & 1;
      }
      sink = h;
    });
    cases.put("guard_breakerPermissionOnly", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        if (guardBreaker.tryAcquirePermission()) {
          h += System.identityHashCode(call.call()) & 1;
          guardBreaker.onSuccess();
        }
      }
      sink = h;
    });
    cases.put("r4j_circuitBreakerExecuteSupplier", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(r4jBreaker.executeSupplier(supplier)) & 1;
      }
      sink = h;
    });
    cases.put("r4j_rateLimiterExecuteSupplier", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        h += System.identityHashCode(r4jLimiter.executeSupplier(supplier)) & 1;
      }
      sink = h;
    });
    cases.put("bucket4j_tryConsume", () -> {
      int h = 0;
      for (int i = 0; i < calls; i++) {
        if (bucket.tryConsume(1)) {
          h += System.identityHashCode(supplier.get()) & 1;
        }
      }
      sink = h;
    });

    for (Runnable c : cases.values()) {
      long until = System.nanoTime() + 2_000_000_000L;
      while (System.nanoTime() < until) {
        c.run();
      }
    }
    Map<String, double[]> perCall = new LinkedHashMap<>();
    cases.keySet().forEach(name -> perCall.put(name, new double[rounds]));
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, Runnable> c : cases.entrySet()) {
        long start = threads.getCurrentThreadCpuTime();
        c.getValue().run();
        perCall.get(c.getKey())[r] = (threads.getCurrentThreadCpuTime() - start) / (double) calls;
      }
    }

    System.out.printf(Locale.ROOT, "CPU ns per call, %d batches of %,d calls (includes the loop and identityHashCode"
        + " of the reply, as in baseline_bareCall)%n", rounds, calls);
    System.out.printf(Locale.ROOT, "%-42s %8s %8s %14s%n", "case", "min", "median", "median - bare");
    double bare = median(perCall.get("baseline_bareCall"));
    perCall.forEach((name, v) -> System.out.printf(Locale.ROOT, "%-42s %8.1f %8.1f %14.1f%n", name,
        Arrays.stream(v).min().orElse(Double.NaN), median(v), median(v) - bare));
    guard.close();
    coarseGuard.close();
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
