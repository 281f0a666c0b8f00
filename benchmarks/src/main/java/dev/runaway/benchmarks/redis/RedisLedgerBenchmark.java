package dev.runaway.benchmarks.redis;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.redis.RedisLedger;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one guarded call costs when its budget lives in Redis: {@code guard.call} with an
 * explicit estimate of $0.0001 and a trivial body, on an hourly budget that never runs out,
 * with the ledger
 * <ul>
 *   <li>{@code in-memory}: the embedded ledger, the baseline;
 *   <li>{@code redis-no-lease}: Redis with leases off, one script round trip per call;
 *   <li>{@code redis-lease}: Redis with a $0.01 lease, one round trip per 100 calls. A call
 *       here takes far less than a round trip, so the pool runs dry before the background refill
 *       returns and one call in a hundred waits for it: the figure is about the local path plus
 *       a hundredth of a round trip;
 *   <li>{@code redis-lease-large}: a $1 lease, one round trip per 10,000 calls: the local path
 *       alone (the in-memory ledger's CAS plus the pool's).
 * </ul>
 * It needs a redis-server on 127.0.0.1 whose port is in {@code RUNAWAY_REDIS_PORT} (inherited by
 * JMH's forks); it never runs in the build's tests. Run, from the repository root:
 * <pre>
 * redis-server --port 6390 --save '' --daemonize yes
 * mvn -B -q -Dquick -pl benchmarks -am package -DskipTests
 * RUNAWAY_REDIS_PORT=6390 java -jar benchmarks/target/benchmarks.jar RedisLedgerBenchmark -f 1 -wi 3 -i 5 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisLedgerBenchmark {

  private static final Cost ESTIMATE = Cost.usd("0.0001");

  /** Which ledger holds the budget. */
  @Param({"in-memory", "redis-no-lease", "redis-lease", "redis-lease-large"})
  public String ledger;

  private RunawayGuard guard;

  /** Builds the guard on the chosen ledger, with keys of its own in Redis. */
  @Setup(Level.Trial)
  public void setUp() {
    BudgetLedger l;
    if (ledger.equals("in-memory")) {
      l = null;
    } else {
      String port = System.getenv("RUNAWAY_REDIS_PORT");
      if (port == null || port.isBlank()) {
        throw new IllegalStateException("set RUNAWAY_REDIS_PORT to the port of a redis-server on 127.0.0.1");
      }
      l = RedisLedger.builder().port(Integer.parseInt(port.trim()))
          .keyPrefix("bench-" + UUID.randomUUID())
          .leaseSize(ledger.equals("redis-lease") ? Cost.usd("0.01")
              : ledger.equals("redis-lease-large") ? Cost.usd("1") : Cost.ZERO)
          .build();
    }
    RunawayGuard.Builder b = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("1000000"))))
        .alertSink(a -> { });
    if (l != null) {
      b.ledger(l);
    }
    guard = b.build();
  }

  /** Closes the guard, giving unspent lease back. */
  @TearDown(Level.Trial)
  public void tearDown() {
    guard.close();
  }

  /**
   * One guarded call from one thread.
   *
   * @return the call's result
   */
  @Benchmark
  public Object call() {
    return guard.call("svc", ESTIMATE, () -> Boolean.TRUE);
  }

  /**
   * Guarded calls from four threads sharing one budget (and one lease pool).
   *
   * @return the call's result
   */
  @Benchmark
  @Threads(4)
  public Object call4Threads() {
    return guard.call("svc", ESTIMATE, () -> Boolean.TRUE);
  }
}
