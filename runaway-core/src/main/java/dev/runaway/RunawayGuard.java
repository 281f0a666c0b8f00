package dev.runaway;

import dev.runaway.internal.DaemonThreads;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.breaker.BreakerFleet;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.internal.AlertSink;
import dev.runaway.internal.GuardReservation;
import dev.runaway.internal.SavedBreakers;
import dev.runaway.internal.ServiceRuntime;
import dev.runaway.ledger.BudgetLedger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import dev.runaway.internal.WarnOnce;
import org.slf4j.LoggerFactory;
import java.util.function.Supplier;

/**
 * Guards an application's paid API calls: before each call it checks the service's circuit
 * breaker and reserves the expected cost against the service's budgets; a call that would break a
 * budget, or any call while the breaker is open, fails fast with a {@link RunawayException} and
 * never reaches the client. After the call the real cost is committed and fed to burn-rate
 * detection, which alerts on spikes and opens the breaker on runaways.
 *
 * <pre>{@code
 * RunawayGuard guard = RunawayGuard.builder()
 *     .service("openai", s -> s
 *         .budget(Budget.hourly(Cost.usd("10")))
 *         .budget(Budget.daily(Cost.usd("100")))
 *         .perKeyBudget(Budget.daily(Cost.usd("5")))
 *         .costExtractor(OpenAiCosts.extractor()))
 *     .build();
 *
 * ChatCompletion reply = guard.call("openai", () -> client.chat().completions().create(params));
 * }</pre>
 *
 * <p><b>Budget bound.</b> Admission is atomic across all windows of a call (every window admits
 * the reservation or none is charged). Under any number of threads, the spend admitted into a
 * window never exceeds its limit by more than the sum, over calls in flight, of (actual cost -
 * reserved estimate); with accurate estimates it never exceeds the limit. Calls without an estimate
 * reserve the service's running estimate; until the first real cost is known they run one at a
 * time (so a fresh guard overshoots by at most one call's cost).
 *
 * <p><b>Defaults.</b> A service with a budget and nothing else is protected from its first call:
 * before its baseline has warmed up (24 h) the breaker opens when the tightest budget would be gone
 * within 10 minutes at the current rate; afterwards, above 5x the learned baseline. A breaker
 * opened for spend stays open while the caller keeps looping and closes only once the caller's
 * attempts have stayed under the threshold for 10 minutes. {@link ServicePolicy} lists every
 * default and the setting that changes it.
 *
 * <p>Thread-safe. The common path of {@link #call(String, Cost, GuardedCall)} takes no lock and
 * allocates nothing inside the guard.
 */
public final class RunawayGuard implements AutoCloseable {

  private final Map<String, ServiceRuntime> services;
  private final AtomicBoolean closing = new AtomicBoolean();
  /**
   * The services' interned names by hash slot (one name a slot; a name whose slot was taken is
   * found through {@link #services}) and their runtimes in the same slots: the lookup of every call.
   */
  private final String[] names;
  private final ServiceRuntime[] runtimes;
  private final int namesMask;
  private final Ticker ticker;
  private final BudgetLedger ledger;
  private final AlertSink alerts;
  private final BreakerFleet fleet;
  private final ScheduledExecutorService clock;
  private final boolean ownsClock;
  private final ScheduledFuture<?> clockTask;
  private final WarnOnce tickFailed = new WarnOnce(LoggerFactory.getLogger(RunawayGuard.class));

