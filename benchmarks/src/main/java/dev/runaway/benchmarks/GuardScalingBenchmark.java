package dev.runaway.benchmarks;

import dev.runaway.GuardedCall;
import dev.runaway.RunawayGuard;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Aggregate throughput (calls per microsecond, all threads together) of one thread against two
 * threads, on one service (both threads share one service's counters) and on two services (each
 * thread its own), for the guard and, in the same run, for a bare call, a Resilience4j circuit
 * breaker and rate limiter, and a Bucket4j bucket (one shared instance, or one per thread).
 *
 * <p>Each configuration is a JMH group: {@code X_1t} (one thread), {@code X_2t_shared} (two
 * threads, one service or instance), {@code X_2t_separate} (two threads, one service or
 * instance each; JMH prints the group's total and each thread's share). The bare call shows
 * what two threads can give at all on the machine: the guard's ratios should be read against
 * {@code bare_2t / bare_1t}.
 *
 * <p>Do not pass {@code -t} or {@code -tg}: the thread counts are part of the benchmarks. Run it
 * with {@link GuardOverheadBenchmark} (command there); results in {@code benchmarks/RESULTS.md}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GuardScalingBenchmark {

  /** Everything the threads share: one guard and one instance of each comparator per "service". */
  @State(Scope.Group)
  public static class Shared {
    RunawayGuard guard;
    CircuitBreaker r4jBreakerA;
    CircuitBreaker r4jBreakerB;
    RateLimiter r4jLimiterA;
    RateLimiter r4jLimiterB;
    Bucket bucketA;
    Bucket bucketB;
    GuardedCall<Fixtures.Reply, RuntimeException> call;
    Supplier<Fixtures.Reply> supplier;

    /** Builds a fresh set for each group. */
    @Setup(Level.Trial)
    public void setUp() {
      guard = Fixtures.guard();
      r4jBreakerA = Fixtures.r4jCircuitBreaker("a");
      r4jBreakerB = Fixtures.r4jCircuitBreaker("b");
      r4jLimiterA = Fixtures.r4jRateLimiter("a");
      r4jLimiterB = Fixtures.r4jRateLimiter("b");
      bucketA = Fixtures.bucket();
      bucketB = Fixtures.bucket();
      Fixtures.Reply reply = Fixtures.REPLY;
      call = () -> reply;
      supplier = () -> reply;
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      guard.close();
    }
  }

  // ---- bare call: the machine's own scaling ----

  /**
   * Bare call, one thread.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bare_1t")
  @GroupThreads(1)
  public Fixtures.Reply bare_1t_call(Shared s) {
    return s.call.call();
  }

  /**
   * Bare call, two threads.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bare_2t")
  @GroupThreads(2)
  public Fixtures.Reply bare_2t_call(Shared s) {
    return s.call.call();
  }

  // ---- the guard: guard.call(service, estimate, call) ----

  /**
   * Guard, one thread, one service.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("guard_1t")
  @GroupThreads(1)
  public Fixtures.Reply guard_1t_call(Shared s) {
    return s.guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, s.call);
  }

  /**
   * Guard, two threads on one service.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("guard_2t_shared")
  @GroupThreads(2)
  public Fixtures.Reply guard_2t_shared_call(Shared s) {
    return s.guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, s.call);
  }

  /**
   * Guard, two threads on two services: this thread's service.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("guard_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply guard_2t_separate_a(Shared s) {
    return s.guard.call(Fixtures.PLAIN, Fixtures.ESTIMATE, s.call);
  }

  /**
   * Guard, two threads on two services: the other thread's service.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("guard_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply guard_2t_separate_b(Shared s) {
    return s.guard.call(Fixtures.PLAIN_2, Fixtures.ESTIMATE, s.call);
  }

  // ---- Resilience4j CircuitBreaker.executeSupplier ----

  /**
   * Resilience4j breaker, one thread.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jBreaker_1t")
  @GroupThreads(1)
  public Fixtures.Reply r4jBreaker_1t_call(Shared s) {
    return s.r4jBreakerA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j breaker, two threads on one breaker.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jBreaker_2t_shared")
  @GroupThreads(2)
  public Fixtures.Reply r4jBreaker_2t_shared_call(Shared s) {
    return s.r4jBreakerA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j breaker, two threads on two breakers: this thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jBreaker_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply r4jBreaker_2t_separate_a(Shared s) {
    return s.r4jBreakerA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j breaker, two threads on two breakers: the other thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jBreaker_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply r4jBreaker_2t_separate_b(Shared s) {
    return s.r4jBreakerB.executeSupplier(s.supplier);
  }

  // ---- Resilience4j RateLimiter.executeSupplier ----

  /**
   * Resilience4j rate limiter, one thread.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jLimiter_1t")
  @GroupThreads(1)
  public Fixtures.Reply r4jLimiter_1t_call(Shared s) {
    return s.r4jLimiterA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j rate limiter, two threads on one limiter.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jLimiter_2t_shared")
  @GroupThreads(2)
  public Fixtures.Reply r4jLimiter_2t_shared_call(Shared s) {
    return s.r4jLimiterA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j rate limiter, two threads on two limiters: this thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jLimiter_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply r4jLimiter_2t_separate_a(Shared s) {
    return s.r4jLimiterA.executeSupplier(s.supplier);
  }

  /**
   * Resilience4j rate limiter, two threads on two limiters: the other thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("r4jLimiter_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply r4jLimiter_2t_separate_b(Shared s) {
    return s.r4jLimiterB.executeSupplier(s.supplier);
  }

  // ---- Bucket4j tryConsume on a local bucket ----

  /**
   * Bucket4j, one thread.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bucket4j_1t")
  @GroupThreads(1)
  public Fixtures.Reply bucket4j_1t_call(Shared s) {
    return consume(s.bucketA, s.supplier);
  }

  /**
   * Bucket4j, two threads on one bucket.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bucket4j_2t_shared")
  @GroupThreads(2)
  public Fixtures.Reply bucket4j_2t_shared_call(Shared s) {
    return consume(s.bucketA, s.supplier);
  }

  /**
   * Bucket4j, two threads on two buckets: this thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bucket4j_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply bucket4j_2t_separate_a(Shared s) {
    return consume(s.bucketA, s.supplier);
  }

  /**
   * Bucket4j, two threads on two buckets: the other thread's.
   *
   * @param s the shared state
   * @return the reply
   */
  @Benchmark
  @Group("bucket4j_2t_separate")
  @GroupThreads(1)
  public Fixtures.Reply bucket4j_2t_separate_b(Shared s) {
    return consume(s.bucketB, s.supplier);
  }

  private static Fixtures.Reply consume(Bucket bucket, Supplier<Fixtures.Reply> supplier) {
    if (!bucket.tryConsume(1)) {
      throw new IllegalStateException("bucket ran dry");
    }
    return supplier.get();
  }
}
