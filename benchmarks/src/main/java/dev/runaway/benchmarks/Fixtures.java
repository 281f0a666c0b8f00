package dev.runaway.benchmarks;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * The guards and the comparators the overhead benchmarks measure, configured the same way in
 * every benchmark so that the numbers of one run can be compared.
 *
 * <p>Budgets are far larger than any run can spend (a benchmark must never measure the refusal
 * path by accident: that is {@code GuardOverheadBenchmark.guard_refusedBreakerOpen}), and the
 * comparators are set so that they never refuse or wait either.
 *
 * <p>Not thread-safe to build; the objects built are the libraries' own, shared by the benchmark
 * threads the way an application would share them.
 */
final class Fixtures {

  /** A plain service: an hourly and a daily budget, as in DESIGN section 2. */
  static final String PLAIN = "plain";
  /** Like {@link #PLAIN} with a cost extractor: calls reserve the running estimate. */
  static final String EXTRACTED = "extracted";
  /** Like {@link #PLAIN} with a per-key daily budget. */
  static final String KEYED = "keyed";
  /** A second plain service, for two threads on two services. */
  static final String PLAIN_2 = "plain-2";
  /** A plain service whose breaker the refusal benchmark forces open. */
  static final String OPEN = "open";

  /**
   * The estimate of every call: $0.00001. At 100 million calls per second for a whole hour this
   * adds up to $3.6 million, far below {@link #LIMIT}.
   */
  static final Cost ESTIMATE = Cost.usd("0.00001");

  /** Every budget's limit: one billion dollars. */
  static final Cost LIMIT = Cost.usd("1000000000");

  /** The key of the per-key benchmarks. */
  static final String KEY = "tenant-42";

  private Fixtures() {}

  /**
   * What a guarded call returns: a reply that carries its cost, the way a provider's response
   * carries token usage. Pre-allocated, so the call itself allocates nothing.
   */
  static final class Reply {
    final Cost cost;

    Reply(Cost cost) {
      this.cost = cost;
    }
  }

  /** The reply every call returns. */
  static final Reply REPLY = new Reply(ESTIMATE);

  /**
   * Builds the guard under test: services {@link #PLAIN}, {@link #PLAIN_2}, {@link #EXTRACTED},
   * {@link #KEYED} and {@link #OPEN}, on the system ticker (what applications use: every call
   * reads {@code System.nanoTime()}).
   *
   * @return the guard
   */
  static RunawayGuard guard() {
    return guard(Ticker.system());
  }

  /**
   * Builds the same guard on another ticker.
   *
   * @param ticker the ticker
   * @return the guard
   */
  static RunawayGuard guard(Ticker ticker) {
    return RunawayGuard.builder()
        .service(PLAIN, s -> s.budget(Budget.hourly(LIMIT)).budget(Budget.daily(LIMIT)))
        .service(PLAIN_2, s -> s.budget(Budget.hourly(LIMIT)).budget(Budget.daily(LIMIT)))
        .service(EXTRACTED, s -> s.budget(Budget.hourly(LIMIT)).budget(Budget.daily(LIMIT))
            .estimate(ESTIMATE)
            // Reads the cost the reply carries and allocates nothing, so that -prof gc shows
            // the guard's own allocation, not the extractor's.
            .costExtractor(r -> ((Reply) r).cost))
        .service(KEYED, s -> s.budget(Budget.hourly(LIMIT)).budget(Budget.daily(LIMIT))
            .perKeyBudget(Budget.daily(LIMIT)))
        .service(OPEN, s -> s.budget(Budget.hourly(LIMIT)).budget(Budget.daily(LIMIT)))
        .ticker(ticker)
        // Alerts would only come from the refusal benchmark's forced-open breaker; keep them off
        // the dispatcher so its thread does not compete with the benchmark threads.
        .alertSink(alert -> { })
        .build();
  }

  /**
   * Resilience4j's circuit breaker with its defaults (count-based sliding window of 100 calls).
   *
   * @param name its name
   * @return the breaker
   */
  static CircuitBreaker r4jCircuitBreaker(String name) {
    return CircuitBreaker.ofDefaults(name);
  }

  /**
   * Resilience4j's (atomic) rate limiter, with a limit no benchmark reaches (2^31-1 permits per
   * second), so it never waits.
   *
   * @param name its name
   * @return the limiter
   */
  static RateLimiter r4jRateLimiter(String name) {
    return RateLimiter.of(name, RateLimiterConfig.custom()
        .limitForPeriod(Integer.MAX_VALUE)
        .limitRefreshPeriod(Duration.ofSeconds(1))
        .timeoutDuration(Duration.ZERO)
        .build());
  }

  /**
   * A local (in-process, lock-free by default) Bucket4j bucket that starts with one trillion
   * tokens, refilled at one a nanosecond (Bucket4j's highest rate), so {@code tryConsume(1)}
   * never runs dry: at 100 million calls a second the first trillion lasts almost three hours.
   *
   * @return the bucket
   */
  static Bucket bucket() {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(1_000_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
        .build();
  }
}
