package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.stats.internal.MeterAccess;
import dev.runaway.stats.internal.StripedCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 19: a meter with striped counters judges exactly as one with a single counter. */
final class StripedMeterTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();
  private static final DetectionSettings DEFAULTS = DetectionSettings.defaults();

  /** Feeds the same calls and costs to both meters, call by call, and collects their events. */
  private static void feed(BurnRateMeter a, BurnRateMeter b, ManualTicker ticker, int minutes, int perMinute,
      SplittableRandom random, List<String> eventsA, List<String> eventsB) {
    for (int m = 0; m < minutes; m++) {
      long start = ticker.nanoTime();
      for (int c = 0; c < perMinute; c++) {
        long now = start + c * (MINUTE / perMinute);
        long cost = 1_000_000L + random.nextLong(1_000_000L);
        record(eventsA, now, a.onCall(now), a.onCost(now, cost));
        record(eventsB, now, b.onCall(now), b.onCost(now, cost));
      }
      ticker.advance(Duration.ofMinutes(1));
    }
  }

  private static void record(List<String> events, long now, MeterEvent call, MeterEvent cost) {
    if (call != MeterEvent.NONE) {
      events.add(now + " " + call);
    }
    if (cost != MeterEvent.NONE) {
      events.add(now + " " + cost);
    }
  }

  @Test
  void oneThread_stripedMeterRaisesTheSameEventsAtTheSameCalls() {
    ManualTicker ticker = ManualTicker.create();
    BurnRateMeter single = BurnRateMeter.create(DEFAULTS, ticker, 1);
    BurnRateMeter striped = BurnRateMeter.create(DEFAULTS, ticker, 8);
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(19);
    feed(single, striped, ticker, 2 * 1440, 10, random, a, b);   // warm-up and learning
    feed(single, striped, ticker, 30, 60, random, a, b);         // a 6x runaway
    feed(single, striped, ticker, 60, 0, random, a, b);          // it stops
    single.advance(ticker.nanoTime());
    striped.advance(ticker.nanoTime());

    assertThat(a).isNotEmpty().anyMatch(e -> e.endsWith("RUNAWAY"));
    assertThat(b).isEqualTo(a);
    assertThat(striped.totalCalls()).isEqualTo(single.totalCalls()).isEqualTo(2L * 1440 * 10 + 30 * 60);
    assertThat(striped.totalCostNanos()).isEqualTo(single.totalCostNanos());
  }

  /**
   * A meter whose cost is read from a counter its owner adds each cost to right after telling it
   * (the guard's service meter and its ledger account's spend) judges exactly as one that counts:
   * a runaway of calls and cost, then one of cost alone, and the quiet after.
   */
  @Test
  void costReadFromTheOwnersCounter_sameEventsAtTheSameCallsAsCounted() {
    for (int stripes : new int[] {1, 8}) {
      ManualTicker ticker = ManualTicker.create();
      BurnRateMeter counted = BurnRateMeter.create(DEFAULTS, ticker, stripes);
      BurnRateMeter reading = BurnRateMeter.create(DEFAULTS, ticker, stripes);
      StripedCounter spend = new StripedCounter(stripes);
      spend.add(123_456_789L); // spend from before the meter existed is not the meter's
      MeterAccess.readCostFrom(reading, spend);
      List<String> a = new ArrayList<>();
      List<String> b = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(19);
      int[][] phases = {{2 * 1440, 10, 1}, {30, 60, 1}, {60, 10, 1}, {30, 10, 8}, {60, 0, 1}};
      for (int[] p : phases) {
        for (int m = 0; m < p[0]; m++) {
          long start = ticker.nanoTime();
          for (int c = 0; c < p[1]; c++) {
            long now = start + c * (MINUTE / p[1]);
            long cost = (1_000_000L + random.nextLong(1_000_000L)) * p[2];
            record(a, now, counted.onCall(now), counted.onCost(now, cost));
            MeterEvent call = reading.onCall(now);
            MeterEvent charged = reading.onCost(now, cost);
            spend.add(cost);
            record(b, now, call, charged);
          }
          ticker.advance(Duration.ofMinutes(1));
          if (m % 7 == 0) {
            long now = ticker.nanoTime() - MINUTE / 3;
            assertThat(reading.recentCostNanos(now)).isEqualTo(counted.recentCostNanos(now));
            assertThat(reading.currentPace(now, false)).isEqualTo(counted.currentPace(now, false));
          }
        }
      }
      counted.advance(ticker.nanoTime());
      reading.advance(ticker.nanoTime());
      assertThat(a).isNotEmpty().anyMatch(e -> e.endsWith("RUNAWAY"));
      assertThat(b).as("%d stripes", stripes).isEqualTo(a);
      assertThat(reading.totalCostNanos()).isEqualTo(counted.totalCostNanos());
      assertThat(reading.snapshot(ticker.nanoTime())).isEqualTo(counted.snapshot(ticker.nanoTime()));
    }
  }

  @Test
  void eightRacingThreads_onAStripedMeterGetOneRunawayAndEveryCallCounted() throws Exception {
    ManualTicker warmTicker = ManualTicker.create();
    BurnRateMeter warmUp = BurnRateMeter.create(DEFAULTS, warmTicker);
    for (int m = 0; m < 2 * 1440; m++) {
      warmUp.onCalls(warmTicker.nanoTime(), 10);
      warmTicker.advance(Duration.ofMinutes(1));
    }
    BaselineState warm = warmUp.exportBaseline();
    for (int round = 0; round < 20; round++) {
      ManualTicker ticker = ManualTicker.create().advance(Duration.ofDays(3));
      BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ticker, warm, 8);
      long bucket = ticker.nanoTime();
      meter.onCall(bucket);
      List<MeterEvent> burst = race(meter, bucket + 30_000_000_000L, 500);
      assertThat(burst).filteredOn(MeterEvent::isRunaway).hasSize(1);
      assertThat(burst).filteredOn(MeterEvent::isSpike).hasSizeLessThanOrEqualTo(1);
      assertThat(meter.totalCalls()).isEqualTo(1 + 8 * 500);
    }
  }

  /** Eight threads, each on its own stripe when ids allow, make {@code calls} calls at {@code now}; every event returned. */
  private static List<MeterEvent> race(BurnRateMeter meter, long now, int calls) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<java.util.concurrent.Callable<List<MeterEvent>>> tasks = Collections.nCopies(8, () -> {
        go.await();
        List<MeterEvent> seen = new ArrayList<>();
        for (int c = 0; c < calls; c++) {
          MeterEvent e = meter.onCall(now);
          if (e != MeterEvent.NONE) {
            seen.add(e);
          }
        }
        return seen;
      });
      List<java.util.concurrent.Future<List<MeterEvent>>> futures = new ArrayList<>();
      for (java.util.concurrent.Callable<List<MeterEvent>> t : tasks) {
        futures.add(pool.submit(t));
      }
      go.countDown();
      List<MeterEvent> all = new ArrayList<>();
      for (java.util.concurrent.Future<List<MeterEvent>> f : futures) {
        all.addAll(f.get(30, TimeUnit.SECONDS));
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }
}
