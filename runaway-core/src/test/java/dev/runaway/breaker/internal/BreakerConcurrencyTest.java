package dev.runaway.breaker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real threads racing on one breaker: no lost, doubled or reordered transitions. */
final class BreakerConcurrencyTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static ExecutorService pool;

  @BeforeAll
  static void startPool() {
    pool = Executors.newFixedThreadPool(16);
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Runs {@code task} on {@code threads} pool threads released together by one start gate. */
  private static <T> List<T> race(int threads, Callable<T> task) throws Exception {
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      futures.add(pool.submit(() -> {
        ready.countDown();
        start.await();
        return task.call();
      }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    start.countDown();
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get(10, TimeUnit.SECONDS));
    }
    return results;
  }

  @Test
  void trip_sixteenThreadsAtOnce_causeExactlyOneTransitionAndOneListenerCall() throws Exception {
    for (int round = 0; round < 600; round++) {
      CircuitBreaker b = new DefaultCircuitBreaker("openai", CircuitBreakerConfig.defaults(), ManualTicker.create());
      AtomicInteger calls = new AtomicInteger();
      b.onStateChange(t -> calls.incrementAndGet());

      List<Boolean> won = race(16, () -> b.trip(TripReason.BURN_RATE, "runaway"));

      assertThat(won).as("round %d", round).filteredOn(w -> w).hasSize(1);
      assertThat(calls.get()).as("round %d", round).isEqualTo(1);
      assertThat(b.state()).isEqualTo(State.OPEN);
    }
  }

  @Test
  void halfOpen_eightRacingThreads_getExactlyThePermittedTrialCalls() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    for (int round = 0; round < 300; round++) {
      int permitted = 1 + round % 4;
      CircuitBreaker b = new DefaultCircuitBreaker("openai",
          CircuitBreakerConfig.builder().waitInOpenState(WAIT).permittedCallsInHalfOpenState(permitted).build(), ticker);
      List<StateTransition> events = Collections.synchronizedList(new ArrayList<>());
      b.onStateChange(events::add);
      b.trip(TripReason.BUDGET, "spent");
      ticker.advance(WAIT);

      // The first requests also race to make the OPEN -> HALF_OPEN transition.
      List<Integer> granted = race(8, () -> {
        int n = 0;
        for (int i = 0; i < 5; i++) {
          if (b.tryAcquirePermission()) {
            n++;
          }
        }
        return n;
      });

      assertThat(granted.stream().mapToInt(Integer::intValue).sum()).as("round %d", round).isEqualTo(permitted);
      assertThat(events).extracting(StateTransition::to).containsExactly(State.OPEN, State.HALF_OPEN);
    }
  }

  @Test
  void mixedOperations_listenersSeeOneOrderedChainOfLegalTransitions() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    for (int round = 0; round < 20; round++) {
      CircuitBreaker b = new DefaultCircuitBreaker("openai",
          CircuitBreakerConfig.builder().waitInOpenState(WAIT).permittedCallsInHalfOpenState(2).failureThreshold(3)
              .build(), ticker);
      List<StateTransition> events = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger inListener = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      b.onStateChange(t -> {
        if (inListener.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        events.add(t);
        inListener.decrementAndGet();
      });

      race(8, () -> {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < 2_000; i++) {
          switch (rnd.nextInt(10)) {
            case 0:
              b.trip(TripReason.BURN_RATE, "runaway");
              break;
            case 1:
              if (rnd.nextInt(20) == 0) {
                b.forceOpen("ops");
              } else {
                b.reset();
              }
              break;
            case 2:
              if (rnd.nextInt(20) == 0) {
                b.disable();
              }
              break;
            case 3:
              ticker.advance(Duration.ofSeconds(10));
              break;
            default:
              if (b.tryAcquirePermission()) {
                if (rnd.nextInt(4) == 0) {
                  b.onFailure(new IOException());
                } else {
                  b.onSuccess();
                }
              }
          }
        }
        return null;
      });

      List<StateTransition> seen = new ArrayList<>(events);
      assertThat(overlaps.get()).as("listeners are never called concurrently").isZero();
      assertThat(seen).isNotEmpty();
      assertThat(seen.get(0).from()).isEqualTo(State.CLOSED);
      for (int i = 0; i < seen.size(); i++) {
        StateTransition t = seen.get(i);
        assertThat(DefaultCircuitBreaker.isLegal(t.from(), t.to())).as("legal: %s", t).isTrue();
        if (i > 0) {
          assertThat(t.from()).as("event %d continues from event %d", i, i - 1).isEqualTo(seen.get(i - 1).to());
        }
      }
      State last = seen.get(seen.size() - 1).to();
      // Reading the state may itself make a due OPEN -> HALF_OPEN transition.
      State now = b.state();
      assertThat(now == last || (last == State.OPEN && now == State.HALF_OPEN)).as("last %s, now %s", last, now)
          .isTrue();
    }
  }
}
