package dev.runaway.monitor;

import dev.runaway.Budget;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.config.internal.Secrets;
import dev.runaway.internal.AlertSink;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.monitor.internal.DetectorDiscovery;
import dev.runaway.monitor.internal.EmergencyStops;
import dev.runaway.monitor.internal.KeptBudgetAlerts;
import dev.runaway.monitor.internal.AlertRelay;
import dev.runaway.monitor.internal.MonitorAlerts;
import dev.runaway.monitor.internal.MonitorShared;
import dev.runaway.monitor.internal.PollLoop;
import dev.runaway.monitor.internal.ServiceMonitor;
import dev.runaway.monitor.internal.TrackingSecrets;
import dev.runaway.stats.DetectionSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each configured service's own usage or billing API and detects runaways that no
 * in-process guard sees (a CI loop, another team's script, a leaked key): it alerts, opens the
 * attached guard's breakers, and, where a service's {@code on_runaway} allows it, stops the
 * runaway through the service's own API.
 *
 * <pre>{@code
 * RunawayMonitor monitor = RunawayMonitor.builder()
 *     .config(MonitorConfig.load(Path.of("config/monitor_config.json")))
 *     .secrets(SecretSource.environment().orElse(SecretSource.dotEnv(Path.of(".env"))))
 *     .guard(guard)          // optional: polled runaways open the guard's breakers
 *     .notifier(myNotifier)  // optional: besides those in the config's "notifications"
 *     .build();
 * monitor.start();           // polls every monitoring_interval until close()
 * }</pre>
 *
 * <p><b>Detectors.</b> Each configured service gets a {@link Detector} from the
 * {@link DetectorProvider} of its {@code type}, found with {@link java.util.ServiceLoader}; an
 * unknown type fails the build with a {@link ConfigException} listing the known types. A service
 * whose credentials ({@link DetectorProvider#requiredSecrets}) are missing is reported once, by
 * the names of the environment variables, and skipped; so is one whose provider throws from
 * {@code create} anything but a {@link ConfigException} (a plug-in whose backend is down); the
 * others are monitored. A {@link ConfigException} (a setting of the user's) fails the build.
 *
 * <p><b>Isolation.</b> Every round polls the services in parallel on the executor. A poll that
 * fails raises one {@code SERVICE_STATUS} alert per failure episode ({@code CRITICAL} when the
 * credential was refused, {@code WARNING} otherwise; a rate limit counts only from the third in a
 * row) and one {@code INFO} alert with {@code resolved=true} when it works again. A poll that runs
 * longer than the poll timeout is reported and interrupted. Polls of one service never overlap: a
 * round skips a service whose previous poll is still running. A service is polled at most once per
 * minimum spacing (default half the interval) and not before the wait its {@code Retry-After}
 * asked for; neither holds up the other services.
 *
 * <p><b>Spans.</b> The first poll asks for one {@code monitoring_interval} back, later polls for
 * the time since the end of the last successful one (at most one day back). A report that starts
 * before the span asked for is cumulative for its bucket, such as the current UTC day: only its
 * growth since the last report of the same bucket counts, and a new bucket starts afresh. Nothing
 * is counted twice.
 *
 * <p><b>Account-wide meters.</b> Per service the monitor keeps its own budgets (the config's
 * {@code cost_thresholds}) and its own burn-rate meter, apart from any guard's: the guard counts
 * this process's calls, the monitor everything the service billed. The meter counts as calls the
 * first of the report's units {@code requests}, {@code runs.created}, {@code transactions} and
 * {@code minutes}; a report with none of them is judged on spend alone. The spend it judges is
 * the larger of the report's cost and its {@link UsageReport#DETECTION_COST_UNIT} (a gross or
 * effective value where the billed cost stays $0). With a {@code state_dir} the meters' learned
 * baselines are saved in its {@code monitor} folder (a file of its own, flushed every second and
 * on {@link #close()}), so a restarted monitor resumes them instead of starting a new 24-hour
 * warm-up; spend is not saved, since a restarted monitor reads cumulative figures afresh. Budgets raise
 * {@code COST_THRESHOLD} alerts at 80% and 100% ({@code scope=account-wide}), each once until the
 * budget's use falls below 40%; with a {@code state_dir} the same file keeps which of them were
 * raised and delivered to every notifier, and in which window (a sliding window's length from the
 * alert; a calendar day), so that a restarted monitor re-reading the same figures does not raise
 * them again in that window, while one not delivered when the monitor stopped is raised again
 * (a file without that section, an older release's, loads as before). The meter raises
 * {@code USAGE_SPIKE} alerts. Spend reported for a span longer than a budget's window (a daily
 * figure seen for the first time) is charged to that window in proportion.
 *
 * <p><b>The link to the guard.</b> When a service runs away account-wide, or uses up an
 * account-wide budget, the monitor trips the attached guard's breaker for that service with
 * {@link dev.runaway.breaker.TripReason#MONITOR}, so the application's calls fail fast; with
 * {@code circuit_breaker.enabled = false} it only alerts.
 *
 * <p><b>Emergency stops.</b> Without a guard, or for what no guard sees, the monitor alone stops
 * nothing unless told to: a service with {@code services.<name>.on_runaway} (off by default) has
 * {@link EmergencyAction}s, from {@link EmergencyActionProvider}s found with
 * {@link java.util.ServiceLoader} (runaway-providers has GitHub Actions, Vercel, Supabase, OpenAI,
 * {@code webhook} and {@code command}). They fire once per episode when the
 * monitor's breaker for the service opens: a runaway at least {@code min_ratio} (default 10) times
 * the baseline, or (with {@code on_budget}, default {@code true}) a used-up account-wide budget.
 * {@code confirm} is {@code "dry_run"} by default (the alert says what would have been done and
 * nothing is called); {@code "auto"} calls them, each with a timeout ({@code timeout_seconds},
 * default 30), up to {@code attempts} times (default 3) with a doubling backoff
 * ({@code retry_backoff_seconds}, default 2). A refused credential is not retried. The alert
 * reporting the stop says what was stopped and how to undo it; a failure is a {@code CRITICAL}
 * alert naming what to do by hand. Stops taken are recorded in {@code state_dir/monitor} until
 * {@link #resume(String)} undoes them; {@link #stopped()} lists them, also after a restart.
 *
 * <p>Thread-safe.
 */
public final class RunawayMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RunawayMonitor.class);
  /** The detector type shown for detectors added with {@link Builder#detector(Detector)}. */
  static final String CUSTOM_TYPE = "custom";

  private final PollLoop loop;
  private final AlertSink alerts;
  private final AtomicBoolean closed;
  /** Why each skipped service is not polled, logged at WARN when polling first begins. */
  private final List<String> skipNotes;
  private final AtomicBoolean skipReported = new AtomicBoolean();
  /** Each skipped service's alert (service, type, short reason, detail), sent when polling first begins. */
  private final List<String[]> skipAlerts;
  private final Ticker ticker;
  private final Duration interval;

  /**
   * The folder of {@code state_dir} where the monitor keeps its meters' baselines, the 80%/100%
   * budget alerts it raised (with their windows) and its emergency stops.
   */
  public static final String MONITOR_STATE_SUBDIR = "monitor";

  private final PersistentLedger baselines;
  private final EmergencyStops stops;
  private final RunawayGuard guard;

  private final AlertRelay relay;

  private RunawayMonitor(PollLoop loop, AlertSink alerts, AtomicBoolean closed, Duration interval,
      PersistentLedger baselines, EmergencyStops stops, RunawayGuard guard, AlertRelay relay, List<String> skipNotes,
      List<String[]> skipAlerts, Ticker ticker) {
    this.skipNotes = List.copyOf(skipNotes);
    this.skipAlerts = List.copyOf(skipAlerts);
    this.ticker = ticker;
    this.relay = relay;
    this.baselines = baselines;
    this.stops = stops;
    this.guard = guard;
    this.loop = loop;
    this.alerts = alerts;
    this.closed = closed;
    this.interval = interval;
  }

  /**
   * Returns a new builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  static {
    dev.runaway.monitor.internal.MonitorHooks.bind(m -> m.skipReported.set(true));
  }

  /**
   * Starts polling: a first round now, then one every {@code monitoring_interval}, until
   * {@link #close()}.
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start() {
    ensureOpen();
    reportSkipped();
    loop.start();
    LOG.info("Monitoring {} every {}", loop.services().keySet(), interval);
    stops.announceRestored();
  }

  /**
   * Runs one round now and waits for its polls to end: for the standalone monitor's
   * {@code check} and for tests. Services that are still polling, or may not be polled yet (rate
   * limit, {@code Retry-After}), are skipped, and so are services whose poll failed.
   *
   * @return the reports of this round's successful polls, by service, unmodifiable
   * @throws IllegalStateException if closed
   */
  public Map<String, UsageReport> pollOnce() {
    ensureOpen();
    reportSkipped();
    return loop.pollOnce();
  }

  /**
   * Returns the account-wide figures of a service: spend per budget window, burn rate against
   * its baseline, projections, and the attached guard's breaker state ({@code CLOSED} without a
   * guard, {@code DISABLED} when breakers are disabled in the config).
   *
   * @param service a monitored service
   * @return the snapshot
   * @throws IllegalArgumentException if the service is not monitored
   */
  public ServiceSnapshot snapshot(String service) {
    ServiceMonitor m = monitor(service);
    stops.checkRecord(); // a resume by another process resets the breaker this snapshot shows
    return m.snapshot();
  }

  /**
   * Returns how the polling of each service stands, the services skipped for missing credentials
   * included; for status tables.
   *
   * @return by service, in config order, unmodifiable
   */
  public Map<String, MonitorStatus> status() {
    stops.checkRecord();
    return loop.status();
  }

  /**
   * Returns the names of the monitored services (those skipped for missing credentials excluded).
   *
   * @return the names, in config order
   */
  public Set<String> services() {
    return loop.services().keySet();
  }

  /**
   * Undoes the emergency stops taken for a service (in reverse order, each with its recorded
   * previous state, such as re-enabling a disabled GitHub workflow), forgets them in
   * {@code state_dir}, ends the monitor's runaway episode and resets the attached guard's breaker
   * for the service. A service stopped by an earlier run of the monitor is resumed the same way.
   *
   * @param service the service
   * @return what was stopped and is now resumed, or empty when nothing was stopped (the episode
   *     and the breaker are reset all the same)
   * @throws IllegalArgumentException if the service is neither monitored nor recorded as stopped
   * @throws IllegalStateException if an undo failed: the message names each manual undo, and those
   *     actions stay recorded as stopped
   */
  public Optional<StoppedService> resume(String service) {
    Objects.requireNonNull(service, "service");
    ServiceMonitor m = loop.services().get(service);
    if (m == null && !stops.stopped().containsKey(service)) {
      monitor(service); // throws, naming the monitored services
    }
    Optional<StoppedService> was = stops.resume(service);
    resetBreaker(m, service);
    return was;
  }

  /**
   * Resets the breaker of a service: the monitor's own (the one its emergency stops fire on, shown
   * in the status table and page) and the attached guard's.
   *
   * @return whether the monitor's own breaker was open
   */
  private boolean resetBreaker(ServiceMonitor m, String service) {
    boolean wasOpen = m != null && m.resetEpisode();
    if (guard != null && guard.services().contains(service)) {
      dev.runaway.breaker.CircuitBreaker.State state = guard.breaker(service).state();
      wasOpen |= state == dev.runaway.breaker.CircuitBreaker.State.OPEN
          || state == dev.runaway.breaker.CircuitBreaker.State.HALF_OPEN
          || state == dev.runaway.breaker.CircuitBreaker.State.FORCED_OPEN;
      guard.breaker(service).reset();
    }
    return wasOpen;
  }

  /** Another process ran {@code runaway-monitor resume service}: its breaker is reset here too. */
  private void resumedElsewhere(String service) {
    boolean wasOpen = resetBreaker(loop.services().get(service), service);
    LOG.info("Service {} was resumed by another process (runaway-monitor resume {}): {}", service, service,
        wasOpen ? "its breaker, open for a runaway or a used-up budget, is reset here too"
            : "its breaker here was not open");
  }

  /**
   * Returns the services stopped by emergency actions and not resumed, with since when, also
   * those stopped by an earlier run of the monitor (read from {@code state_dir}).
   *
   * @return by service, unmodifiable
   */
  public Map<String, StoppedService> stopped() {
    return stops.stopped();
  }

  /**
   * Stops promptly: cancels the schedule, interrupts running polls (their results are
   * discarded), closes the detectors, then delivers pending alerts within a bound and closes the
   * notifiers. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      loop.close();
      stops.close();
    } finally {
      try {
        relay.unbind(alerts); // later alerts of a relayed guard go to the log, not to a closed sink
        alerts.close();
      } finally {
        if (baselines != null) {
          baselines.close(); // a last save of the meters' baselines, and the state directory released
        }
      }
    }
  }

  @Override
  public String toString() {
    return "RunawayMonitor" + loop.services().keySet();
  }

  private ServiceMonitor monitor(String service) {
    ServiceMonitor m = loop.services().get(service);
    if (m == null) {
      MonitorStatus skipped = loop.skipped().get(service);
      if (skipped != null) {
        throw new IllegalArgumentException("service '" + service + "' is not monitored: " + skipped.lastError());
      }
      throw new IllegalArgumentException("unknown service '" + service + "'; monitored services: "
          + loop.services().keySet());
    }
    return m;
  }

  /**
   * Logs, once, at WARN, each service that is not polled and why, when polling first begins, and
   * raises one {@code SERVICE_STATUS} alert for it: a chat that never reads the log must hear that
   * a configured service is not watched.
   */
  private void reportSkipped() {
    if (skipReported.compareAndSet(false, true)) {
      skipNotes.forEach(n -> LOG.warn("{}", n));
      for (String[] a : skipAlerts) {
        alerts.accept(dev.runaway.internal.GuardAlerts.serviceNotMonitored(a[0], a[1], a[2], a[3], ticker.instant()));
      }
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the monitor is closed");
    }
  }

  /**
   * Builds a {@link RunawayMonitor}. Settings that take one value fail with an
   * {@link IllegalStateException} when given twice.
   *
   * <p>Not thread-safe; {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private MonitorConfig config;
    private SecretSource secrets;
    private RunawayGuard guard;
    private final AlertRelay relay = new AlertRelay();
    private final List<Notifier> notifiers = new ArrayList<>();
    private Ticker ticker;
    private ScheduledExecutorService scheduler;
    private Executor executor;
    private final List<Detector> detectors = new ArrayList<>();
    private List<DetectorProvider> providers;
    private Consumer<Alert> alertSink;
    private Duration pollTimeout;
    private Duration minPollSpacing;
    private boolean keepBaselines = true;
    private List<EmergencyActionProvider> actionProviders;
    private Executor actionExecutor;
    private boolean dryRunStops;
    /** How long a start waits for another monitor to let the state folder go (tests shorten it). */
    Duration stateLockWait = PersistentLedger.DEFAULT_LOCK_WAIT;

    private Builder() {}

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * Sets the config (default: {@link MonitorConfig#defaults()}, no service).
     *
     * @param config the config
     * @return this builder
     */
    public Builder config(MonitorConfig config) {
      requireUnset(this.config, "config");
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets where credentials are found (default: {@link SecretSource#defaults()}).
     *
     * @param secrets the source
     * @return this builder
     */
    public Builder secrets(SecretSource secrets) {
      requireUnset(this.secrets, "secrets");
      this.secrets = Objects.requireNonNull(secrets, "secrets");
      return this;
    }

    /**
     * Attaches a guard: an account-wide runaway or a used-up account-wide budget of a service
     * the guard also guards trips the guard's breaker of that service.
     *
     * @param guard the guard
     * @return this builder
     */
    public Builder guard(RunawayGuard guard) {
      requireUnset(this.guard, "guard");
      this.guard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * Returns a notifier that hands alerts to this monitor's alerting (the config's
     * {@code notifications}, the notifiers added here, de-duplication and retries) once the monitor
     * is built. Give it to a guard that must be built before the monitor, such as the one holding
     * the fleet-wide breaker the monitor trips, so the fleet's alerts reach the same chat as the
     * monitor's own; an alert sent before {@link #build()} or after the monitor is closed goes to the
     * log only.
     *
     * @return the relay, the same on every call
     */
    public Notifier relay() {
      return relay;
    }

    /**
     * Adds a notifier, besides those of the config's {@code notifications}.
     *
     * @param notifier the notifier
     * @return this builder
     */
    public Builder notifier(Notifier notifier) {
      notifiers.add(Objects.requireNonNull(notifier, "notifier"));
      return this;
    }

    /**
     * Sets the ticker (default {@link Ticker#system()}); it should be the attached guard's.
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      requireUnset(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Sets the scheduler of rounds and poll timeouts (default: one daemon thread, shut down on
     * close). An injected scheduler is not shut down by the monitor.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      requireUnset(this.scheduler, "scheduler");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sets the executor polls run on, in parallel (default: a pool of daemon threads, at most one
     * per service busy at a time, shut down on close). An injected executor is not shut down by
     * the monitor; {@code Runnable::run} polls the services one after the other on the round's
     * thread.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      requireUnset(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Adds a detector built in code, such as a custom one or a test fake. Its
     * {@link Detector#service()} names the service; a service of that name in the config gets
     * its budgets and this detector instead of one from its provider.
     *
     * @param detector the detector; closed by the monitor
     * @return this builder
     */
    public Builder detector(Detector detector) {
      Objects.requireNonNull(detector, "detector");
      detectors.add(detector);
      return this;
    }

    /**
     * Uses these providers instead of those found with {@link java.util.ServiceLoader}, for tests
     * and embedders.
     *
     * @param providers the providers, in order of preference
     * @return this builder
     */
    public Builder providers(List<? extends DetectorProvider> providers) {
      requireUnset(this.providers, "providers");
      this.providers = List.copyOf(providers);
      return this;
    }

    /**
     * Receives every alert synchronously on the thread that raised it, in place of the dispatcher
     * and notifiers; for tests and for embedding the monitor in a system with its own alerting. It
     * must not block.
     *
     * @param sink the receiver
     * @return this builder
     */
    public Builder alertSink(Consumer<Alert> sink) {
      requireUnset(this.alertSink, "alertSink");
      this.alertSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Sets how long one poll may run before it is reported as failed and interrupted (default:
     * the interval, at most one minute).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder pollTimeout(Duration timeout) {
      requireUnset(this.pollTimeout, "pollTimeout");
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("pollTimeout must be positive, got " + timeout);
      }
      this.pollTimeout = timeout;
      return this;
    }

    /**
     * Sets whether the meters' baselines, and the budget alerts raised, are kept in the config's
     * {@code state_dir} (default {@code true}, when a {@code state_dir} is configured). A one-off
     * check sets {@code false}, so it neither takes the state folder from a running monitor nor
     * saves what a single poll saw.
     *
     * @param keep whether to restore and save the baselines and raised alerts
     * @return this builder
     */
    public Builder keepBaselines(boolean keep) {
      this.keepBaselines = keep;
      return this;
    }

    /**
     * Uses these emergency-action providers instead of those found with
     * {@link java.util.ServiceLoader}, for tests and embedders.
     *
     * @param providers the providers, in order of preference
     * @return this builder
     */
    public Builder actionProviders(List<? extends EmergencyActionProvider> providers) {
      requireUnset(this.actionProviders, "actionProviders");
      this.actionProviders = List.copyOf(providers);
      return this;
    }

    /**
     * Sets the executor emergency actions run on (default: one daemon thread of their own, so a
     * stop never holds up polling). {@code Runnable::run} takes the stop on the polling thread,
     * within the poll that opened the breaker; for tests.
     *
     * @param executor the executor; not shut down by the monitor
     * @return this builder
     */
    public Builder actionExecutor(Executor executor) {
      requireUnset(this.actionExecutor, "actionExecutor");
      this.actionExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Treats every service's {@code on_runaway} as {@code confirm: "dry_run"} (default
     * {@code false}): a one-off check never stops anything.
     *
     * @param dryRun whether to only say what would be done
     * @return this builder
     */
    public Builder dryRunStops(boolean dryRun) {
      this.dryRunStops = dryRun;
      return this;
    }

    /**
     * Sets the least time between the starts of two polls of one service, the monitor's own rate
     * limit (default: half of {@code monitoring_interval}). Rounds and {@link #pollOnce()} calls
     * that come sooner skip the service.
     *
     * @param spacing zero or more
     * @return this builder
     */
    public Builder minPollSpacing(Duration spacing) {
      requireUnset(this.minPollSpacing, "minPollSpacing");
      Objects.requireNonNull(spacing, "spacing");
      if (spacing.isNegative()) {
        throw new IllegalArgumentException("minPollSpacing must be zero or more, got " + spacing);
      }
      this.minPollSpacing = spacing;
      return this;
    }

    /**
     * Creates the detectors and builds the monitor; polling starts with {@link #start()}.
     *
     * @return the monitor
     * @throws ConfigException if a service's type is unknown (the message lists the known types),
     *     its provider rejects its settings, or a notifier's or emergency stop's settings are wrong:
     *     every service and notifier is checked, and the exception names each problem found, in file
     *     order ({@link ConfigException#problems()})
     * @throws IllegalStateException if two detectors report on the same service
     */
    public RunawayMonitor build() {
      MonitorConfig cfg = config != null ? config : MonitorConfig.defaults();
      Ticker tk = ticker != null ? ticker : Ticker.system();
      TrackingSecrets tracked = new TrackingSecrets(secrets != null ? secrets : SecretSource.defaults());
      Duration interval = cfg.monitoringInterval();
      Duration timeout = pollTimeout != null ? pollTimeout
          : interval.compareTo(Duration.ofMinutes(1)) < 0 ? interval : Duration.ofMinutes(1);
      Duration spacing = minPollSpacing != null ? minPollSpacing : interval.dividedBy(2);

      Map<String, Detector> given = new LinkedHashMap<>();
      for (Detector d : detectors) {
        String name = Objects.requireNonNull(d.service(), "detector.service()");
        if (name.isBlank()) {
          throw new IllegalArgumentException("a detector's service() must not be blank: " + d);
        }
        if (given.putIfAbsent(name, d) != null) {
          throw new IllegalStateException("two detectors report on service '" + name + "'");
        }
      }

      Map<String, Detector> created = new LinkedHashMap<>();
      Map<String, String> types = new LinkedHashMap<>();
      List<MonitorStatus> skipped = new ArrayList<>();
      List<String[]> skipWarnings = new ArrayList<>();
      List<ConfigException> problems = new ArrayList<>();
      try {
        DetectorDiscovery discovery = null;
        for (ServiceSettings s : cfg.services().values()) {
          try {
            if (given.containsKey(s.name())) {
              continue;
            }
            if (discovery == null) {
              discovery = providers != null ? DetectorDiscovery.of(providers) : DetectorDiscovery.load();
            }
            misspeltBudgetName(cfg, s, discovery);
            DetectorProvider provider = discovery.providerFor(s);
            List<String> missing = new ArrayList<>();
            for (String secret : provider.requiredSecrets(s)) {
              if (tracked.get(secret).isEmpty()) {
                missing.add(secret);
              }
            }
            tracked.drainMissing();
            if (missing.isEmpty()) {
              try {
                Detector d = Objects.requireNonNull(provider.create(s, tracked),
                    () -> "DetectorProvider " + provider.getClass().getName() + " returned no detector");
                created.put(s.name(), d);
                types.put(s.name(), s.type());
                tracked.drainMissing();
                continue;
              } catch (ConfigException e) {
                missing = namedIn(e, tracked.drainMissing());
                if (missing.isEmpty()) {
                  throw redacted(e, tracked);
                }
              } catch (RuntimeException e) {
                // Not a config error of the user's (those are ConfigExceptions): the provider failed,
                // e.g. a plug-in whose backend is down at start. One failing service is reported and
                // skipped like one without credentials; it must not keep the others from being watched.
                tracked.drainMissing();
                String why = "its " + s.type() + " detector could not be created (" + tracked.describe(e) + ")";
                skipWarnings.add(new String[] {s.name(), s.type(), why, "fix the cause and restart",
                    "its detector could not be created"});
                skipped.add(new MonitorStatus(s.name(), s.type(), MonitorStatus.Health.SKIPPED, null, null, why, null,
                    false, 0, 0, 0));
                continue;
              }
            }
            for (String name : missing) {
              if (Secrets.isCredentialShaped(name)) {
                throw notAVariableName(s, name);
              }
            }
            String why = "missing credential" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                + " (looked in: " + tracked.describe() + ")";
            checkSettingsWithoutCredentials(provider, s, why, tracked);
            skipWarnings.add(new String[] {s.name(), s.type(), why, missing.size() == 1 ? "set it and restart"
                : "set them and restart", "missing credential" + (missing.size() == 1 ? " " : "s ")
                + String.join(", ", missing)});
            skipped.add(new MonitorStatus(s.name(), s.type(), MonitorStatus.Health.SKIPPED, null, null, why, null,
                false, 0, 0, 0));
          } catch (ConfigException e) {
            // Reported with the other services' problems: one run names every mistake.
            tracked.drainMissing();
            problems.add(redacted(e, tracked));
          }
        }
      } catch (RuntimeException | Error e) {
        created.values().forEach(RunawayMonitor::closeQuietly);
        throw e;
      }
      for (Map.Entry<String, Detector> e : given.entrySet()) {
        created.put(e.getKey(), e.getValue());
        types.put(e.getKey(), cfg.services().containsKey(e.getKey()) ? cfg.services().get(e.getKey()).type()
            : CUSTOM_TYPE);
      }
      // Made once every service is known, so the last sentence is true; logged when polling
      // begins, not here: a monitor built to resume a service or to check the config polls nothing.
      String others = created.isEmpty() ? "No service is monitored."
          : created.size() == 1 ? "Service " + created.keySet().iterator().next() + " is monitored."
          : "The " + created.size() + " other services are monitored.";
      List<String> skipNotes = new ArrayList<>();
      List<String[]> skipAlerts = new ArrayList<>();
      for (String[] w : skipWarnings) {
        skipNotes.add("Service " + w[0] + " (type " + w[1] + ") is not monitored: " + w[2] + "; " + w[3] + ". "
            + others);
        skipAlerts.add(new String[] {w[0], w[1], w[4], w[2] + "; " + w[3] + "."});
      }

      MonitorConfig.CircuitBreakerSettings cb = cfg.circuitBreaker();
      Duration bucket = interval.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
          : interval.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : interval;
      DetectionSettings detection = DetectionSettings.builder()
          .spikeMultiplier(cfg.usageSpikeMultiplier())
          .breakerMultiplier(cb.thresholdMultiplier())
          .breakerEnabled(cb.enabled())
          .bucket(bucket)
          .build();
      AlertSink sink;
      try {
        sink = MonitorAlerts.create(cfg, tracked, notifiers, alertSink, tk);
      } catch (ConfigException e) {
        problems.add(redacted(e, tracked));
        sink = null;
      } catch (RuntimeException | Error e) {
        created.values().forEach(RunawayMonitor::closeQuietly);
        throw e;
      }
      if (!problems.isEmpty()) {
        // Every service's and notifier's problems at once; the emergency stops of the services
        // whose detectors were created are checked too, then everything built is closed.
        try {
          checkStops(cfg, created.keySet(), actionProviders, tracked, tk, problems);
        } finally {
          created.values().forEach(RunawayMonitor::closeQuietly);
          if (sink != null) {
            sink.close();
          }
        }
        throw problems.size() == 1 ? problems.get(0) : new ConfigException(problems);
      }
      AtomicBoolean closed = new AtomicBoolean();
      MonitorShared shared = new MonitorShared(tk, interval, timeout, spacing, Duration.ofDays(1), detection, sink,
          guard, tracked, closed);
      BudgetLedger ledger = BudgetLedger.inMemory(tk);
      // The account-wide meters' baselines survive a restart in state_dir/monitor (a file of its own:
      // a guard in the same process holds state_dir's). Spend is not kept: a restarted monitor
      // re-reads cumulative figures, which would count it twice.
      PersistentLedger baselines;
      try {
        baselines = !keepBaselines ? null : cfg.stateDir()
            .map(d -> PersistentLedger.open(d.resolve(MONITOR_STATE_SUBDIR), tk, stateLockWait)).orElse(null);
      } catch (PersistentLedger.StateDirLockedException e) {
        created.values().forEach(RunawayMonitor::closeQuietly);
        sink.close();
        throw Thread.currentThread().isInterrupted() ? e : inUse(cfg.stateDir().get(), stateLockWait);
      }
      // Alerts raised before a restart, so that re-read cumulative figures do not raise them again.
      Map<String, List<KeptBudgetAlerts.Entry>> raised = KeptBudgetAlerts.restore(baselines);
      List<ServiceMonitor> monitors = new ArrayList<>();
      for (Map.Entry<String, Detector> e : created.entrySet()) {
        MonitorConfig.CostThresholds t = cfg.costThresholds().get(e.getKey());
        List<Budget> budgets = t == null ? List.of() : t.budgets();
        monitors.add(new ServiceMonitor(e.getKey(), types.get(e.getKey()), e.getValue(), budgets, ledger, shared,
            baselines, raised.getOrDefault(e.getKey(), List.of())));
      }
      KeptBudgetAlerts.keep(baselines, monitors, tk);
      EmergencyStops stops;
      try {
        stops = EmergencyStops.create(cfg, created.keySet(), actionProviders, tracked,
            cfg.stateDir().map(d -> d.resolve(MONITOR_STATE_SUBDIR)).orElse(null), actionExecutor,
            sink::accept, tk, dryRunStops);
      } catch (RuntimeException | Error e) {
        created.values().forEach(RunawayMonitor::closeQuietly);
        sink.close();
        if (baselines != null) {
          baselines.close();
        }
        if (e instanceof ConfigException) {
          throw redacted((ConfigException) e, tracked);
        }
        throw e;
      }
      for (ServiceMonitor m : monitors) {
        if (stops.configured(m.name())) {
          m.emergencyStops(stops);
        }
      }
      PollLoop loop = new PollLoop(monitors, skipped, shared, executor, scheduler);
      relay.bind(sink); // last: a build that fails leaves the relay logging, not pointing at a closed sink
      RunawayMonitor monitor = new RunawayMonitor(loop, sink, closed, interval, baselines, stops, guard, relay,
          skipNotes, skipAlerts, tk);
      // runaway-monitor resume from another process, while this monitor runs: seen at each round and
      // whenever the figures are read, so the BREAKER column and the status page follow at once.
      stops.onResumedElsewhere(monitor::resumedElsewhere);
      loop.beforeRound(stops::checkRecord);
      return monitor;
    }
  }

  /**
   * Creates the emergency stops of the services whose detectors were created, only to add their
   * config error to {@code problems}; nothing is restored or kept.
   */
  private static void checkStops(MonitorConfig cfg, Set<String> monitored,
      List<EmergencyActionProvider> actionProviders, TrackingSecrets tracked, Ticker ticker,
      List<ConfigException> problems) {
    try {
      EmergencyStops.create(cfg, monitored, actionProviders, tracked, null, Runnable::run, a -> { }, ticker, true)
          .close();
    } catch (ConfigException e) {
      problems.add(redacted(e, tracked));
    } catch (RuntimeException e) {
      LOG.debug("Emergency stops could not be checked beside the other config problems", e);
    }
  }

  /**
   * The missing credentials a provider's config error names, of those it looked for and did not
   * find: a provider that accepts either of two credentials looks for both, and its error names the
   * one to set (MongoDB Atlas: the missing half of the pair begun). When the message names none
   * of them, all are returned.
   */
  static List<String> namedIn(ConfigException e, List<String> missing) {
    String msg = e.getMessage() == null ? "" : e.getMessage();
    List<String> named = new ArrayList<>();
    for (String name : missing) {
      if (java.util.regex.Pattern.compile("(?<![A-Za-z0-9_])" + java.util.regex.Pattern.quote(name)
          + "(?![A-Za-z0-9_])").matcher(msg).find()) {
        named.add(name);
      }
    }
    return named.isEmpty() ? missing : named;
  }

  /**
   * A missing credential asked for under a "name" that is no variable's, or is shaped like a token
   * ({@link Secrets#isCredentialShaped}): most likely the credential itself, written where its
   * variable's name belongs ({@code "token_env": "sk-..."}). Reported at the setting holding it,
   * never quoting it, instead of as a "missing credential" named by it.
   */
  private static ConfigException notAVariableName(ServiceSettings s, String name) {
    String problem = Secrets.NOT_A_VARIABLE_NAME;
    String key = Secrets.settingHolding(s.values(), name);
    return key != null ? s.error(key, problem) : s.reader().error("a credential's variable name " + problem);
  }

  /**
   * Fails for a {@code cost_thresholds} entry that is a misspelling of a configured service: a
   * service named only there is monitored with the type of its name, so the typo was reported as
   * "unknown detector type" under a {@code services.<name>.type} the file does not have.
   */
  private static void misspeltBudgetName(MonitorConfig cfg, ServiceSettings s, DetectorDiscovery discovery) {
    if (!s.values().isEmpty() || !s.type().equals(s.name()) || !cfg.costThresholds().containsKey(s.name())
        || discovery.types().contains(s.type())) {
      return;
    }
    List<String> others = new ArrayList<>(cfg.services().keySet());
    others.remove(s.name());
    Optional<String> meant = dev.runaway.config.internal.DidYouMean.suggest(s.name(), others);
    if (meant.isEmpty()) {
      return;
    }
    ConfigException at = s.error("type", "");
    throw new ConfigException(at.file().orElse(null), "cost_thresholds." + s.name(), at.line(), at.column(),
        "names no service (a service named only here is monitored with the detector type of its name, and there"
            + " is no type '" + s.name() + "'); did you mean the service '" + meant.get() + "'? Rename this key to "
            + meant.get(), null);
  }

  /**
   * A service skipped for a missing credential still has its settings checked: a wrong setting was
   * hidden behind "missing credential" until the credential was set (trial finding). It is a
   * config error as it would be with the credential, and its message names the missing credential too.
   */
  private static void checkSettingsWithoutCredentials(DetectorProvider provider, ServiceSettings s, String missing,
      TrackingSecrets tracked) {
    try {
      provider.checkSettings(s);
    } catch (ConfigException all) {
      List<ConfigException> each = new ArrayList<>();
      for (ConfigException e : all.problems()) {
        String problem = problemOf(e.getMessage(), e);
        each.add(redacted(new ConfigException(e.file().orElse(null), e.path().orElse(null), e.line(), e.column(),
            problem + " (service " + s.name() + " also has " + (missing.startsWith("missing credentials") ? "" : "a ")
                + missing + ")", e.getCause()), tracked));
      }
      throw each.size() == 1 ? each.get(0) : new ConfigException(each);
    } catch (RuntimeException e) {
      LOG.debug("Settings check of service {} failed; it is reported when the detector is created", s.name(), e);
    } finally {
      tracked.drainMissing();
    }
  }

  /** A provider's config error whose message quotes a credential is re-thrown without it. */
  private static ConfigException redacted(ConfigException e, TrackingSecrets secrets) {
    if (e.problems().size() > 1) {
      List<ConfigException> each = new ArrayList<>();
      for (ConfigException p : e.problems()) {
        each.add(redacted(p, secrets));
      }
      return new ConfigException(each);
    }
    String msg = e.getMessage();
    String clean = secrets.redact(msg);
    if (msg == null || msg.equals(clean)) {
      return e;
    }
    // Kept where it is, so that it is sorted in file order among the other problems.
    String problem = problemOf(clean, e);
    return problem.equals(clean) ? new ConfigException(clean)
        : new ConfigException(e.file().orElse(null), e.path().orElse(null), e.line(), e.column(), problem, null);
  }

  /** The part of {@code message} after {@code e}'s location ("file:line:column: path: "), or all of it. */
  private static String problemOf(String message, ConfigException e) {
    String located = new ConfigException(e.file().orElse(null), e.path().orElse(null), e.line(), e.column(), "",
        null).getMessage();
    return !located.isEmpty() && message.startsWith(located) ? message.substring(located.length()) : message;
  }

  /**
   * The state folder's {@code monitor} folder is held by another running monitor: what the
   * ledger's own message says of guards, a shared budget and Redis does not fit a monitor.
   */
  private static PersistentLedger.StateDirLockedException inUse(java.nio.file.Path stateDir, Duration waited) {
    java.nio.file.Path d = stateDir.resolve(MONITOR_STATE_SUBDIR);
    return new PersistentLedger.StateDirLockedException("State folder " + d + " is in use by another running monitor"
        + " (it holds " + d.resolve(PersistentLedger.LOCK_NAME) + ") and was not released within "
        + waited.toMillis() + " ms. Two monitors of one account would alert twice and take its emergency stops"
        + " twice, so this one does not start. Stop the other monitor, or give this one a state_dir of its own.");
  }

  private static void closeQuietly(Detector d) {
    try {
      d.close();
    } catch (Throwable t) {
      LOG.debug("Detector of service {} failed to close: {}", d.service(), t.getClass().getName());
    }
  }
}