  private RunawayGuard(Builder b) {
    this.ticker = b.ticker;
    this.ledger = b.ledger != null ? b.ledger
        : b.stateDir != null ? dev.runaway.ledger.internal.PersistentLedger.open(b.stateDir, b.ticker, b.stateLockWait)
        : BudgetLedger.inMemory(b.ticker);
    AlertSink dispatcher = dev.runaway.internal.Dispatchers.create(b.notifiers, b.ticker, b.alertSink);
    this.fleet = b.fleet;
    this.alerts = fleet == null ? dispatcher : new AlertSink() {
      @Override
      public void accept(Alert alert) {
        if (!fleet.replaces(alert)) {
          dispatcher.accept(alert);
        }
      }

      @Override
      public void close() {
        dispatcher.close();
      }
    };
    Map<String, ServiceRuntime> map = new LinkedHashMap<>();
    for (Map.Entry<String, ServicePolicy> e : b.policies.entrySet()) {
      map.put(e.getKey(), new ServiceRuntime(e.getKey(), e.getValue(), ticker, ledger, alerts));
    }
    this.services = Collections.unmodifiableMap(map);
    int slots = Integer.highestOneBit(Math.max(1, map.size()) * 4 - 1);
    this.names = new String[slots];
    this.runtimes = new ServiceRuntime[slots];
    this.namesMask = slots - 1;
    for (Map.Entry<String, ServiceRuntime> e : map.entrySet()) {
      int i = e.getKey().hashCode() & namesMask;
      if (names[i] == null) {
        // Interned: a name read from a config file or properties is another instance than the
        // literal its callers pass, which is the interned one.
        names[i] = e.getKey().intern();
        runtimes[i] = e.getValue();
      }
    }
    if (fleet == null && ledger instanceof dev.runaway.ledger.internal.PersistentLedger store) {
      // With a fleet, the fleet keeps the breakers' state (and a reset there must not be undone
      // by a state file): only a guard on its own keeps them in its state file.
      keepBreakers(store, map);
    }
    if (fleet != null) {
      Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
      map.forEach((name, rt) -> breakers.put(name, rt.breaker()));
      fleet.join(Collections.unmodifiableMap(breakers), this::snapshot, dispatcher::accept, ticker);
    }
    long period = Long.MAX_VALUE;
    for (ServiceRuntime rt : map.values()) {
      period = Math.min(period, rt.policy().detection().bucket().toNanos() / 6);
    }
    period = Math.max(period, 1_000_000_000L);
    this.ownsClock = b.scheduler == null;
    this.clock = ownsClock ? Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("runaway-guard-clock")) : b.scheduler;
    this.clockTask = map.isEmpty() ? null : clock.scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
  }

  /** Key breakers restored with a warning each; the rest are summed up in one line per service. */
  static final int KEY_BREAKER_WARNINGS = 5;

  /**
   * Restores the service and key breakers that were open when the state file was written, and
   * saves them with every write, written soon after each change of state: a crash-looping or
   * restarted runaway must not start each life with its breaker closed.
   */
  private void keepBreakers(dev.runaway.ledger.internal.PersistentLedger store, Map<String, ServiceRuntime> map) {
    for (String name : List.of(SavedBreakers.SECTION, SavedBreakers.KEY_SECTION)) {
      byte[] section = store.restoredSection(name).orElse(null);
      if (section == null) {
        continue;
      }
      try {
        long now = ticker.nanoTime();
        long wall = dev.runaway.ledger.internal.PersistentLedger.epochNanos(ticker.instant());
        // One warning per breaker, but for keys the first few only: a restart after many tenants'
        // breakers opened would otherwise log a line per tenant. The rest are summed up (and at DEBUG).
        Map<String, Integer> unsaid = new java.util.TreeMap<>();
        int said = 0;
        for (SavedBreakers.Entry e : SavedBreakers.decode(name, section)) {
          ServiceRuntime rt = map.get(e.service());
          boolean quiet = e.key() != null && said >= KEY_BREAKER_WARNINGS;
          if (rt != null && rt.restoreBreaker(e, now, wall, store.file(), quiet)) {
            if (quiet) {
              unsaid.merge(e.service(), 1, Integer::sum);
            } else if (e.key() != null) {
              said++;
            }
          }
        }
        unsaid.forEach((service, n) -> LoggerFactory.getLogger(RunawayGuard.class).warn("{} more key breaker{} of"
            + " service {} {} restored from {} as they were (each listed at DEBUG): those keys' calls are refused"
            + " until their breakers half-open or are reset (guard.service(\"{}\").forKey(key).breaker().reset();"
            + " all of them: runaway-monitor resume {}).", n, n == 1 ? "" : "s", service, n == 1 ? "was" : "were",
            store.file(), service, service));
      } catch (SavedBreakers.UnknownVersionException e) {
        LoggerFactory.getLogger(RunawayGuard.class).warn("The circuit breakers saved in state file {} are skipped: {};"
            + " {} start closed, and this guard's writes of the file leave them out.", store.file(), e.getMessage(),
            whose(name));
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(RunawayGuard.class).warn("The circuit breakers saved in state file {} cannot be read"
            + " ({}); {} start closed.", store.file(), e.getMessage(), whose(name));
      }
    }
    if (!store.isPersistent()) {
      return;
    }
    List<ServiceRuntime> runtimes = List.copyOf(map.values());
    for (String name : List.of(SavedBreakers.SECTION, SavedBreakers.KEY_SECTION)) {
      boolean keyed = name.equals(SavedBreakers.KEY_SECTION);
      store.writeSection(name, () -> {
        long now = ticker.nanoTime();
        long wall = dev.runaway.ledger.internal.PersistentLedger.epochNanos(ticker.instant());
        boolean last = store.isStopping();
        List<SavedBreakers.Entry> open = new java.util.ArrayList<>();
        for (ServiceRuntime rt : runtimes) {
          if (keyed) {
            rt.keyBreakersToSave(now, wall, last, open);
          } else {
            SavedBreakers.Entry e = rt.breakerToSave(now, wall, last);
            if (e != null) {
              open.add(e);
            }
          }
        }
        return SavedBreakers.encode(name, open);
      });
    }
    for (ServiceRuntime rt : runtimes) {
      rt.breaker().onStateChange(t -> store.flushSoon());
    }
  }

  /**
   * Whose breakers a section holds, for its warning: the other section's are restored on their own
   * (a key section of a newer release must not say that the services' breakers start closed).
   */
  private static String whose(String section) {
    return section.equals(SavedBreakers.KEY_SECTION) ? "the keys' breakers" : "the services' breakers";
  }

  /** Lets every meter see time pass, so episodes end even when no call arrives. */
  void tick() {
    for (ServiceRuntime rt : services.values()) {
      try {
        rt.tick();
      } catch (Throwable t) {
        tickFailed.log("Burn-rate clock of service {} failed: {}", rt.name(), t.toString());
      }
    }
  }

  /**
   * Returns a new builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a guard from a monitor config: one service per entry of {@code cost_thresholds} (with
   * its hourly and daily budgets) and of {@code services}, with {@code usage_spike_multiplier}
   * and {@code circuit_breaker}. Alerts go to the log; add notifiers with
   * {@link #builder(MonitorConfig)}.
   *
   * @param config the config
   * @return the guard
   */
  public static RunawayGuard fromConfig(MonitorConfig config) {
    return builder(config).build();
  }

  /**
   * Returns a builder pre-filled from a monitor config, to add notifiers, extractors or a ticker.
   *
   * @param config the config
   * @return the builder
   */
  public static Builder builder(MonitorConfig config) {
    Objects.requireNonNull(config, "config");
    Builder b = builder();
    Set<String> names = new java.util.LinkedHashSet<>(config.costThresholds().keySet());
    names.addAll(config.services().keySet());
    for (String name : names) {
      MonitorConfig.CostThresholds t = config.costThresholds().get(name);
      b.service(name, s -> {
        if (t != null) {
          t.budgets().forEach(s::budget);
          if (t.maxCallsPerMinute() > 0) {
            s.callRateCap(t.maxCallsPerMinute());
          }
          t.maxCostPerHour().ifPresent(s::costRateCap);
        }
        s.budgetHorizon(config.circuitBreaker().budgetHorizon());
        s.spikeMultiplier(config.usageSpikeMultiplier());
        s.breakerMultiplier(config.circuitBreaker().thresholdMultiplier());
        s.breakerEnabled(config.circuitBreaker().enabled());
      });
    }
    config.stateDir().ifPresent(b::stateDir);
    return b;
  }

  /**
   * Runs a call of a service, reserving the service's running estimate of its cost per call (the
   * policy's initial estimate until real costs have been seen).
   *
   * @param service the service
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the call's result, or the cost extractor's replacement of it when its cost comes later
   *     ({@link CostExtractor#settleLater}: an LLM SDK's stream, charged its usage when that arrives)
   * @throws X the call's exception, unchanged (its reservation is released)
   * @throws BudgetExceededException if a budget has no room; the call was not made
   * @throws CircuitOpenException if the breaker is open; the call was not made
   * @throws IllegalStateException if the guard is closed ({@link #close()}); the call was not made
   * @throws IllegalArgumentException if the service is not configured
   */
  public <T, X extends Throwable> T call(String service, GuardedCall<T, X> call) throws X {
    ServiceRuntime rt = runtime(service);
    return rt.call(null, rt.estimate(), call);
  }

  /**
   * Runs a call of a service, reserving an explicit estimate of its cost.
   *
   * <p>The guard reads its ticker once per call: the admission, the commit and the burn-rate
   * meter share that reading, so spend is dated at the call's start. A refusal by an open breaker
   * throws a {@link CircuitOpenException} that is shared by the refusals of the same open period
   * for up to a second (it is immutable, without stack trace or suppression); its retry-after may
   * be up to that second late, never early.
   *
   * @param service the service
   * @param estimate the amount to reserve; not negative
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the call's result, or the cost extractor's replacement of it when its cost comes later
   *     ({@link CostExtractor#settleLater}: an LLM SDK's stream, charged its usage when that arrives)
   * @throws X the call's exception, unchanged (its reservation is released)
   * @throws BudgetExceededException if a budget has no room; the call was not made
   * @throws CircuitOpenException if the breaker is open; the call was not made
   * @throws IllegalStateException if the guard is closed ({@link #close()}); the call was not made
   */
  public <T, X extends Throwable> T call(String service, Cost estimate, GuardedCall<T, X> call) throws X {
    return runtime(service).call(null, nanos(estimate), call);
  }

  /**
   * Runs an asynchronous call. A refusal completes the returned future exceptionally with the
   * {@link RunawayException} and never invokes {@code call}; a failed stage releases the
   * reservation, and so does a {@code call} that throws or returns {@code null} (the future then
   * fails with that exception, or a {@link NullPointerException} saying so).
   *
   * @param service the service
   * @param call starts the call
   * @param <T> the result type
   * @return a future of the call's result
   * @throws IllegalStateException if the guard is closed (thrown, not a failed future: not a refusal)
   */
  public <T> CompletableFuture<T> callAsync(String service, Supplier<? extends CompletionStage<T>> call) {
    ServiceRuntime rt = runtime(service);
    return async(rt, null, rt.estimate(), call);
  }

  /**
   * Runs an asynchronous call, reserving an explicit estimate of its cost. A refusal completes
   * the returned future exceptionally with the {@link RunawayException} and never invokes
   * {@code call}; a failed stage releases the reservation; a completed stage commits the cost the
   * service's {@link CostExtractor} reads from its value (the estimate when it cannot tell).
   *
   * @param service the service
   * @param estimate the amount to reserve; not negative
   * @param call starts the call
   * @param <T> the result type
   * @return a future of the call's result
   * @throws IllegalStateException if the guard is closed (thrown, not a failed future: not a refusal)
   */
  public <T> CompletableFuture<T> callAsync(String service, Cost estimate,
      Supplier<? extends CompletionStage<T>> call) {
    return async(runtime(service), null, nanos(estimate), call);
  }

  static <T> CompletableFuture<T> async(ServiceRuntime rt, String key, long estimate,
      Supplier<? extends CompletionStage<T>> call) {
    Objects.requireNonNull(call, "call");
    GuardReservation r;
    try {
      r = rt.reserve(key, estimate);
    } catch (RunawayException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (Throwable t) {
      r.fail(t);
      return CompletableFuture.failedFuture(t);
    }
    if (stage == null) {
      // A caller's bug, not a failure of the API: release without counting it against the breaker.
      r.close();
      return CompletableFuture.failedFuture(new NullPointerException("callAsync of service '" + rt.name() + "'"
          + (key == null ? "" : " key '" + key + "'") + ": the call returned null instead of a CompletionStage;"
          + " its reservation was released. Return a stage (e.g. CompletableFuture.completedFuture(value))."));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      stage.whenComplete((value, failure) -> {
        try {
          if (failure != null) {
            r.fail(failure);
          } else {
            r.commitResult(value);
          }
        } finally {
          if (failure != null) {
            out.completeExceptionally(failure);
          } else {
            out.complete(value);
          }
        }
      });
    } catch (Throwable t) {
      // A stage that cannot take a callback would otherwise hold its reservation forever.
      r.fail(t);
      return CompletableFuture.failedFuture(t);
    }
    return out;
  }

  /**
   * Reserves budget for a call whose cost is learned later, such as a stream:
   * {@code try (var r = guard.reserve("openai", est)) { ...; r.commit(actual); }}. Closing
   * without a commit releases the reservation. The clock is read once, here: the commit dates
   * its spend at this reservation's start (in the budget windows and the burn-rate meter), as a
   * guarded call dates its spend at the call's start.
   *
   * @param service the service
   * @param estimate the amount to reserve
   * @return the reservation
   * @throws RunawayException if refused
   */
  public Reservation reserve(String service, Cost estimate) {
    return runtime(service).reserve(null, nanos(estimate));
  }

  /**
   * Reserves budget for a call of one key (tenant, user) of a service whose cost is learned
   * later; the reservation counts against the service's budgets and the key's per-key budgets.
   * Same as {@code service(service).forKey(key).reserve(estimate)}.
   *
   * @param service the service
   * @param key the key; {@code null} reserves against the whole service only
   * @param estimate the amount to reserve; not negative
   * @return the reservation
   * @throws RunawayException if refused
   * @throws IllegalArgumentException if the key is blank or the service is not configured
   */
  public Reservation reserve(String service, String key, Cost estimate) {
    return runtime(service).reserve(checkKey(key), nanos(estimate));
  }

  /**
   * Records spend of a service observed outside a guarded call (a webhook, a batch job). It is
   * charged unconditionally and may take a budget past its limit, after which calls are refused.
   *
   * @param service the service
   * @param cost the spend; not negative
   */
  public void record(String service, Cost cost) {
    runtime(service).record(null, nanos(cost));
  }

  /**
   * Returns the operations bound to one service.
   *
   * @param name the service
   * @return the service's guard
   */
  public ServiceGuard service(String name) {
    ServiceRuntime rt = runtime(name);
    // One immutable guard per service, kept with it: the per-request idiom
    // guard.service(name).forKey(key).call(...) then allocates nothing.
    Object cached = rt.serviceGuard();
    if (cached instanceof ServiceGuard) {
      return (ServiceGuard) cached;
    }
    ServiceGuard g = new ServiceGuard(rt, null);
    rt.serviceGuard(g);
    return g;
  }

  /**
   * Returns a service's circuit breaker.
   *
   * @param service the service
   * @return the breaker
   */
  public CircuitBreaker breaker(String service) {
    return runtime(service).breaker();
  }

  /**
   * Returns a snapshot of a service: spend per window, burn rate against baseline, projections
   * and breaker state.
   *
   * @param service the service
   * @return the snapshot
   */
  public ServiceSnapshot snapshot(String service) {
    return runtime(service).snapshot((String) null);
  }

  /**
   * Returns a service's call outcome counters since the guard was built (admitted, refused by
   * budget, refused by breaker, failed) and its committed spend: the figures metrics export.
   *
   * @param service the service
   * @return a snapshot of the counters
   */
  public CallStats stats(String service) {
    return runtime(service).stats();
  }

  /**
   * Returns a snapshot of every guarded service, in the order they were configured.
   *
   * @return the snapshots by service, an immutable ordered map
   */
  public Map<String, ServiceSnapshot> snapshots() {
    Map<String, ServiceSnapshot> out = new LinkedHashMap<>();
    for (ServiceRuntime rt : services.values()) {
      out.put(rt.name(), rt.snapshot((String) null));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns snapshots of the keys of a service whose state the guard keeps now (keys seen
   * recently, see {@link ServicePolicy.Builder#maxKeys(long)}), the largest spenders first: by the
   * largest spend in any per-key budget window, then by name. At most {@code limit} are returned,
   * so a service with many tenants stays cheap to look at. Empty for a service without per-key
   * budgets or per-key detection.
   *
   * @param service the service
   * @param limit the most keys to return; not negative
   * @return the key snapshots, an immutable list
   */
  public List<ServiceSnapshot> keySnapshots(String service, int limit) {
    return runtime(service).keySnapshots(limit);
  }

  /**
   * Returns a snapshot of a key of a service if the guard keeps the key's state now, without
   * starting to keep it and without counting as a use of the key (its idle expiry, {@link
   * ServicePolicy.Builder#keyIdleExpiry}, is not renewed): for readers such as a metrics scrape
   * that look at keys often and must neither revive evicted keys nor keep idle ones alive. Unlike
   * {@link #snapshot(String, String)}, which keeps the key it is asked about.
   *
   * @param service the service
   * @param key the key
   * @return the key's snapshot, or empty if its state is not kept (or the service keeps none)
   * @throws IllegalArgumentException if the key is blank or the service is not configured
   */
  public Optional<ServiceSnapshot> keptKeySnapshot(String service, String key) {
    return Optional.ofNullable(runtime(service).keptKeySnapshot(checkKey(key)));
  }

  /**
   * Calls {@code listener} with each key of a service that the guard starts keeping state for
   * from now on: at the key's first call, or its first after its state was evicted, on the
   * calling thread, before that call is admitted. For a metrics binder that shows keys from the
   * scrape after their first call. The listener must be quick and must not call into the guard for
   * that service's keys (their map is being updated for the new key; {@link
   * #keptKeySnapshot(String, String)} from another thread later is fine); a listener that throws
   * is logged at WARN once, then at DEBUG, and never fails the call. A service that keeps no
   * per-key state (no per-key budgets or detection) never calls it. Listeners cannot be removed.
   *
   * @param service the service
   * @param listener called with the key's name
   * @throws IllegalArgumentException if the service is not configured
   */
  public void onNewKey(String service, Consumer<String> listener) {
    runtime(service).onNewKey(listener);
  }

  /**
   * Returns the policy a service was configured with.
   *
   * @param service the service
   * @return its policy
   * @throws IllegalArgumentException if the service is not configured
   */
  public ServicePolicy policy(String service) {
    return runtime(service).policy();
  }

  /**
   * Returns how many keys of a service the guard keeps state for now (after pending evictions).
   *
   * @param service the service
   * @return the count, 0 for a service without per-key budgets or detection
   */
  public long trackedKeys(String service) {
    return runtime(service).keyCount();
  }

  /**
   * Returns a snapshot of one key of a service: the key's spend per per-key budget window, its
   * burn rate when per-key detection is on, and its breaker state. A service without per-key
   * budgets or detection keeps no per-key state: its whole snapshot is returned (with a
   * {@code null} key). Same as {@code service(service).forKey(key).snapshot()}.
   *
   * @param service the service
   * @param key the key; {@code null} returns the whole service's snapshot
   * @return the snapshot
   * @throws IllegalArgumentException if the key is blank or the service is not configured
   */
  public ServiceSnapshot snapshot(String service, String key) {
    return runtime(service).snapshot(checkKey(key));
  }

  /**
   * Returns the names of the guarded services, in the order they were configured.
   *
   * @return the names
   */
  public Set<String> services() {
    return services.keySet();
  }

  /**
   * Returns the ticker this guard reads.
   *
   * @return the ticker
   */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * Closes the guard: from now on every call, reservation and record of any of its services
   * throws an {@link IllegalStateException} before anything is reserved or called (a closed guard
   * would save and alert nothing); then delivers pending alerts within a bound, closes the
   * notifiers and the ledger (a state file is saved). Calls already running commit in memory only.
   * Snapshots, statistics and breakers stay readable. Closing again does nothing.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    for (ServiceRuntime rt : services.values()) {
      rt.close();
    }
    if (clockTask != null) {
      clockTask.cancel(false);
    }
    if (ownsClock) {
      clock.shutdownNow();
    }
    try {
      if (fleet != null) {
        fleet.close();
      }
      alerts.close();
    } finally {
      ledger.close();
    }
  }

  @Override
  public String toString() {
    return "RunawayGuard" + services.keySet();
  }

  /**
   * The runtime of the service named by this very String (the interned name: a literal or a
   * constant), or null; package-private for tests in this package.
   */
  ServiceRuntime byIdentity(String service) {
    if (service != null) {
      int i = service.hashCode() & namesMask;
      if (names[i] == service) {
        return runtimes[i];
      }
    }
    return null;
  }

  /** The runtime of a configured service; package-private for tests in this package. */
  ServiceRuntime runtime(String service) {
    // Most callers pass the same String instance every time (a literal or a constant): found by
    // identity in one probe, without the map's hashing and nodes (issue 19); any other string
    // through the map.
    ServiceRuntime found = byIdentity(service);
    if (found != null) {
      return found;
    }
    ServiceRuntime rt = services.get(service);
    if (rt == null) {
      throw new IllegalArgumentException("unknown service '" + service + "'; configured services: "
          + services.keySet());
    }
    return rt;
  }

  static String checkKey(String key) {
    if (key != null && key.isBlank()) {
      throw new IllegalArgumentException("key must not be blank, got '" + key + "'");
    }
    return key;
  }

  static long nanos(Cost cost) {
    Objects.requireNonNull(cost, "cost");
    long n = cost.nanos();
    if (n < 0) {
      throw new IllegalArgumentException("cost must not be negative, got " + cost);
    }
    return n;
  }

  /** Builds a {@link RunawayGuard}. */
  public static final class Builder {
    private final Map<String, ServicePolicy> policies = new LinkedHashMap<>();
    private final List<Notifier> notifiers = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private BudgetLedger ledger;
    private BreakerFleet fleet;
    private java.nio.file.Path stateDir;
    private java.time.Duration stateLockWait = dev.runaway.ledger.internal.PersistentLedger.DEFAULT_LOCK_WAIT;
    private Consumer<Alert> alertSink;
    private ScheduledExecutorService scheduler;

    private Builder() {}

    /**
     * Sets the scheduler on which the guard lets its burn-rate meters see time pass (every few
     * seconds), so that an episode ends with its resolution alert even when calls stop. By
     * default the guard starts one daemon thread, stopped by {@link RunawayGuard#close()}; a
     * given scheduler is not shut down by the guard.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Configures a service.
     *
     * @param name the service's name, as used in {@link #call(String, GuardedCall)}
     * @param spec fills in the service's policy
     * @return this builder
     * @throws IllegalStateException if the service was configured already
     */
    public Builder service(String name, Consumer<ServicePolicy.Builder> spec) {
      Objects.requireNonNull(spec, "spec");
      ServicePolicy.Builder b = ServicePolicy.builder();
      spec.accept(b);
      return service(name, b.build());
    }

    /**
     * Configures a service with a built policy.
     *
     * @param name the service's name
     * @param policy the policy
     * @return this builder
     */
    public Builder service(String name, ServicePolicy policy) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(policy, "policy");
      if (name.isBlank()) {
        throw new IllegalArgumentException("service name must not be blank");
      }
      if (policies.containsKey(name)) {
        throw new IllegalStateException("service '" + name + "' was already configured");
      }
      policies.put(name, policy);
      return this;
    }

    /**
     * Adds a notifier. Alerts are delivered asynchronously, de-duplicated and retried; with no
     * notifier they go to the log.
     *
     * @param notifier the notifier
     * @return this builder
     */
    public Builder notifier(Notifier notifier) {
      notifiers.add(Objects.requireNonNull(notifier, "notifier"));
      return this;
    }

    /**
     * Sets the ticker (default {@link Ticker#system()}). A guarded call reads it once. Where
     * {@code System.nanoTime()} is slow (many virtual machines) and calls are frequent,
     * {@link Ticker#coarse()} takes that read off the hot path at a resolution of about a
     * millisecond; tests pass a {@link ManualTicker}.
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Sets the budget ledger (default {@link BudgetLedger#inMemory(Ticker)}, or a state file when
     * {@link #stateDir(java.nio.file.Path)} is set).
     *
     * @param ledger the ledger
     * @return this builder
     */
    public Builder ledger(BudgetLedger ledger) {
      this.ledger = Objects.requireNonNull(ledger, "ledger");
      return this;
    }

    /**
     * Keeps budget spend in a state file in {@code dir} so that a restarted process resumes its
     * budgets: a crash-looping runaway does not start each life with a fresh budget. Spend is
     * written off the hot path about once a second, on {@link RunawayGuard#close()} and at JVM
     * shutdown; a crash loses at most about one second of spend. Restored spend is aged by the
     * monotonic clock on the same machine (never by more than the wall clock says: a wall clock
     * stepped forwards between two lives gives nothing back), by the wall clock after a reboot, and
     * never counts as younger than the restart. Limits: a file of at most 1 GiB
     * (about a million keys holding spend; a larger state is not written, reported as a write
     * failure), and a key whose name is over 64 KiB of UTF-8 keeps its spend in memory only. A missing, corrupt or unwritable
     * file is logged once and the guard keeps working in memory (a read-only directory's saved
     * spend is still restored). One process per directory: a guard that finds the directory
     * locked by another running process waits up to 10 s for it (an old instance still exiting)
     * and resumes its saved spend, or else {@link #build()} throws an
     * {@link IllegalStateException} rather than start with a fresh budget beside it; see
     * {@link #stateDir(java.nio.file.Path, java.time.Duration)}. A service breaker that is open
     * when the guard stops (tripped by detection, or by hand with a reason; not one opened by
     * failures) is saved too, and the next guard on the folder starts with it open for the rest of
     * its open period, with its reason; {@code breaker(service).reset()} closes it as usual. Not
     * with a {@link #fleet(BreakerFleet) fleet}, which keeps breaker state itself. Ignored when a
     * custom {@link #ledger(BudgetLedger)} is set (that ledger keeps its own state).
     *
     * @param dir the state directory, created if missing (a config's {@code state_dir})
     * @return this builder
     */
    public Builder stateDir(java.nio.file.Path dir) {
      this.stateDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Like {@link #stateDir(java.nio.file.Path)}, with the time {@link #build()} waits for
     * another process to release the directory (default 10 s) before it throws.
     *
     * @param dir the state directory, created if missing
     * @param lockWait how long to wait for another process's lock; not negative
     * @return this builder
     */
    public Builder stateDir(java.nio.file.Path dir, java.time.Duration lockWait) {
      Objects.requireNonNull(lockWait, "lockWait");
      if (lockWait.isNegative()) {
        throw new IllegalArgumentException("lockWait must not be negative, got " + lockWait);
      }
      this.stateLockWait = lockWait;
      return stateDir(dir);
    }

    /**
     * Receives every alert synchronously on the thread that raised it, before de-duplication, in
     * place of the dispatcher; for tests and for embedding the guard in a system with its own
     * alerting. It must not block.
     *
     * @param sink the receiver
     * @return this builder
     */
    public Builder alertSink(Consumer<Alert> sink) {
      this.alertSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Joins a fleet (default: none, each breaker is this process's own). With a fleet, a trip of
     * any service's breaker in any guard of the fleet, or in the monitor, opens that service's
     * breaker here too, and a reset anywhere closes it; alerts about the fleet's breakers are sent
     * once per fleet episode. See {@code dev.runaway.redis.RedisFleet}. The guard closes the fleet
     * when it closes.
     *
     * @param fleet the fleet, not shared with another guard
     * @return this builder
     * @throws IllegalStateException if a fleet was already set
     */
    public Builder fleet(BreakerFleet fleet) {
      Objects.requireNonNull(fleet, "fleet");
      if (this.fleet != null) {
        throw new IllegalStateException("fleet was already set to " + this.fleet);
      }
      this.fleet = fleet;
      return this;
    }

    /**
     * Builds the guard.
     *
     * @return the guard
     */
    public RunawayGuard build() {
      return new RunawayGuard(this);
    }
  }
}
