package dev.runaway.micrometer;

import dev.runaway.Budget;
import dev.runaway.ServiceSnapshot;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Binds a {@link RunawayMonitor}'s account-wide figures to a Micrometer registry: the same
 * snapshot gauges as {@link RunawayGuardMetrics} ({@code runaway.budget.*}, {@code runaway.burn.*},
 * {@code runaway.call.*}, {@code runaway.breaker.state}) tagged {@code source=monitor}, plus
 * {@code runaway.monitor.polls} and {@code runaway.monitor.poll.failures} (function counters)
 * per service. Services skipped for missing credentials have no meters.
 *
 * <p>Thread-safe; gauges read the monitor when the registry asks.
 */
public final class RunawayMonitorMetrics implements MeterBinder {

  private final RunawayMonitor monitor;
  private final Tags extraTags;

  private RunawayMonitorMetrics(RunawayMonitor monitor, Tags tags) {
    this.monitor = Objects.requireNonNull(monitor, "monitor");
    this.extraTags = Objects.requireNonNull(tags, "tags");
  }

  /**
   * Returns a binder for a monitor.
   *
   * @param monitor the monitor
   * @return the binder
   */
  public static RunawayMonitorMetrics of(RunawayMonitor monitor) {
    return new RunawayMonitorMetrics(monitor, Tags.empty());
  }

  /**
   * Returns a binder that adds tags to every meter.
   *
   * @param monitor the monitor
   * @param tags extra tags, such as an instance name
   * @return the binder
   */
  public static RunawayMonitorMetrics of(RunawayMonitor monitor, Iterable<Tag> tags) {
    return new RunawayMonitorMetrics(monitor, Tags.of(tags));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String service : monitor.services()) {
      Tags tags = extraTags.and("name", service).and("source", "monitor");
      ServiceSnapshot first = monitor.snapshot(service);
      List<Budget> budgets = new ArrayList<>();
      first.windows().forEach(w -> budgets.add(w.budget()));
      SnapshotMeters.bind(registry, tags, budgets, () -> monitor.snapshot(service),
          () -> monitor.snapshot(service).breakerState());
      FunctionCounter.builder(SnapshotMeters.PREFIX + "monitor.polls", monitor, m -> polls(m, service, false))
          .description("Polls of the service's usage API, successful or not")
          .tags(tags)
          .register(registry);
      FunctionCounter.builder(SnapshotMeters.PREFIX + "monitor.poll.failures", monitor, m -> polls(m, service, true))
          .description("Polls that failed or timed out")
          .tags(tags)
          .register(registry);
    }
  }

  private static double polls(RunawayMonitor m, String service, boolean failures) {
    MonitorStatus s = m.status().get(service);
    if (s == null) {
      return 0;
    }
    return failures ? s.failures() : s.polls();
  }
}
