package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's three observations replayed with the guard's defaults (a budget and nothing else):
 * each runaway is stopped, and stays stopped while the caller loops.
 */
final class GuardDefaultsTest {

  /** A result whose cost the extractor reads, like an SDK response with its usage. */
  record Reply(Cost cost) {}

  /** Calls "openai" ten times a second, at most 1,000 times, until its breaker refuses; returns the calls admitted. */
  private static int callsUntilOpen(RunawayGuard guard, ManualTicker ticker) {
    return GuardLoops.callsUntilOpen(() -> guard.call("openai", Cost.usd("0.001"), () -> 1), ticker,
        Duration.ofMillis(100), 1_000);
  }

  private static boolean isOpenAlert(Alert a) {
    return a.type() == AlertType.CIRCUIT_BREAKER && "OPEN".equals(a.facts().get("breaker"));
  }

  private static boolean isResolution(Alert a) {
    return a.type() == AlertType.CIRCUIT_BREAKER && "true".equals(a.facts().get("resolved"));
  }

  /**
   * Observation 1: a 16x loop after two days of normal traffic. On main the breaker re-closed 60 s
   * after the trip on three successful trial calls and 2,940 of 3,000 loop calls reached the API.
   */
  @Test
  void burstWithinOneMinute_isAlertedAndEveryCallServed() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = GuardLoops.llmGuardAfterTwoSteadyDays(ticker, alerts);
    AtomicLong reached = new AtomicLong();

    // One batch: 300 calls (30x the usual minute, half an hour of the usual spend) within a minute,
    // then the usual 10 a minute for an hour.
    for (int i = 0; i < 300; i++) {
      guard.call("llm", Cost.usd("0.01"), reached::incrementAndGet);
      ticker.advance(Duration.ofMillis(200));
    }
    for (int i = 0; i < 60 * 10; i++) {
      guard.call("llm", Cost.usd("0.01"), reached::incrementAndGet);
      ticker.advance(Duration.ofSeconds(6));
    }

