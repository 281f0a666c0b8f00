package dev.runaway.benchmarks;

import dev.runaway.GuardedCall;
import dev.runaway.RunawayGuard;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A cross-check of {@link GuardScalingBenchmark} for a machine whose cores are shared: the same
 * one-thread and two-thread configurations, run in short rounds that alternate configuration by
 * configuration. Each round also measures whether its threads really ran side by side: the sum of
 * their CPU times over the round's wall-clock span (2.0 when both had a core all along, 1.0 when
 * they took turns on one). Two-thread figures are the median over the rounds that ran side by
 * side (concurrency at least 1.8), so that neither a busy neighbour (which only takes turns
 * away) nor a lucky round in which contending threads never met is mistaken for scaling. JMH's
 * mean over a loaded period cannot tell these apart.
 *
 * <p>Run (after {@code mvn -B -q -Dquick -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.runaway.benchmarks.ScalingCheck [rounds] [calls]
 * </pre>
 * (defaults: 12 rounds of 4,000,000 calls per thread).
 *
 * <p>Not thread-safe: a command-line harness.
 */
public final class ScalingCheck {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static volatile int sink;

  private ScalingCheck() {}

  /**
   * Runs the rounds and prints the table.
   *
   * @param args optional: rounds, calls per thread per round
   * @throws Exception if a thread fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 4_000_000;

    RunawayGuard guard = Fixtures.guard();
    CircuitBreaker r4jA = Fixtures.r4jCircuitBreaker("a");
    CircuitBreaker r4jB = Fixtures.r4jCircuitBreaker("b");
    Bucket bucketA = Fixtures.bucket();
    Bucket bucketB = Fixtures.bucket();
    Fixtures.Reply reply = Fixtures.REPLY;
    GuardedCall<Fixtures.Reply, RuntimeException> call = () -> reply;
    Supplier<Fixtures.Reply> supplier = () -> reply;

    // Each configuration: thread index -> the loop that thread runs.
    Map<String, IntFunction<Runnable>> configs = new LinkedHashMap<>();
    IntFunction<Runnable> bare = t -> () -> loop(calls, () -> call.call());
    configs.put("bare 1t", bare);
    configs.put("bare 2t", bare);
    configs.put("guard 1t", t -> () -> loop(calls, () -> guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, call)));
    configs.put("guard 2t shared", configs.get("guard 1t"));
    configs.put("guard 2t separate", t -> () -> loop(calls,
        () -> guard.call(t == 0 ? Fixtures.PLAIN : Fixtures.PLAIN_2, Fixtures.ESTIMATE, call)));
    configs.put("r4jBreaker 1t", t -> () -> loop(calls, () -> r4jA.executeSupplier(supplier)));
    configs.put("r4jBreaker 2t shared", configs.get("r4jBreaker 1t"));
    configs.put("r4jBreaker 2t separate", t -> () -> loop(calls, () -> (t == 0 ? r4jA : r4jB).executeSupplier(supplier)));
    configs.put("bucket4j 1t", t -> () -> loop(calls, () -> consume(bucketA, supplier)));
    configs.put("bucket4j 2t shared", configs.get("bucket4j 1t"));
    configs.put("bucket4j 2t separate", t -> () -> loop(calls, () -> consume(t == 0 ? bucketA : bucketB, supplier)));

    Map<String, List<double[]>> results = new LinkedHashMap<>();
    configs.keySet().forEach(name -> results.put(name, new ArrayList<>()));
    for (int r = -2; r < rounds; r++) { // two warm-up rounds
      for (Map.Entry<String, IntFunction<Runnable>> c : configs.entrySet()) {
        int threads = c.getKey().contains(" 2t") ? 2 : 1;
        double[] round = run(threads, c.getValue(), calls);
        if (r >= 0) {
          results.get(c.getKey()).add(round);
        }
      }
    }

    System.out.printf(Locale.ROOT, "aggregate calls/us, %d rounds of %,d calls per thread; two-thread rows: median over"
        + " the rounds whose threads ran side by side (concurrency >= 1.8)%n", rounds, calls);
    System.out.printf(Locale.ROOT, "%-24s %10s %8s %14s %10s%n", "configuration", "median", "rounds", "concurrency", "vs 1t");
    Map<String, Double> oneThread = new LinkedHashMap<>();
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      boolean two = e.getKey().contains(" 2t");
      double[] kept = e.getValue().stream().filter(x -> !two || x[1] >= 1.8).mapToDouble(x -> x[0]).sorted().toArray();
      double[] conc = e.getValue().stream().mapToDouble(x -> x[1]).sorted().toArray();
      String family = e.getKey().substring(0, e.getKey().indexOf(' '));
      double median = kept.length == 0 ? Double.NaN : kept[kept.length / 2];
      if (!two) {
        oneThread.put(family, median);
      }
      System.out.printf(Locale.ROOT, "%-24s %10.2f %8s %14s %10.2f%n", e.getKey(), median,
          kept.length + "/" + rounds, String.format(Locale.ROOT, "%.2f-%.2f", conc[0], conc[conc.length - 1]),
          median / oneThread.get(family));
    }
    guard.close();
  }

  /** Runs one round; returns {aggregate calls/us, concurrency}. */
  private static double[] run(int threads, IntFunction<Runnable> config, int calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<long[]>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Runnable body = config.apply(t);
        done.add(pool.submit(() -> {
          start.await();
          long begin = System.nanoTime();
          long cpu = CPU.getCurrentThreadCpuTime();
          body.run();
          return new long[] {begin, System.nanoTime(), CPU.getCurrentThreadCpuTime() - cpu};
        }));
      }
      // All calls over the span from the first start to the last end: threads that did not
      // really run side by side show as no gain, never as a sum of their separate rates.
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      long cpu = 0;
      for (Future<long[]> f : done) {
        long[] span = f.get();
        first = Math.min(first, span[0]);
        last = Math.max(last, span[1]);
        cpu += span[2];
      }
      return new double[] {(double) calls * threads / ((last - first) / 1000.0), cpu / (double) (last - first)};
    } finally {
      pool.shutdown();
    }
  }

  private static void loop(int calls, Supplier<Object> body) {
    int h = 0;
    for (int i = 0; i < calls; i++) {
      h += System.identityHashCode(body.get()) & 1;
    }
    sink = h;
  }

  private static Fixtures.Reply consume(Bucket bucket, Supplier<Fixtures.Reply> supplier) {
    if (!bucket.tryConsume(1)) {
      throw new IllegalStateException("bucket ran dry");
    }
    return supplier.get();
  }
}
