package dev.runaway.micrometer;

import dev.runaway.CallStats;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Binds a {@link RunawayGuard}'s figures to a Micrometer registry, named in Resilience4j's style
 * (lower-case dotted names, tag {@code name} for the service) with the prefix {@code runaway.}.
 * Every meter carries {@code name} (the service) and {@code source=guard} (this process's calls;
 * {@link RunawayMonitorMetrics} uses {@code source=monitor} for account-wide figures).
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>extra tags</th><th>meaning</th></tr>
 *   <tr><td>{@code runaway.calls}</td><td>function counter</td><td>{@code kind}: {@code admitted},
 *       {@code refused_budget}, {@code refused_breaker}, {@code failed}</td><td>calls by outcome</td></tr>
 *   <tr><td>{@code runaway.cost}</td><td>function counter, base unit {@code usd}</td><td></td>
 *       <td>spend committed (calls and {@code record})</td></tr>
 *   <tr><td>{@code runaway.budget.spent}, {@code .reserved}, {@code .remaining}, {@code .limit}</td>
 *       <td>gauge, {@code usd}</td><td>{@code budget}: {@link dev.runaway.Budget#label()}</td>
 *       <td>per budget window</td></tr>
 *   <tr><td>{@code runaway.burn.rate}, {@code runaway.burn.baseline}</td><td>gauge,
 *       {@code usd.per.hour}</td><td></td><td>spend rate and its learned normal (NaN while warming up)</td></tr>
 *   <tr><td>{@code runaway.call.rate}, {@code runaway.call.baseline}</td><td>gauge,
 *       {@code calls.per.minute}</td><td></td><td>call rate and its learned normal</td></tr>
 *   <tr><td>{@code runaway.breaker.state}</td><td>gauge, one per state</td><td>{@code state}:
 *       {@code closed}, {@code open}, {@code half_open}, {@code forced_open}, {@code disabled}</td>
 *       <td>1 for the current state, 0 for the others</td></tr>
 *   <tr><td>{@code runaway.keys.tracked}</td><td>gauge</td><td></td><td>keys whose state is kept</td></tr>
 *   <tr><td>{@code runaway.key.spent}</td><td>multi-gauge, {@code usd}, only with
 *       {@link Builder#keyTags(int)}</td><td>{@code key}, {@code budget}</td><td>the largest spenders</td></tr>
 * </table>
 *
 * <p><b>Keys never become tags by default</b>: a tag per tenant would grow the registry without
 * bound. {@link Builder#keyTags(int)} opts in for the {@code n} largest spenders per service
 * (at most {@value #MAX_KEY_TAGS}), for keys with per-key budgets. A key gets its rows when the
 * guard starts keeping it ({@link RunawayGuard#onNewKey}), while fewer than {@code n} keys are
 * shown, so its first calls are in the scrape that follows them; every row reads the key's spend
 * when the registry reads it. The set of keys shown is refreshed to the {@code n} largest
 * spenders whenever the registry reads {@code runaway.keys.tracked} (every scrape or publish):
 * rows registered during a scrape reach the next one (a registry lists its meters before reading
 * them), so when all {@code n} rows are taken, a key that overtakes one of them is shown from the
 * scrape after the one that found it. Reading a row never keeps a key alive.
 *
 * <p>Thread-safe; gauges read the guard when the registry asks and hold no state of their own.
 */
public final class RunawayGuardMetrics implements MeterBinder {

  /** The most keys per service that {@link Builder#keyTags(int)} accepts. */
  public static final int MAX_KEY_TAGS = 1000;

  private final RunawayGuard guard;
  private final Tags extraTags;
  private final int keyTags;
  /** The key rows per service, held strongly (see {@link KeyRows}). */
  private final java.util.Map<String, KeyRows> keyRows = new java.util.concurrent.ConcurrentHashMap<>();

  private RunawayGuardMetrics(Builder b) {
    this.guard = b.guard;
    this.extraTags = b.tags;
    this.keyTags = b.keyTags;
  }

  /**
   * Returns a binder with the defaults: no key tags, no extra tags.
   *
   * @param guard the guard
   * @return the binder
   */
  public static RunawayGuardMetrics of(RunawayGuard guard) {
    return builder(guard).build();
  }

  /**
   * Returns a builder.
   *
   * @param guard the guard
   * @return a builder
   */
  public static Builder builder(RunawayGuard guard) {
    return new Builder(guard);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String service : guard.services()) {
      Tags tags = extraTags.and("name", service).and("source", "guard");
      counter(registry, service, tags, "admitted", CallStats::admitted);
      counter(registry, service, tags, "refused_budget", CallStats::refusedByBudget);
      counter(registry, service, tags, "refused_breaker", CallStats::refusedByBreaker);
      counter(registry, service, tags, "failed", CallStats::failed);
      FunctionCounter.builder(SnapshotMeters.PREFIX + "cost", guard, g -> g.stats(service).spent().toDouble())
          .description("Spend committed by guarded calls and records")
          .baseUnit("usd")
          .tags(tags)
          .register(registry);
      ServiceSnapshot first = guard.snapshot(service);
      List<dev.runaway.Budget> budgets = new ArrayList<>();
      first.windows().forEach(w -> budgets.add(w.budget()));
      SnapshotMeters.bind(registry, tags, budgets, () -> guard.snapshot(service), () -> guard.breaker(service).state());
      KeyRows keys = keyTags == 0 || guard.policy(service).perKeyBudgets().isEmpty() ? null
          : new KeyRows(service, MultiGauge.builder(SnapshotMeters.PREFIX + "key.spent")
              .description("Spend of the largest spending keys per budget window")
              .baseUnit("usd")
              .tags(tags)
              .register(registry));
      if (keys != null) {
        keyRows.put(service, keys);
        keys.refresh();
        guard.onNewKey(service, keys::added);
      }
      Gauge.builder(SnapshotMeters.PREFIX + "keys.tracked", guard, g -> {
        if (keys != null) {
          keys.refresh();
        }
        return g.trackedKeys(service);
      }).description("Keys whose state the guard keeps").tags(tags).register(registry);
    }
  }

  /**
   * The {@code runaway.key.spent} rows of one service. A key gets its rows when the guard starts
   * keeping it, on the call's own thread, if fewer than {@code keyTags} keys are shown: so its
   * first calls are in the very next scrape (rows registered during a scrape, as a refresh does,
   * reach only the scrape after, since a registry lists its meters before reading them). Each
   * scrape's refresh then shows the {@code keyTags} largest spenders. Every row reads the key's
   * spend when the registry reads it, without renewing the key's idle expiry; a key no longer kept
   * reads 0 until the refresh drops it.
   */
  private final class KeyRows {
    private final String service;
    private final MultiGauge gauge;
    private final List<String> labels;
    /** The rows shown, held strongly: Micrometer holds each row's value function weakly. */
    private List<MultiGauge.Row<?>> rows = List.of();
    private final java.util.Set<String> shown = new java.util.HashSet<>();

    KeyRows(String service, MultiGauge gauge) {
      this.service = service;
      this.gauge = gauge;
      List<String> l = new ArrayList<>();
      guard.policy(service).perKeyBudgets().forEach(b -> l.add(b.label()));
      this.labels = List.copyOf(l);
    }

    /** Shows the largest spenders now; at every read of {@code runaway.keys.tracked}. */
    synchronized void refresh() {
      List<MultiGauge.Row<?>> next = new ArrayList<>();
      shown.clear();
      for (ServiceSnapshot k : guard.keySnapshots(service, keyTags)) {
        shown.add(k.key());
        addRows(next, k.key());
      }
      rows = next;
      gauge.register(rows, true);
    }

    /** A key the guard just started keeping: shown at once while there is room. */
    synchronized void added(String key) {
      if (shown.size() >= keyTags || !shown.add(key)) {
        return;
      }
      List<MultiGauge.Row<?>> next = new ArrayList<>(rows);
      addRows(next, key);
      rows = next;
      gauge.register(rows, true);
    }

    private void addRows(List<MultiGauge.Row<?>> out, String key) {
      for (int i = 0; i < labels.size(); i++) {
        int index = i;
        out.add(MultiGauge.Row.of(Tags.of(Tag.of("key", key), Tag.of("budget", labels.get(i))),
            () -> spent(key, index)));
      }
    }

    private double spent(String key, int index) {
      return guard.keptKeySnapshot(service, key)
          .filter(s -> index < s.windows().size())
          .map(s -> s.windows().get(index).spent().toDouble())
          .orElse(0.0);
    }
  }

  private void counter(MeterRegistry registry, String service, Tags tags, String kind, ToLongFunction<CallStats> f) {
    FunctionCounter.builder(SnapshotMeters.PREFIX + "calls", guard, g -> f.applyAsLong(g.stats(service)))
        .description("Guarded calls by outcome")
        .tags(tags.and("kind", kind))
        .register(registry);
  }

  /** Builds a {@link RunawayGuardMetrics}. Not thread-safe; {@link #build()} copies its state. */
  public static final class Builder {

    private final RunawayGuard guard;
    private Tags tags = Tags.empty();
    private int keyTags;

    private Builder(RunawayGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * Adds tags to every meter (an application or instance name, say). Default: none.
     *
     * @param tags the tags
     * @return this builder
     */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = this.tags.and(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /**
     * Exports the spend of the {@code max} largest spending keys of each service as
     * {@code runaway.key.spent} tagged {@code key}. Default 0: keys never become tags.
     *
     * @param max keys per service, 0 to {@value RunawayGuardMetrics#MAX_KEY_TAGS}
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is out of range
     */
    public Builder keyTags(int max) {
      if (max < 0 || max > MAX_KEY_TAGS) {
        throw new IllegalArgumentException("keyTags must be between 0 and " + MAX_KEY_TAGS + ", got " + max);
      }
      this.keyTags = max;
      return this;
    }

    /**
     * Builds the binder.
     *
     * @return the binder
     */
    public RunawayGuardMetrics build() {
      return new RunawayGuardMetrics(this);
    }
  }
}