    assertThat(reached.get()).as("calls that reached the client").isEqualTo(900);
    assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isOpenAlert).isEmpty();
    assertThat(alerts).anyMatch(a -> a.type() == AlertType.USAGE_SPIKE);
    guard.close();
  }

  @Test
  void backlogAfterAnOutageOnABusyDay_isServed() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = GuardLoops.llmGuardAfterTwoSteadyDays(ticker, alerts);
    AtomicLong reached = new AtomicLong();
    long attempts = 0;

    // A busy morning at twice the usual 10 a minute, then 30 minutes of outage (nothing is
    // called), then the queue drains: 4x the morning's rate for 10 minutes (about 8x the baseline),
    // then the morning's rate for an hour.
    int[][] phases = {{4 * 60, 20}, {10, 80}, {60, 20}};
    for (int p = 0; p < phases.length; p++) {
      if (p == 1) {
        ticker.advance(Duration.ofMinutes(30));
      }
      int perMinute = phases[p][1];
      for (int i = 0; i < phases[p][0] * perMinute; i++) {
        attempts++;
        guard.call("llm", Cost.usd("0.01"), reached::incrementAndGet);
        ticker.advance(Duration.ofMillis(60_000 / perMinute));
      }
    }

    assertThat(reached.get()).as("calls that reached the client").isEqualTo(attempts);
    assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isOpenAlert).isEmpty();
    guard.close();
  }

  @Test
  void loopAt16x_breakerStaysOpenWhileTheCallerLoops_andClosesOnceAfterItStops() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = GuardLoops.llmGuardAfterTwoSteadyDays(ticker, alerts);
    AtomicLong reached = new AtomicLong();
    assertThat(guard.snapshot("llm").baselineReady()).isTrue();

    // The loop: 160 attempts a minute (16x) for 50 minutes, whatever the guard answers.
    int attempts = 0;
    long reachedBeforeTrip = -1;
    boolean closedDuringLoop = false;
    for (int i = 0; i < 50 * 160; i++) {
      attempts++;
      try {
        guard.call("llm", Cost.usd("0.01"), reached::incrementAndGet);
      } catch (CircuitOpenException e) {
        if (reachedBeforeTrip < 0) {
          reachedBeforeTrip = reached.get();
        }
      }
      if (reachedBeforeTrip >= 0 && guard.breaker("llm").state() == CircuitBreaker.State.CLOSED) {
        closedDuringLoop = true;
      }
      ticker.advance(Duration.ofMillis(375));
    }
    // 16x is below an hour of the usual within one minute: the loop's first minute is alerted, its
    // second trips (two minutes of the loop at most: 2 x 160 calls).
    assertThat(reachedBeforeTrip).as("calls that reached the client before the trip").isBetween(0L, 320L);
    assertThat(closedDuringLoop).as("the breaker closed while the caller still looped").isFalse();
    // After the trip only the paced trial calls reach the client: one per 20 s of the 50 minutes.
    long bound = reachedBeforeTrip + 50 * 60 / 20 + 1;
    assertThat(reached.get()).as("calls that reached the client").isLessThanOrEqualTo(bound);
    assertThat(reached.get()).isLessThan(attempts / 10);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isResolution).isEmpty();

    // The loop stops. The breaker closes within the confirmation period (10 minutes), once.
    Duration closedAfter = null;
    for (int s = 0; s <= 60 * 60; s += 10) {
      if (guard.breaker("llm").state() == CircuitBreaker.State.CLOSED) {
        closedAfter = Duration.ofSeconds(s);
        break;
      }
      ticker.advance(Duration.ofSeconds(10));
    }
    assertThat(closedAfter).as("time from the end of the loop to the close").isNotNull()
        .isLessThanOrEqualTo(Duration.ofMinutes(11));
    assertThat(alerts).filteredOn(GuardDefaultsTest::isOpenAlert).hasSize(1);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isResolution).singleElement()
        .satisfies(a -> assertThat(a.detail()).contains("caller calmed down").contains("/min threshold"));
    guard.close();
  }

  /**
   * Observation 2: a fresh guard, no estimate, 20 parallel calls of $0.26 for a key with $1.00 a
   * day. On main all 20 were admitted ($5.20). Now the first call runs alone until its real cost
   * is known; spend stays within the budget plus one call's cost.
   */
  @Test
  void freshGuard_parallelBurstWithoutEstimate_staysWithinTheKeyBudgetPlusOneCall() throws Exception {
    for (int round = 0; round < 5; round++) {
      ManualTicker ticker = ManualTicker.create();
      RunawayGuard guard = RunawayGuard.builder()
          .service("openai", s -> s.perKeyBudget(Budget.daily(Cost.usd("1.00")))
              .costExtractor(r -> ((Reply) r).cost()))
          .ticker(ticker).alertSink(a -> { }).build();
      AtomicLong spentNanos = new AtomicLong();
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxInFlight = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(20);
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch entered = new CountDownLatch(20);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 20; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          try {
            guard.service("openai").forKey("tenant").call(() -> {
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              // The API's latency: the call waits (at most 100 ms of real time) for the other
              // callers to be in flight too, as 20 parallel requests to a slow model would be.
              entered.countDown();
              entered.await(100, TimeUnit.MILLISECONDS);
              inFlight.decrementAndGet();
              spentNanos.addAndGet(Cost.usd("0.26").nanos());
              return new Reply(Cost.usd("0.26"));
            });
          } catch (BudgetExceededException refused) {
            // expected for most of them
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(Cost.ofNanos(spentNanos.get())).as("spend in round " + round)
          .isLessThanOrEqualTo(Cost.usd("1.26"));
      // The first call ran alone; once its cost was known, at most the budget's worth ran beside it.
      assertThat(maxInFlight.get()).isLessThanOrEqualTo(4);
      assertThat(guard.service("openai").forKey("tenant").snapshot().windows().get(0).spent())
          .isEqualTo(Cost.ofNanos(spentNanos.get()));

      // Then 100 sequential calls: refused at the budget, as before.
      int refused = 0;
      for (int i = 0; i < 100; i++) {
        try {
          guard.service("openai").forKey("tenant").call(() -> new Reply(Cost.usd("0.26")));
        } catch (BudgetExceededException e) {
          refused++;
        }
      }
      assertThat(refused).isEqualTo(100);
      guard.close();
    }
  }

  /**
   * Observation 3: a fresh guard in a tight loop. On main 729 calls went through in 5 s with the
   * breaker closed and the baseline NaN. Now the budget-velocity rule opens the breaker: in the
   * first minute the rate is read over at least 60 s, so with spend S, limit L and horizon H it
   * trips once S * H / 60 s > L - S, that is once S > L / (1 + H / 60 s). With L = $100 a day and
   * H = 10 min: S > $100 / 11 = $9.0909..., so X = $9.10 (one $0.01 call above it).
   */
  @Test
  void freshGuard_tightLoop_breakerOpensBeforeX() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.daily(Cost.usd("100"))).costExtractor(r -> ((Reply) r).cost()))
        .ticker(ticker).alertSink(alerts::add).build();
    long reached = GuardLoops.callsUntilOpen(() -> guard.call("openai", () -> new Reply(Cost.usd("0.01"))), ticker,
        Duration.ofMillis(7), 10_000);
    Cost spent = guard.snapshot("openai").windows().get(0).spent();
    assertThat(spent).as("spend when the breaker opened").isLessThanOrEqualTo(Cost.usd("9.10"))
        .isGreaterThan(Cost.usd("9.00"));
    assertThat(reached).isLessThan(911);
    assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(guard.breaker("openai").tripReason()).contains(TripReason.BUDGET);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isOpenAlert).singleElement()
        .satisfies(a -> assertThat(a.detail()).contains("would be gone within 10m").contains("warming up"));
    assertThatThrownBy(() -> guard.call("openai", () -> new Reply(Cost.usd("0.01"))))
        .isInstanceOf(CircuitOpenException.class);
    guard.close();
  }

  /** A normal fresh service (a few calls a minute) never meets the budget-velocity rule. */
  @Test
  void freshGuard_ordinaryTraffic_isNotTripped() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))).budget(Budget.daily(Cost.usd("100"))))
        .ticker(ticker).alertSink(a -> { }).build();
    // 6 hours at 30 calls a minute of $0.002 ($3.60/h, within $10/h).
    for (int i = 0; i < 6 * 60 * 30; i++) {
      guard.call("openai", Cost.usd("0.002"), () -> 1);
      ticker.advance(Duration.ofSeconds(2));
    }
    assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    guard.close();
  }

  /** The absolute caps reach the meter through ServicePolicy.Builder and trip from the first call. */
  @Test
  void callRateCap_tripsAFreshGuard() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.callRateCap(60))
        .ticker(ticker).alertSink(a -> { }).build();
    int reached = callsUntilOpen(guard, ticker);
    assertThat(reached).isLessThanOrEqualTo(62);
    assertThat(guard.breaker("openai").tripReason()).contains(TripReason.CALL_RATE);
    guard.close();
  }

  /** A caller that comes back soon after the close trips again and waits twice as long. */
  @Test
  void reTripSoonAfterClose_doublesTheWait() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.daily(Cost.usd("100"))))
        .ticker(ticker).alertSink(a -> { }).build();
    CircuitBreaker b = guard.breaker("openai");
    b.trip(TripReason.MONITOR, "the monitor saw a runaway");
    assertThat(b.retryAfter()).contains(Duration.ofSeconds(60));
    ticker.advance(Duration.ofMinutes(11));
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    ticker.advance(Duration.ofMinutes(1));
    b.trip(TripReason.MONITOR, "again");
    assertThat(b.retryAfter()).contains(Duration.ofSeconds(120));
    assertThat(b.tripDetail()).hasValueSatisfying(d -> assertThat(d).contains("Re-tripped 1 time"));
    guard.close();
  }

  /** The caps and the horizon are reachable from the config file too. */
  @Test
  void configFile_capsAndHorizon_reachTheGuard() {
    dev.runaway.config.MonitorConfig config = dev.runaway.config.MonitorConfig.parse("{"
        + "\"cost_thresholds\": {\"openai\": {\"daily\": 50.0, \"max_calls_per_minute\": 120,"
        + " \"max_cost_per_hour\": 30}},"
        + "\"circuit_breaker\": {\"enabled\": true, \"threshold_multiplier\": 5.0, \"budget_horizon_minutes\": 0}}");
    assertThat(config.costThresholds().get("openai").maxCallsPerMinute()).isEqualTo(120.0);
    assertThat(config.costThresholds().get("openai").maxCostPerHour()).contains(Cost.usd("30"));
    assertThat(config.circuitBreaker().budgetHorizon()).isEqualTo(Duration.ZERO);
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = RunawayGuard.builder(config).ticker(ticker).alertSink(a -> { }).build()) {
      int reached = callsUntilOpen(guard, ticker);
      assertThat(reached).isLessThanOrEqualTo(122);
      assertThat(guard.breaker("openai").tripReason()).contains(TripReason.CALL_RATE);
    }
  }

  /** A misspelled cap gets a did-you-mean naming the allowed keys. */
  @Test
  void configFile_misspelledCap_namesTheAllowedKeys() {
    assertThatThrownBy(() -> dev.runaway.config.MonitorConfig.parse(
        "{\"cost_thresholds\": {\"openai\": {\"max_calls_per_minut\": 120}}}"))
        .hasMessageContaining("max_calls_per_minute");
  }

  /**
   * A bursty service (its minutes vary by a factor of about 1.5 around 10 calls, so the
   * statistical test weighs each minute against wide noise) whose whole week held no minute at
   * 5x: with defaults, a 9x loop is refused within 2 minutes by the held rule (a hold of 2
   * buckets after such a week, tripped at the call that makes it certain), not after the full
   * 15 minutes nor after the slowed statistical test.
   */
  @Test
  void burstyServiceAfterAQuietWeek_loopAt9x_isRefusedWithinTwoMinutes() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.daily(Cost.usd("1000"))))
        .ticker(ticker).alertSink(alerts::add).build();
    java.util.SplittableRandom random = new java.util.SplittableRandom(71);
    for (int minute = 0; minute < 8 * 24 * 60; minute++) {
      // Gamma(4) times 10 (CV 0.5), then Poisson (normal approximation), spread over the minute.
      double rate = 0;
      for (int k = 0; k < 4; k++) {
        rate -= 2.5 * Math.log(1 - random.nextDouble());
      }
      long n = Math.max(0, Math.round(rate + Math.sqrt(rate) * random.nextGaussian()));
      long start = ticker.nanoTime();
      for (long i = 0; i < n; i++) {
        guard.call("llm", Cost.usd("0.01"), () -> 1);
        ticker.advanceNanos((start + (i + 1) * 60_000_000_000L / (n + 1)) - ticker.nanoTime());
      }
      ticker.advanceNanos(start + 60_000_000_000L - ticker.nanoTime());
    }
    assertThat(alerts).as("no trip in the week").noneMatch(GuardDefaultsTest::isOpenAlert);

    // The loop: 90 attempts a minute (9x), evenly spaced.
    long onset = ticker.nanoTime();
    int admitted = GuardLoops.callsUntilOpen(() -> guard.call("llm", Cost.usd("0.01"), () -> 1), ticker,
        Duration.ofMillis(667), 900);
    double minutes = (ticker.nanoTime() - onset) / 60e9;
    assertThat(minutes).as("minutes from the onset to the first refusal").isLessThan(2.0);
    assertThat(admitted).isLessThan(180);
    assertThat(alerts).filteredOn(GuardDefaultsTest::isOpenAlert).hasSize(1);
    guard.close();
  }
}
