package dev.runaway.benchmarks;

import dev.runaway.CircuitOpenException;
import dev.runaway.GuardedCall;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.Ticker;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one guarded call on one thread, in nanoseconds, for each way of calling the guard,
 * side by side with a bare call and with Resilience4j's circuit breaker and rate limiter and a
 * local Bucket4j bucket, all in the same run.
 *
 * <p>Every benchmark makes the same call: a {@link GuardedCall} (or {@link Supplier}) created
 * once that returns a pre-allocated reply, so that the time and the bytes per operation that
 * {@code -prof gc} reports above {@link #baseline_bareCall()} are those of the guard or library
 * around it. The guard runs on the system ticker, as in applications. Budgets are never
 * exhausted ({@link Fixtures}); the refusal path has its own benchmark,
 * {@link #guard_refusedBreakerOpen(OpenBreaker)}.
 *
 * <p>Run (with {@link GuardScalingBenchmark}, in one run):
 * <pre>
 * mvn -B -q -Dquick -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar 'dev.runaway.benchmarks.Guard' -prof gc -f 2 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 * Results and how to read them: {@code benchmarks/RESULTS.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GuardOverheadBenchmark {

  private RunawayGuard guard;
  private RunawayGuard coarseGuard;
  private ServiceGuard keyGuard;
  private dev.runaway.breaker.CircuitBreaker guardBreaker;
  private CircuitBreaker r4jBreaker;
  private RateLimiter r4jLimiter;
  private Bucket bucket;
  private GuardedCall<Fixtures.Reply, RuntimeException> call;
  private Supplier<Fixtures.Reply> supplier;

  /** Builds the guard, the comparators, and the call they all wrap. */
  @Setup(Level.Trial)
  public void setUp() {
    guard = Fixtures.guard();
    coarseGuard = Fixtures.guard(Ticker.coarse());
    keyGuard = guard.service(Fixtures.KEYED).forKey(Fixtures.KEY);
    guardBreaker = guard.breaker(Fixtures.PLAIN);
    r4jBreaker = Fixtures.r4jCircuitBreaker("r4j");
    r4jLimiter = Fixtures.r4jRateLimiter("r4j");
    bucket = Fixtures.bucket();
    // Created once: each benchmark wraps the same object that returns the same reply.
    Fixtures.Reply reply = Fixtures.REPLY;
    call = () -> reply;
    supplier = () -> reply;
  }

  /** Closes the guard. */
  @TearDown(Level.Trial)
  public void tearDown() {
    guard.close();
    coarseGuard.close();
  }

  /**
   * The call alone, unguarded: the floor every other benchmark stands on.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply baseline_bareCall() {
    return call.call();
  }

  /**
   * {@code guard.call(service, estimate, call)}: breaker permission, reservation in an hourly
   * and a daily window, burn-rate meter, commit. The number the performance contract is about.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_callExplicitEstimate() {
    return guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, call);
  }

  /**
   * The same call on a guard whose ticker is {@link Ticker#coarse()} (a volatile read instead of
   * {@code System.nanoTime()}): the supported option for high call rates, and what the guard
   * costs apart from its one clock read per call.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_callExplicitEstimate_coarseTicker() {
    return coarseGuard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, call);
  }

  /**
   * One {@code System.nanoTime()} through {@code Ticker.system()}: a guarded call reads it once.
   *
   * @return the reading
   */
  @Benchmark
  public long ticker_systemNanoTime() {
    return guard.ticker().nanoTime();
  }

  /**
   * {@code guard.call(service, call)} on a service with a cost extractor: reserves the running
   * estimate and commits what the extractor reads from the reply.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_callWithExtractor() {
    return guard.call(Fixtures.EXTRACTED, call);
  }

  /**
   * A call through a {@link ServiceGuard} bound to a key once, up front; the key's own daily
   * budget is charged besides the service's two.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_perKeyPreCreated() {
    return keyGuard.call(Fixtures.ESTIMATE, call);
  }

  /**
   * {@code guard.service(name).forKey(key).call(...)} written out on every call, as request
   * handlers typically do.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_perKeyLookupPerCall() {
    return guard.service(Fixtures.KEYED).forKey(Fixtures.KEY).call(Fixtures.ESTIMATE, call);
  }

  /**
   * The low-level flow: {@code try (var r = guard.reserve(...)) { call; r.commit(actual); }}.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_reserveCommit() {
    try (Reservation r = guard.reserve(Fixtures.PLAIN, Fixtures.ESTIMATE)) {
      Fixtures.Reply reply = call.call();
      r.commit(reply.cost);
      return reply;
    }
  }

  /**
   * The guard's circuit breaker alone: {@code tryAcquirePermission()}, the call, {@code onSuccess()}.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply guard_breakerPermissionOnly() {
    if (!guardBreaker.tryAcquirePermission()) {
      throw new IllegalStateException("breaker refused");
    }
    Fixtures.Reply reply = call.call();
    guardBreaker.onSuccess();
    return reply;
  }

  /**
   * A call refused because the service's breaker is open: the fail-fast cost, including the
   * {@link CircuitOpenException} built for the caller.
   *
   * @param open the guard whose breaker is open
   * @return the exception, so that it is not optimised away
   */
  @Benchmark
  public Object guard_refusedBreakerOpen(OpenBreaker open) {
    try {
      return open.guard.call(Fixtures.OPEN, Fixtures.ESTIMATE, call);
    } catch (CircuitOpenException e) {
      return e;
    }
  }

  /**
   * A guard of its own whose breaker of {@link Fixtures#OPEN} is forced open; a state of its own
   * so that only the refusal benchmark depends on {@code forceOpen}.
   */
  @State(Scope.Benchmark)
  public static class OpenBreaker {
    RunawayGuard guard;

    /** Builds the guard and opens the breaker. */
    @Setup(Level.Trial)
    public void setUp() {
      guard = Fixtures.guard();
      guard.breaker(Fixtures.OPEN).forceOpen("benchmark of the refusal path");
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      guard.close();
    }
  }

  /**
   * Resilience4j {@code CircuitBreaker.executeSupplier} with the default count-based window.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply r4j_circuitBreakerExecuteSupplier() {
    return r4jBreaker.executeSupplier(supplier);
  }

  /**
   * Resilience4j {@code RateLimiter.executeSupplier} with a limit that is never reached.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply r4j_rateLimiterExecuteSupplier() {
    return r4jLimiter.executeSupplier(supplier);
  }

  /**
   * Bucket4j {@code tryConsume(1)} on a local bucket that never runs dry, then the call.
   *
   * @return the reply
   */
  @Benchmark
  public Fixtures.Reply bucket4j_tryConsume() {
    if (!bucket.tryConsume(1)) {
      throw new IllegalStateException("bucket ran dry");
    }
    return supplier.get();
  }
}
