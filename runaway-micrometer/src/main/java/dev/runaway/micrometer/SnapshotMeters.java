package dev.runaway.micrometer;

import dev.runaway.Budget;
import dev.runaway.ServiceSnapshot;
import dev.runaway.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** The gauges a guard and a monitor share: they differ only in the {@code source} tag. */
final class SnapshotMeters {

  static final String PREFIX = "runaway.";

  private SnapshotMeters() {}

  /**
   * Registers the snapshot gauges of one service. Every gauge reads a fresh snapshot: a scrape
   * costs one snapshot per gauge and service, which is microseconds. The gauges hold their
   * suppliers strongly: Micrometer holds a gauge's object weakly by default, and a supplier
   * lambda has no other reference, so after the first garbage collection every gauge read NaN.
   */
  static void bind(MeterRegistry registry, Tags tags, List<Budget> budgets,
      Supplier<ServiceSnapshot> snapshot, Supplier<CircuitBreaker.State> state) {
    gauge(registry, "burn.rate", "Current spend rate", "usd.per.hour", tags, snapshot, ServiceSnapshot::costPerHour);
    gauge(registry, "burn.baseline", "Learned normal spend rate for this time (NaN while warming up)",
        "usd.per.hour", tags, snapshot, ServiceSnapshot::baselineCostPerHour);
    gauge(registry, "call.rate", "Current call rate", "calls.per.minute", tags, snapshot,
        ServiceSnapshot::callsPerMinute);
    gauge(registry, "call.baseline", "Learned normal call rate for this time (NaN while warming up)",
        "calls.per.minute", tags, snapshot, ServiceSnapshot::baselineCallsPerMinute);
    for (int i = 0; i < budgets.size(); i++) {
      int index = i;
      Tags bt = tags.and("budget", budgets.get(i).label());
      Function<ServiceSnapshot, ServiceSnapshot.WindowSnapshot> w = s -> s.windows().get(index);
      gauge(registry, "budget.spent", "Spend committed in the budget's window", "usd", bt, snapshot,
          s -> w.apply(s).spent().toDouble());
      gauge(registry, "budget.reserved", "Budget held by calls in flight", "usd", bt, snapshot,
          s -> w.apply(s).reserved().toDouble());
      gauge(registry, "budget.remaining", "What is left of the budget's limit", "usd", bt, snapshot,
          s -> w.apply(s).remaining().toDouble());
      gauge(registry, "budget.limit", "The budget's limit", "usd", bt, snapshot,
          s -> budgets.get(index).limit().toDouble());
    }
    for (CircuitBreaker.State st : CircuitBreaker.State.values()) {
      Gauge.builder(PREFIX + "breaker.state", state, s -> s.get() == st ? 1 : 0)
          .strongReference(true)
          .description("The breaker's state: 1 for the current state, 0 for the others")
          .tags(tags.and("state", st.name().toLowerCase(Locale.ROOT)))
          .register(registry);
    }
  }

  private static void gauge(MeterRegistry registry, String name, String description, String unit, Tags tags,
      Supplier<ServiceSnapshot> snapshot, ToDoubleFunction<ServiceSnapshot> value) {
    Gauge.builder(PREFIX + name, snapshot, s -> value.applyAsDouble(s.get()))
        .strongReference(true)
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }
}
