package dev.runaway.monitor.internal;

import dev.runaway.internal.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.ServiceSettings;
import dev.runaway.config.internal.DidYouMean;
import dev.runaway.config.internal.Secrets;
import dev.runaway.internal.WarnOnce;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.StoppedService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import dev.runaway.internal.Plugins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's emergency stops: per service with an {@code on_runaway} section, its actions,
 * fired once per episode when the monitor's breaker for the service opens, recorded in
 * {@code state_dir/monitor/emergency-stops.json} until the service is resumed.
 *
 * <p>Thread-safe: firing is decided by a compare-and-set per service; actions of one service run
 * one after the other on the stop executor; the record file is written under this object's lock.
 */
public final class EmergencyStops implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmergencyStops.class);
  /** The file, in the monitor's state folder, where the stops taken are recorded. */
  public static final String FILE_NAME = "emergency-stops.json";
  /** The alert key of every emergency-stop alert, so they form an episode of their own. */
  public static final String ALERT_KEY = "emergency_stop";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long closing waits for a stop under way. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

  /** Why the monitor's breaker opened. */
  public enum Trigger {
    /** The account-wide meter judged a runaway. */
    RUNAWAY,
    /** An account-wide budget is used up. */
    BUDGET
  }

  private static final class Service {
    final String name;
    final StopPolicy policy;
    final List<EmergencyAction> actions;
    final List<String> types;
    final AtomicBoolean fired = new AtomicBoolean();
    volatile boolean budgetSuppressed;
    /** What fired the current episode's stop or dry run. */
    volatile Trigger firedBy;

    Service(String name, StopPolicy policy, List<EmergencyAction> actions, List<String> types) {
      this.name = name;
      this.policy = policy;
      this.actions = actions;
      this.types = types;
    }
  }

  private final Map<String, Service> services;
  /**
   * The monitored services, with or without {@code on_runaway}: a resume of any of them is recorded,
   * so that a running monitor resets its breaker for it.
   */
  private final Set<String> monitored;
  private final Path file;
  private final ExecutorService owned;
  private final java.util.concurrent.Executor executor;
  private final ExecutorService attempts;
  private final Consumer<Alert> alerts;
  private final Ticker ticker;
  private final TrackingSecrets secrets;
  private final boolean forceDryRun;
  private final WarnOnce saveFailed = new WarnOnce(LOG);
  // Guarded by this.
  private final Map<String, ObjectNode> records = new LinkedHashMap<>();
  /**
   * How many times each service was resumed, as recorded in the file: a resume by another process
   * that undid nothing (after a dry run, or with nothing recorded) changes only this, and the
   * running monitor must still reset its breaker. Guarded by this.
   */
  private final Map<String, Long> resumes = new LinkedHashMap<>();
  /** Services resumed by another process, not yet handed to {@link #resumedElsewhere}; guarded by this. */
  private final List<String> pendingResumed = new ArrayList<>();
  /**
   * The record file's modification time and size when last read or written, or {@code null}; another
   * process's resume changes it. Guarded by this.
   */
  private Object seenStamp;
  /** Told the name of each service resumed by another process: resets the running monitor's breaker. */
  private volatile Consumer<String> resumedElsewhere = name -> { };

  private EmergencyStops(Map<String, Service> services, Set<String> monitored, Path file,
      java.util.concurrent.Executor executor, Consumer<Alert> alerts, Ticker ticker, TrackingSecrets secrets,
      boolean forceDryRun) {
    this.services = services;
    this.monitored = monitored;
    this.file = file;
    this.owned = executor == null && !services.isEmpty() ? Executors.newSingleThreadExecutor(daemon("stop")) : null;
    this.executor = executor != null ? executor : owned;
    this.attempts = services.isEmpty() ? null : Executors.newCachedThreadPool(daemon("stop-attempt"));
    this.alerts = alerts;
    this.ticker = ticker;
    this.secrets = secrets;
    this.forceDryRun = forceDryRun;
  }

  private static java.util.concurrent.ThreadFactory daemon(String what) {
    return DaemonThreads.named("runaway-monitor-" + what);
  }

  /**
   * Creates the stops of every monitored service with an {@code on_runaway} section and restores
   * the record of stops taken by an earlier run.
   *
   * @param cfg the config
   * @param monitored the monitored services
   * @param providers the action providers, or {@code null} to find them with {@link ServiceLoader}
   * @param secrets where actions find their credentials
   * @param stateDir the monitor's state folder, or {@code null} (stops are then kept in memory)
   * @param executor where actions run, or {@code null} for a thread of their own
   * @param alerts where alerts go
   * @param ticker the ticker
   * @param forceDryRun whether every service is treated as {@code confirm: "dry_run"}
   * @return the stops
   * @throws ConfigException if an action's type is unknown or its settings are wrong
   */
  public static EmergencyStops create(MonitorConfig cfg, Set<String> monitored,
      List<? extends EmergencyActionProvider> providers, TrackingSecrets secrets, Path stateDir,
      java.util.concurrent.Executor executor, Consumer<Alert> alerts, Ticker ticker, boolean forceDryRun) {
    Map<String, EmergencyActionProvider> byType = null;
    Map<String, Service> services = new LinkedHashMap<>();
    List<Alert> disabled = new ArrayList<>();
    services:
    for (ServiceSettings s : cfg.services().values()) {
      StopPolicy policy = StopPolicy.of(s);
      if (policy == null || !monitored.contains(s.name())) {
        continue;
      }
      if (byType == null) {
        byType = providers(providers);
      }
      List<EmergencyAction> actions = new ArrayList<>();
      List<String> types = new ArrayList<>();
      for (int i = 0; i < policy.actions().size(); i++) {
        Map<String, Object> a = policy.actions().get(i);
        String type = (String) a.get("type");
        String path = StopPolicy.KEY + ".actions[" + i + "]";
        EmergencyActionProvider p = byType.get(type);
        if (p == null) {
          List<String> known = List.copyOf(new TreeSet<>(byType.keySet()));
          String hint = DidYouMean.suggest(type, known).map(t -> " (did you mean '" + t + "'?)").orElse("");
          throw s.error(path + ".type", "unknown action type '" + type + "'" + hint + "; known types: "
              + (known.isEmpty() ? "none (add runaway-providers)" : String.join(", ", known)));
        }
        List<String> missing = new ArrayList<>();
        for (String name : p.requiredSecrets(s, a)) {
          if (secrets.get(name).isEmpty()) {
            missing.add(name);
          }
        }
        secrets.drainMissing();
        for (String name : missing) {
          if (Secrets.isCredentialShaped(name)) {
            // Most likely the credential itself pasted into token_env: name the setting, never the value.
            String key = Secrets.settingHolding(a, name);
            throw key != null ? s.error(path + "." + key, Secrets.NOT_A_VARIABLE_NAME)
                : s.error(path, "a credential's variable name " + Secrets.NOT_A_VARIABLE_NAME);
          }
        }
        if (!missing.isEmpty()) {
          String need = "the " + type + " action needs the credential" + (missing.size() == 1 ? " " : "s ")
              + String.join(", ", missing) + " (looked in: " + secrets.describe() + ")";
          if (forceDryRun) {
            throw s.error(path, need); // check: a setting to fix, named with its line
          }
          // A running monitor: one stop that cannot work must not keep every service unwatched
          // (the whole start failed). The service is monitored and alerted on; its stop is off, loudly.
          String why = s.error(path, need).getMessage(); // file:line, the setting's path, what is missing
          LOG.error("Emergency stop of service {} is OFF: {}. The service is still monitored and alerted on; set the"
              + " credential and restart to arm its stop.", s.name(), why);
          disabled.add(new Alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, s.name(), ALERT_KEY,
              "Emergency stop of " + s.name() + " is off: a credential is missing",
              "The on_runaway stop configured for " + s.name() + " cannot run: " + why + ". The service is still"
                  + " monitored and alerted on, but a runaway will not be stopped. Set the credential and restart.",
              ticker.instant(), Map.of("emergency_stop", "off", "missing", String.join(", ", missing), "action",
                  "Set " + String.join(", ", missing) + " and restart the monitor to arm the stop of " + s.name()
                      + ".")));
          continue services;
        }
        actions.add(java.util.Objects.requireNonNull(p.create(s, a, path, secrets),
            () -> "EmergencyActionProvider " + p.getClass().getName() + " returned no action"));
        types.add(type);
      }
      services.put(s.name(), new Service(s.name(), policy, List.copyOf(actions), List.copyOf(types)));
    }
    Path file = stateDir == null ? null : stateDir.resolve(FILE_NAME);
    if (file == null && services.values().stream().anyMatch(x -> x.policy.autoConfirm())) {
      LOG.warn("Emergency stops are configured for {} but no state_dir is set: a restarted monitor will not know"
          + " what it stopped; set state_dir", services.keySet());
    }
    EmergencyStops stops = new EmergencyStops(Map.copyOf(services), Set.copyOf(monitored), file, executor, alerts,
        ticker, secrets, forceDryRun);
    stops.restore();
    disabled.forEach(stops::raise);
    return stops;
  }

  private static Map<String, EmergencyActionProvider> providers(List<? extends EmergencyActionProvider> given) {
    List<EmergencyActionProvider> all = new ArrayList<>();
    if (given != null) {
      all.addAll(given);
    } else {
      all.addAll(Plugins.load(EmergencyActionProvider.class, EmergencyActionProvider.class.getClassLoader(), LOG));
    }
    Map<String, EmergencyActionProvider> byType = new LinkedHashMap<>();
    for (EmergencyActionProvider p : all) {
      EmergencyActionProvider before = byType.putIfAbsent(p.type(), p);
      if (before != null) {
        LOG.warn("Several EmergencyActionProviders handle type '{}': {} and {}; using {}", p.type(),
            before.getClass().getName(), p.getClass().getName(), before.getClass().getName());
      }
    }
    return byType;
  }

  /**
   * Returns whether a service has emergency actions.
   *
   * @param service the service
   * @return whether it has
   */
  public boolean configured(String service) {
    return services.containsKey(service);
  }

  // ---------------------------------------------------------------- firing

  /**
   * Called every time the monitor's breaker for a service opens or stays open; fires the
   * service's actions once per episode when the policy allows.
   *
   * @param service the service
   * @param trigger why
   * @param ratio the burn rate as a multiple of the baseline ({@code NaN} when unknown)
   * @param detail the trip's detail
   */
  public void onTrip(String service, Trigger trigger, double ratio, String detail) {
    Service s = services.get(service);
    if (s == null) {
      return;
    }
    if (refresh().contains(service)) {
      return; // resumed by another process just now: this trip belonged to the episode it ended
    }
    StopPolicy p = s.policy;
    if (trigger == Trigger.BUDGET && (!p.onBudget() || s.budgetSuppressed)) {
      return;
    }
    if (trigger == Trigger.RUNAWAY && !(ratio >= p.minRatio())) {
      LOG.debug("Service {}: runaway at {}x the baseline is below on_runaway.min_ratio {}; no emergency stop",
          service, ratio, p.minRatio());
      return;
    }
    if (!s.fired.compareAndSet(false, true)) {
      return;
    }
    s.firedBy = trigger;
    String why = secrets.redact(detail);
    if (!p.autoConfirm() || forceDryRun) {
      dryRun(s, why);
      return;
    }
    try {
      executor.execute(() -> stop(s, why));
    } catch (RuntimeException e) {
      s.fired.set(false); // tried again on the next poll
      LOG.warn("Service {}: the emergency stop could not be started: {}", service, e.toString());
    }
  }

  /**
   * Called when every account-wide budget of a service is under its limit again: a budget that
   * runs out after a resume, or after a dry run's episode, starts a new episode.
   *
   * @param service the service
   */
  public void budgetClear(String service) {
    Service s = services.get(service);
    if (s != null) {
      s.budgetSuppressed = false;
      if (s.firedBy == Trigger.BUDGET && s.fired.get() && !s.policy.autoConfirm() && !hasRecord(service)) {
        s.fired.set(false); // a dry run's budget episode ended: the next one is reported again
      }
    }
  }

  /**
   * Called when, after a resume, a budget other than those used up at the resume is used up (or one
   * of those is used up again after it recovered): the resume no longer holds back a stop for a
   * used-up budget, as it does for the budgets it was made for.
   *
   * @param service the service
   */
  public void budgetUsedUpAfterResume(String service) {
    Service s = services.get(service);
    if (s != null) {
      s.budgetSuppressed = false;
    }
  }

  /**
   * Called when the runaway episode of a service resolved by itself: a dry run may be reported
   * again for the next one. Stops taken stay until resumed.
   *
   * @param service the service
   */
  public void episodeEnded(String service) {
    Service s = services.get(service);
    if (s != null && !hasRecord(service)) {
      s.fired.set(false);
    }
  }

  private synchronized boolean hasRecord(String service) {
    return records.containsKey(service);
  }

  private void dryRun(Service s, String why) {
    StringBuilder plan = new StringBuilder();
    List<String> plans = plans(s);
    for (int i = 0; i < plans.size(); i++) {
      plan.append(i == 0 ? "" : "; ").append(i + 1).append(") ").append(plans.get(i));
    }
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("confirm", "dry_run");
    facts.put("would_stop", plan.toString());
    facts.put("reason", why);
    // Every stop alert names its own next step: a notifier's default for a breaker alert pointed at
    // "the breaker of X (key emergency_stop)", which no one can find.
    facts.put("action", "Nothing was stopped: find what spends on " + s.name + " and stop it. To have the monitor"
        + " stop it next time, set on_runaway.confirm to \"auto\".");
    LOG.warn("Service {}: DRY RUN, nothing was called. An emergency stop would have done: {}", s.name, plan);
    raise(new Alert(AlertType.CIRCUIT_BREAKER, Severity.WARNING, s.name, ALERT_KEY,
        "Emergency stop of " + s.name + " (dry run): nothing was called",
        "The monitor's breaker for " + s.name + " opened (" + why + "). With on_runaway.confirm = \"auto\" it would"
            + " have done: " + plan + ". Nothing was called (confirm = \"dry_run\"" + (forceDryRun
            ? ", forced for this one-off run" : "") + ").", ticker.instant(), facts));
  }

  private List<String> plans(Service s) {
    List<String> out = new ArrayList<>();
    for (EmergencyAction a : s.actions) {
      out.add(secrets.redact(safe(a::plan, "an action of type " + s.types.get(out.size()))));
    }
    return out;
  }

  private static String safe(java.util.function.Supplier<String> text, String fallback) {
    try {
      String t = text.get();
      return t == null || t.isBlank() ? fallback : t;
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  private void stop(Service s, String why) {
    Instant since = ticker.instant();
    ObjectNode rec = JSON.createObjectNode();
    rec.put("since", since.toString());
    rec.put("reason", why);
    ArrayNode list = rec.putArray("actions");
    List<String> done = new ArrayList<>();
    List<String> undos = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < s.actions.size(); i++) {
      EmergencyAction a = s.actions.get(i);
      String plan = secrets.redact(safe(a::plan, "action " + s.types.get(i)));
      String undo = secrets.redact(safe(a::manualUndo, "undo it in the service's console"));
      ObjectNode n = list.addObject();
      n.put("index", i);
      n.put("type", s.types.get(i));
      n.put("plan", plan);
      n.put("manual_undo", undo);
      Map<String, String> result;
      try {
        result = attempt(s, "stop", () -> a.execute(s.policy.timeout()));
      } catch (Failure f) {
        String step = secrets.redact(safe(a::manualStep, plan + " by hand in the service's console"));
        n.put("ok", false);
        n.put("error", f.getMessage());
        failed.add(plan + " failed (" + f.getMessage() + "); do it by hand: " + step);
        LOG.error("Service {}: emergency stop '{}' failed: {}. Do it by hand: {}", s.name, plan, f.getMessage(), step);
        continue;
      }
      n.put("ok", true);
      ObjectNode r = n.putObject("record");
      if (result != null) {
        result.forEach((k, v) -> r.put(k, v));
      }
      done.add(plan);
      undos.add(undo);
      LOG.warn("Service {}: emergency stop taken: {} (undo: runaway-monitor resume {}, or by hand: {})", s.name, plan,
          s.name, undo);
    }
    synchronized (this) {
      refreshLocked(); // keep what another process (a resume) changed meanwhile
      records.put(s.name, rec);
      save();
    }
    deliverResumed();
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("confirm", "auto");
    facts.put("stopped", String.join("; ", done));
    facts.put("undo", "runaway-monitor resume " + s.name);
    facts.put("manual_undo", String.join("; ", undos));
    facts.put("reason", why);
    if (!failed.isEmpty()) {
      facts.put("failed", String.join("; ", failed));
    }
    facts.put("action", (failed.isEmpty() ? "Find" : "Do by hand what failed, as the alert says; then find")
        + " what ran away on " + s.name + ", then undo the stop: runaway-monitor resume " + s.name + ".");
    String title = failed.isEmpty() ? "Emergency stop of " + s.name + ": stopped"
        : "Emergency stop of " + s.name + " FAILED" + (done.isEmpty() ? "" : " in part") + ": act by hand";
    StringBuilder d = new StringBuilder("The monitor's breaker for ").append(s.name).append(" opened (").append(why)
        .append("). ");
    if (!done.isEmpty()) {
      d.append("Stopped: ").append(String.join("; ", done)).append(". To undo: runaway-monitor resume ")
          .append(s.name).append(" (or RunawayMonitor.resume(\"").append(s.name).append("\")); by hand: ")
          .append(String.join("; ", undos)).append(". ");
    }
    if (!failed.isEmpty()) {
      d.append("FAILED: ").append(String.join("; ", failed)).append('.');
    }
    raise(new Alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, s.name, ALERT_KEY, title, d.toString().trim(),
        ticker.instant(), facts));
  }

  /** A call that failed for good, with a message fit for an alert. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  private <T> T attempt(Service s, String what, Call<T> call) throws Failure {
    StopPolicy p = s.policy;
    String last = "no attempt";
    for (int i = 1; i <= p.attempts(); i++) {
      Future<T> f = attempts.submit(call::call);
      try {
        return f.get(p.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        last = "did not finish within " + p.timeout().toSeconds() + " s";
      } catch (InterruptedException e) {
        f.cancel(true);
        Thread.currentThread().interrupt();
        throw new Failure("interrupted (the monitor closed)");
      } catch (ExecutionException e) {
        Throwable t = e.getCause();
        last = secrets.describe(t);
        if (t instanceof PollException) {
          PollException.Kind k = ((PollException) t).kind();
          if (k == PollException.Kind.UNAUTHORIZED) {
            throw new Failure("refused: the credential lacks the permission (" + last + ")");
          }
          if (k == PollException.Kind.MISCONFIGURED) {
            throw new Failure(last);
          }
        }
      }
      if (i < p.attempts()) {
        LOG.debug("Service {}: {} attempt {} failed: {}; retrying", s.name, what, i, last);
        try {
          Thread.sleep(p.backoff().toMillis() << (i - 1));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Failure("interrupted (the monitor closed) after: " + last);
        }
      }
    }
    return throwFailure(p.attempts() + " attempt" + (p.attempts() == 1 ? "" : "s") + " failed, the last: " + last);
  }

  private static <T> T throwFailure(String message) throws Failure {
    throw new Failure(message);
  }

  // ---------------------------------------------------------------- resume and status

  /**
   * Undoes the stops taken for a service, in reverse order, and forgets them. A dry-run episode
   * is simply ended.
   *
   * @param service the service
   * @return what was resumed, or empty when nothing was stopped
   * @throws IllegalStateException naming the manual undo of each undo that failed; those stay recorded
   */
  public Optional<StoppedService> resume(String service) {
    refresh();
    Service s = services.get(service);
    ObjectNode rec;
    synchronized (this) {
      rec = records.get(service);
    }
    if (rec == null) {
      if (s != null) {
        s.fired.set(false);
      }
      if (s != null || monitored.contains(service)) {
        // Also a service without on_runaway, or whose stop is off: a running monitor's breaker (a
        // dry run's episode, a used-up budget) is reset too when it sees the count change.
        synchronized (this) {
          countResume(service);
          save();
        }
      }
      return Optional.empty();
    }
    StoppedService was = view(service, rec);
    List<String> failed = new ArrayList<>();
    List<String> undone = new ArrayList<>();
    List<String> ran = new ArrayList<>();
    ArrayNode actions = (ArrayNode) rec.get("actions");
    ArrayNode keep = JSON.createArrayNode();
    for (int i = actions.size() - 1; i >= 0; i--) {
      ObjectNode n = (ObjectNode) actions.get(i);
      if (!n.path("ok").asBoolean()) {
        continue;
      }
      int index = n.path("index").asInt(-1);
      String plan = n.path("plan").asText();
      String manual = n.path("manual_undo").asText();
      EmergencyAction a = s != null && index >= 0 && index < s.actions.size()
          && s.types.get(index).equals(n.path("type").asText()) ? s.actions.get(index) : null;
      if (a == null) {
        failed.add(plan + ": the action is no longer configured; undo by hand: " + manual);
        keep.insert(0, n);
        continue;
      }
      Map<String, String> record = new LinkedHashMap<>();
      n.path("record").properties().forEach(e -> record.put(e.getKey(), e.getValue().asText()));
      try {
        attempt(s, "undo", () -> {
          a.undo(Map.copyOf(record), s.policy.timeout());
          return Boolean.TRUE;
        });
        undone.add(plan);
        ran.add(manual.isBlank() ? "the undo of: " + plan : manual);
      } catch (Failure f) {
        failed.add(plan + ": undo failed (" + f.getMessage() + "); undo by hand: " + manual);
        keep.insert(0, n);
      }
    }
    synchronized (this) {
      if (keep.isEmpty()) {
        records.remove(service);
        countResume(service);
      } else {
        rec.set("actions", keep);
      }
      save();
    }
    Map<String, String> facts = new LinkedHashMap<>();
    // What resume ran, not the stops' own descriptions: "Resumed: call the webhook POST .../hook/stop"
    // read as if resume had called the stop again. The stops it reverted are named apart.
    facts.put("resumed", String.join("; ", ran));
    facts.put("reverted", String.join("; ", undone));
    if (!failed.isEmpty()) {
      facts.put("failed", String.join("; ", failed));
      facts.put("action", "Undo by hand what was not undone, as the alert says.");
      raise(new Alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, service, ALERT_KEY,
          "Resume of " + service + " FAILED in part: act by hand",
          (undone.isEmpty() ? "" : "Undone: " + String.join("; ", undone) + ". ") + "Not undone: "
              + String.join("; ", failed) + ".", ticker.instant(), facts));
      throw new IllegalStateException("service '" + service + "' could not be fully resumed: "
          + String.join("; ", failed));
    }
    if (s != null) {
      s.budgetSuppressed = true;
      s.fired.set(false);
    }
    LOG.info("Service {}: resumed; undone: {} (undo run: {}); its breaker is reset", service, undone, ran);
    facts.put("action", "No action needed: " + service + " runs again. It is stopped again only in a new episode"
        + " (a used-up budget once it has recovered).");
    raise(new Alert(AlertType.CIRCUIT_BREAKER, Severity.INFO, service, ALERT_KEY, "Service " + service + " resumed",
        "The emergency stop of " + service + " (since " + was.since() + ") was undone: "
            + (undone.isEmpty() ? "nothing had been stopped" : String.join("; ", undone) + " (undo run: "
            + String.join("; ", ran) + ")") + ". Its breaker is reset.", ticker.instant(), facts));
    return Optional.of(was);
  }

  /**
   * Returns the services stopped and not resumed, in the order they were stopped.
   *
   * @return by service, unmodifiable
   */
  public Map<String, StoppedService> stopped() {
    refresh();
    Map<String, StoppedService> out = new LinkedHashMap<>();
    synchronized (this) {
      records.forEach((k, v) -> out.put(k, view(k, v)));
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /**
   * Sets what is told the name of each service that another process resumed ({@code
   * runaway-monitor resume} while this monitor runs): the running monitor resets its breaker for
   * it. Called outside this object's lock; must not block.
   *
   * @param listener the listener
   */
  public void onResumedElsewhere(Consumer<String> listener) {
    this.resumedElsewhere = java.util.Objects.requireNonNull(listener, "listener");
  }

  /**
   * Re-reads the record if another process changed it, and tells {@link #onResumedElsewhere} of
   * each service it resumed. Cheap when nothing changed (one look at the file's time); called at
   * each polling round and when the monitor's figures are read.
   */
  public void checkRecord() {
    refresh();
  }

  /** Counts a resume of a service in the record, for a running monitor to see. Guarded by this. */
  private void countResume(String service) {
    resumes.merge(service, 1L, Long::sum);
  }

  private static StoppedService view(String service, JsonNode rec) {
    List<String> actions = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> undo = new ArrayList<>();
    for (JsonNode n : rec.path("actions")) {
      if (n.path("ok").asBoolean()) {
        actions.add(n.path("plan").asText());
        undo.add(n.path("manual_undo").asText());
      } else {
        failed.add(n.path("plan").asText() + " (" + n.path("error").asText() + ")");
      }
    }
    Instant since;
    try {
      since = Instant.parse(rec.path("since").asText());
    } catch (RuntimeException e) {
      since = Instant.EPOCH;
    }
    return new StoppedService(service, since, rec.path("reason").asText(""), actions, failed, undo);
  }

  // ---------------------------------------------------------------- the record file

  /**
   * Re-reads the record when another process (a {@code runaway-monitor resume} while this monitor
   * runs) changed it: a service resumed there is no longer stopped here, and its next episode may
   * stop it again (a used-up budget only once it has recovered).
   */
  private List<String> refresh() {
    List<String> resumed;
    synchronized (this) {
      resumed = refreshLocked();
    }
    deliverResumed();
    return resumed;
  }

  /**
   * The part of {@link #refresh} done under this object's lock; the services it finds resumed by
   * another process wait in {@link #pendingResumed} for {@link #deliverResumed}, called once the lock
   * is released.
   *
   * @return the services found resumed by another process
   */
  private List<String> refreshLocked() {
    if (file == null) {
      return List.of();
    }
    Object stamp = stamp();
    if (stamp == null || stamp.equals(seenStamp)) {
      return List.of();
    }
    Read read = read();
    if (read == null) {
      seenStamp = stamp; // reported once; read again when the file changes
      return List.of();
    }
    Set<String> resumed = new java.util.LinkedHashSet<>();
    for (String name : new ArrayList<>(records.keySet())) {
      if (!read.records.containsKey(name)) {
        records.remove(name);
        resumed.add(name);
      }
    }
    read.resumes.forEach((name, n) -> {
      if (n > resumes.getOrDefault(name, 0L)) {
        resumed.add(name); // also a resume that undid nothing: a dry run's episode
      }
    });
    read.resumes.forEach((name, n) -> resumes.merge(name, n, Math::max));
    for (String name : resumed) {
      Service s = services.get(name);
      if (s != null) {
        s.budgetSuppressed = true;
        s.fired.set(false);
      }
    }
    read.records.forEach((name, rec) -> {
      if (records.put(name, rec) == null && services.containsKey(name)) {
        services.get(name).fired.set(true);
      }
    });
    seenStamp = stamp;
    pendingResumed.addAll(resumed);
    return List.copyOf(resumed);
  }

  /** Tells the listener, outside this object's lock, of the services found resumed by another process. */
  private void deliverResumed() {
    List<String> names;
    synchronized (this) {
      if (pendingResumed.isEmpty()) {
        return;
      }
      names = new ArrayList<>(pendingResumed);
      pendingResumed.clear();
    }
    for (String name : names) {
      try {
        resumedElsewhere.accept(name);
      } catch (RuntimeException e) {
        LOG.warn("Service {} was resumed by another process, but its breaker could not be reset here: {}", name,
            e.toString());
      }
    }
  }

  /** The record file's time and size, a marker that it exists not; {@code null} when unreadable. */
  private Object stamp() {
    try {
      // The full file time, not milliseconds: a resume in the same millisecond as this monitor's
      // own write went unseen.
      return Files.exists(file) ? List.of(Files.getLastModifiedTime(file), Files.size(file)) : "absent";
    } catch (IOException e) {
      return null;
    }
  }

  /** What the record file holds: the stops in force, and how many times each service was resumed. */
  private record Read(Map<String, ObjectNode> records, Map<String, Long> resumes) {}

  /** Reads the record file; {@code null} when it cannot be read (reported). */
  private Read read() {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    Map<String, Long> resumed = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return new Read(out, resumed);
    }
    try {
      JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      root.path("services").properties().forEach(e -> {
        if (e.getValue() instanceof ObjectNode) {
          out.put(e.getKey(), (ObjectNode) e.getValue());
        }
      });
      root.path("resumed").properties().forEach(e -> {
        if (e.getValue().canConvertToLong() && e.getValue().asLong() > 0) {
          resumed.put(e.getKey(), e.getValue().asLong());
        }
      });
      return new Read(out, resumed);
    } catch (IOException | RuntimeException e) {
      // Never crash the monitor for it, but say loudly that what was stopped is unknown.
      LOG.error("The record of emergency stops {} cannot be read ({}); services stopped by an earlier run must be"
          + " resumed by hand", file, e.getClass().getSimpleName());
      return null;
    }
  }

  private void restore() {
    if (file == null || !Files.exists(file)) {
      return;
    }
    Object stamp = stamp();
    Read read = read();
    if (read == null) {
      return;
    }
    synchronized (this) {
      records.putAll(read.records);
      resumes.putAll(read.resumes); // resumes of earlier runs are not news to this one
      seenStamp = stamp;
    }
    for (Map.Entry<String, ObjectNode> e : read.records.entrySet()) {
      Service s = services.get(e.getKey());
      if (s != null) {
        s.fired.set(true); // the stop of this episode was taken by an earlier run
      }
    }
  }

  /**
   * Says, once per service, which services an earlier run stopped and how to undo it: called when
   * the monitor starts polling, not when it is built, so that {@code runaway-monitor resume} and
   * {@code stopped}, which build one to read or undo those stops, do not warn about them.
   */
  public void announceRestored() {
    Map<String, ObjectNode> now;
    synchronized (this) {
      now = new java.util.LinkedHashMap<>(records);
    }
    for (Map.Entry<String, ObjectNode> e : now.entrySet()) {
      if (announced.add(e.getKey())) {
        LOG.warn("Service {} was stopped by an earlier run of the monitor (since {}); runaway-monitor resume {}"
            + " undoes it", e.getKey(), e.getValue().path("since").asText(), e.getKey());
      }
    }
  }

  /** Services whose earlier stop {@link #announceRestored} has said. */
  private final java.util.Set<String> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private void save() {
    if (file == null) {
      return;
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("version", 1);
    ObjectNode all = root.putObject("services");
    records.forEach(all::set);
    if (!resumes.isEmpty()) {
      ObjectNode counts = root.putObject("resumed");
      resumes.forEach(counts::put);
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
      Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      seenStamp = stamp();
    } catch (IOException | RuntimeException e) {
      saveFailed.log("The record of emergency stops {} could not be written: {}", file, e.toString());
    }
  }

  private void raise(Alert alert) {
    try {
      alerts.accept(alert);
    } catch (Throwable t) {
      LOG.warn("An emergency-stop alert could not be handed to the dispatcher: {}", t.toString());
    }
  }

  /**
   * Stops the stop threads. A stop under way is given up to {@link #CLOSE_WAIT} to finish (a
   * half-taken stop is worse than a late close), then interrupted.
   */
  @Override
  public void close() {
    if (owned != null) {
      owned.shutdown();
      try {
        if (!owned.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("An emergency stop was still running {} after the monitor was closed; it is interrupted",
              CLOSE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      owned.shutdownNow();
    }
    if (attempts != null) {
      attempts.shutdownNow();
    }
  }
}
