package dev.runaway.examples.monitor.web;

import dev.runaway.ServiceSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The burn rate and baseline of each service over the last 24 hours, sampled after every poll
 * round: what the status page charts. At most {@value #MAX_SAMPLES} samples per service (one
 * every 30 s for a day); older or surplus samples are dropped.
 *
 * <p>Thread-safe: the poll loop records while HTTP threads read.
 */
public final class StatusHistory {

  /** How far back the chart looks. */
  public static final Duration SPAN = Duration.ofHours(24);

  /** The most samples kept per service. */
  public static final int MAX_SAMPLES = 2880;

  /**
   * One sample.
   *
   * @param time when it was taken
   * @param costPerHour the burn rate, dollars per hour
   * @param baselineCostPerHour the baseline, {@code NaN} while warming up
   */
  public record Sample(Instant time, double costPerHour, double baselineCostPerHour) {}

  private final Map<String, Deque<Sample>> samples = new LinkedHashMap<>();

  /** Creates an empty history. */
  public StatusHistory() {}

  /**
   * Records one sample per service.
   *
   * @param snapshots the services' snapshots
   * @param now the time of the sample
   */
  public synchronized void record(Map<String, ServiceSnapshot> snapshots, Instant now) {
    for (ServiceSnapshot s : snapshots.values()) {
      Deque<Sample> d = samples.computeIfAbsent(s.service(), k -> new ArrayDeque<>());
      d.addLast(new Sample(now, s.costPerHour(), s.baselineCostPerHour()));
      trim(d, now);
    }
  }

  /**
   * Returns a service's samples of the last 24 hours, oldest first.
   *
   * @param service the service
   * @param now the current time
   * @return a copy of the samples
   */
  public synchronized List<Sample> of(String service, Instant now) {
    Deque<Sample> d = samples.get(service);
    if (d == null) {
      return List.of();
    }
    trim(d, now);
    return new ArrayList<>(d);
  }

  private static void trim(Deque<Sample> d, Instant now) {
    Instant oldest = now.minus(SPAN);
    while (!d.isEmpty() && (d.peekFirst().time().isBefore(oldest) || d.size() > MAX_SAMPLES)) {
      d.pollFirst();
    }
  }
}
