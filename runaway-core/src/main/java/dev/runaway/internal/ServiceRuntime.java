package dev.runaway.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.GuardedCall;
import dev.runaway.RunawayException;
import dev.runaway.ServicePolicy;
import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.stats.BaselineState;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's state for one service: its ledger account, breaker, meter and keys, and the hot
 * path of a guarded call.
 *
 * <p>Thread-safe. The common path (breaker closed, budgets with room, no event) takes no lock
 * and allocates nothing.
 */
public final class ServiceRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceRuntime.class);

  private final String name;
  private final ServicePolicy policy;
  private final Ticker ticker;
  private final BudgetLedger ledger;
  private final LedgerAccount account;
  private final CircuitBreaker breaker;
  private final BurnRateMeter meter;
  private final CostExtractor extractor;
  private final AlertSink alerts;
  private final Cache<String, KeyRuntime> keys;
  private final Function<String, KeyRuntime> newKey;
  private final Thresholds thresholds;
  private final WarnOnce extractorFailed = new WarnOnce(LOG);
  private final WarnOnce alertFailed = new WarnOnce(LOG);
  private final WarnOnce baselineUnusable = new WarnOnce(LOG);
  private volatile long runningEstimate;
  /** The per-key meters' settings, shared by every key (null without per-key detection). */
  private final DetectionSettings keyDetection;

  /** State of one key. */
  static final class KeyRuntime {
    final String key;
    final LedgerAccount account;
    final BurnRateMeter meter;
    final Thresholds thresholds;
    volatile CircuitBreaker breaker;

    KeyRuntime(String key, LedgerAccount account, BurnRateMeter meter) {
      this.key = key;
      this.account = account;
      this.meter = meter;
      this.thresholds = account == null ? null : new Thresholds(account.budgets());
    }
  }

  /** Which of 80% and 100% each budget has already alerted. */
  static final class Thresholds {
    final long[] at80;
    final long[] at100;
    final AtomicIntegerArray level;

    Thresholds(List<Budget> budgets) {
      at80 = new long[budgets.size()];
      at100 = new long[budgets.size()];
      level = new AtomicIntegerArray(budgets.size());
      for (int i = 0; i < at80.length; i++) {
        long limit = budgets.get(i).limit().nanos();
        at100[i] = limit;
        at80[i] = limit / 5 * 4 + (limit % 5) * 4 / 5;
      }
    }
  }

  /**
   * Creates the runtime.
   *
   * @param name the service
   * @param policy its policy
   * @param ticker the ticker
   * @param ledger the ledger
   * @param alerts where alerts go
   */
  public ServiceRuntime(String name, ServicePolicy policy, Ticker ticker, BudgetLedger ledger, AlertSink alerts) {
    this.name = name;
    this.policy = policy;
    this.ticker = ticker;
    this.ledger = ledger;
    this.alerts = alerts;
    this.account = ledger.account(name, null, policy.budgets());
    this.thresholds = new Thresholds(policy.budgets());
    this.breaker = CircuitBreaker.of(name, policy.breaker(), ticker);
    this.breaker.onStateChange(t -> raise(GuardAlerts.breaker(t, null, snapshotOf(null))));
    this.meter = newMeter(null, policy.detection());
    this.extractor = policy.costExtractor();
    this.runningEstimate = policy.initialEstimate().nanos();
    this.keyDetection = policy.perKeyDetection() ? policy.detection().forKeys() : null;
    boolean keyed = !policy.perKeyBudgets().isEmpty() || policy.perKeyDetection();
    if (keyed) {
      this.keys = Caffeine.newBuilder()
          .maximumSize(policy.maxKeys())
          .expireAfterAccess(policy.keyIdleExpiry().toNanos(), TimeUnit.NANOSECONDS)
          .ticker(ticker::nanoTime)
          .executor(Runnable::run)
          .build();
      this.newKey = this::createKey;
    } else {
      this.keys = null;
      this.newKey = null;
    }
  }

  private KeyRuntime createKey(String key) {
    LedgerAccount acc = policy.perKeyBudgets().isEmpty() ? null : ledger.account(name, key, policy.perKeyBudgets());
    BurnRateMeter m = keyDetection != null ? newMeter(key, keyDetection) : null;
    return new KeyRuntime(key, acc, m);
  }

  /**
   * Creates a burn-rate meter; with a state file, it resumes the baseline saved there (so a
   * restart does not begin a new warm-up) and saves its own with every flush.
   */
  private BurnRateMeter newMeter(String key, DetectionSettings settings) {
    if (!(ledger instanceof PersistentLedger)) {
      return BurnRateMeter.create(settings, ticker);
    }
    PersistentLedger store = (PersistentLedger) ledger;
    BurnRateMeter m = null;
    byte[] saved = store.restoredBaseline(name, key).orElse(null);
    if (saved != null) {
      try {
        m = BurnRateMeter.create(settings, ticker, BaselineState.fromBytes(saved));
      } catch (RuntimeException e) {
        baselineUnusable.log("The saved baseline of service {}{} in {} cannot be used ({}); it is learned afresh",
            name, key == null ? "" : " key " + key, store.file(), e.getMessage());
      }
    }
    if (m == null) {
      m = BurnRateMeter.create(settings, ticker);
    }
    store.trackBaseline(name, key, m, ServiceRuntime::baselineBytes);
    return m;
  }

  private static byte[] baselineBytes(BurnRateMeter m) {
    BaselineState s = m.exportBaseline();
    return s.learnedBuckets() == 0 ? null : s.toBytes();
  }

  /**
   * Returns the service's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the policy.
   *
   * @return the policy
   */
  public ServicePolicy policy() {
    return policy;
  }

  /**
   * Returns the service's breaker.
   *
   * @return the breaker
   */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Returns the current estimate for calls without an explicit one.
   *
   * @return nano-dollars
   */
  public long estimate() {
    return runningEstimate;
  }

  /**
   * Returns the number of keys whose state is kept, after pending evictions.
   *
   * @return the count
   */
  public long keyCount() {
    if (keys == null) {
      return 0;
    }
    keys.cleanUp();
    return keys.estimatedSize();
  }

  private KeyRuntime key(String key) {
    return key == null || keys == null ? null : keys.get(key, newKey);
  }

  /**
   * Runs a guarded call.
   *
   * @param key the key or {@code null}
   * @param estimate the amount to reserve
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the result
   * @throws X the call's exception, unchanged
   */
  public <T, X extends Throwable> T call(String key, long estimate, GuardedCall<T, X> call) throws X {
    KeyRuntime k = key(key);
    admit(key, k, estimate, ticker.nanoTime());
    T result;
    try {
      result = call.call();
    } catch (Throwable t) {
      failed(k, estimate, t);
      throw t;
    }
    succeeded(key, k, estimate, costOf(result, estimate));
    return result;
  }

  /**
   * Admits a call: breaker permission, then every budget, then the call meter.
   *
   * @param key the key or {@code null}
   * @param k the key's state or {@code null}
   * @param estimate the amount to reserve
   * @param now the ticker's reading
   */
  void admit(String key, KeyRuntime k, long estimate, long now) {
    if (!breaker.tryAcquirePermission()) {
      throw open(breaker, key);
    }
    CircuitBreaker kb = k == null ? null : k.breaker;
    if (kb != null && !kb.tryAcquirePermission()) {
      breaker.releasePermission();
      throw open(kb, key);
    }
    int refused = account.tryReserve(estimate, now);
    if (refused != LedgerAccount.ADMITTED) {
      releasePermissions(kb);
      throw refused == LedgerAccount.UNAVAILABLE ? unavailable(key, account, estimate, now)
          : exhausted(key, account, thresholds, refused, estimate, now);
    }
    if (k != null && k.account != null) {
      refused = k.account.tryReserve(estimate, now);
      if (refused != LedgerAccount.ADMITTED) {
        account.release(estimate, now);
        releasePermissions(kb);
        throw refused == LedgerAccount.UNAVAILABLE ? unavailable(key, k.account, estimate, now)
            : exhausted(key, k.account, k.thresholds, refused, estimate, now);
      }
    }
    MeterEvent event = meter.onCall(now);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    if (k != null && k.meter != null) {
      MeterEvent keyEvent = k.meter.onCall(now);
      if (keyEvent != MeterEvent.NONE) {
        onEvent(k, keyEvent);
      }
    }
    if ((event.isRunaway() || k != null && k.breaker != kb) && policy.detection().breakerEnabled()) {
      // This very call pushed the rate over the edge: refuse it too.
      CircuitBreaker tripped = event.isRunaway() ? breaker : k.breaker;
      if (tripped != null && !tripped.tryAcquirePermission()) {
        account.release(estimate, now);
        if (k != null && k.account != null) {
          k.account.release(estimate, now);
        }
        throw open(tripped, key);
      }
    }
  }

  /**
   * Releases a reservation that ended without a call outcome.
   *
   * @param k the key's state or {@code null}
   * @param estimate the reservation
   */
  void release(KeyRuntime k, long estimate) {
    long now = ticker.nanoTime();
    account.release(estimate, now);
    if (k != null && k.account != null) {
      k.account.release(estimate, now);
    }
    releasePermissions(k == null ? null : k.breaker);
  }

  private void releasePermissions(CircuitBreaker kb) {
    breaker.releasePermission();
    if (kb != null) {
      kb.releasePermission();
    }
  }

  /**
   * Ends a call that threw: releases its reservations and reports the failure to the breakers.
   *
   * @param k the key's state or {@code null}
   * @param estimate the reservation
   * @param failure the failure
   */
  void failed(KeyRuntime k, long estimate, Throwable failure) {
    long now = ticker.nanoTime();
    account.release(estimate, now);
    if (k != null && k.account != null) {
      k.account.release(estimate, now);
    }
    breaker.onFailure(failure);
    CircuitBreaker kb = k == null ? null : k.breaker;
    if (kb != null) {
      kb.onFailure(failure);
    }
  }

  /**
   * Ends a call that returned: commits its real cost and feeds the meters and thresholds.
   *
   * @param key the key or {@code null}
   * @param k the key's state or {@code null}
   * @param estimate the reservation
   * @param actual the real cost
   */
  void succeeded(String key, KeyRuntime k, long estimate, long actual) {
    long now = ticker.nanoTime();
    account.commit(estimate, actual, now);
    breaker.onSuccess();
    MeterEvent event = meter.onCost(now, actual);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    checkThresholds(null, account, thresholds, now);
    if (k != null) {
      if (k.account != null) {
        k.account.commit(estimate, actual, now);
        checkThresholds(k, k.account, k.thresholds, now);
      }
      CircuitBreaker kb = k.breaker;
      if (kb != null) {
        kb.onSuccess();
      }
      if (k.meter != null) {
        MeterEvent keyEvent = k.meter.onCost(now, actual);
        if (keyEvent != MeterEvent.NONE) {
          onEvent(k, keyEvent);
        }
      }
    }
    if (extractor != null) {
      long est = runningEstimate;
      long next = est + ((actual - est) >> 3) + (actual > est ? 1 : 0);
      // A volatile store per call costs a fence and, with threads on other cores, takes this
      // object's cache line (every hot field is on it) away from them: store only a change.
      if (next != est) {
        runningEstimate = next;
      }
    }
  }

  /**
   * Records spend observed outside a guarded call.
   *
   * @param key the key or {@code null}
   * @param amount the spend
   */
  public void record(String key, long amount) {
    KeyRuntime k = key(key);
    long now = ticker.nanoTime();
    account.record(amount, now);
    MeterEvent event = meter.onCost(now, amount);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    checkThresholds(null, account, thresholds, now);
    if (k != null && k.account != null) {
      k.account.record(amount, now);
      checkThresholds(k, k.account, k.thresholds, now);
    }
  }

  /**
   * Moves the meters' clocks while no calls may arrive (breaker open, loop stopped), so that
   * closed buckets are judged and an episode can end with its one resolution alert. Called by
   * the guard's clock every few seconds; cheap when nothing is due.
   */
  public void tick() {
    long now = ticker.nanoTime();
    MeterEvent event = meter.advance(now);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    if (keys != null && policy.perKeyDetection()) {
      for (KeyRuntime k : keys.asMap().values()) {
        if (k.meter != null) {
          MeterEvent keyEvent = k.meter.advance(now);
          if (keyEvent != MeterEvent.NONE) {
            onEvent(k, keyEvent);
          }
        }
      }
    }
  }

  /**
   * Starts a low-level reservation.
   *
   * @param key the key or {@code null}
   * @param estimate the amount
   * @return the reservation
   */
  public GuardReservation reserve(String key, long estimate) {
    KeyRuntime k = key(key);
    admit(key, k, estimate, ticker.nanoTime());
    return new GuardReservation(this, key, k, estimate);
  }

  long costOf(Object result, long estimate) {
    CostExtractor x = extractor;
    if (x == null) {
      return estimate;
    }
    try {
      Cost c = x.costOf(result);
      if (c == null) {
        return estimate;
      }
      if (c.isNegative()) {
        extractorFailed.log("Cost extractor of service {} returned a negative cost {}; the estimate is charged", name, c);
        return estimate;
      }
      return c.nanos();
    } catch (Throwable t) {
      extractorFailed.log("Cost extractor of service {} failed; the estimate is charged: {}", name, t.toString());
      return estimate;
    }
  }

  private void checkThresholds(KeyRuntime k, LedgerAccount acc, Thresholds th, long now) {
    long[] at80 = th.at80;
    for (int i = 0; i < at80.length; i++) {
      long used = acc.used(i, now);
      int level = th.level.get(i);
      if (used >= at80[i]) {
        int target = used >= th.at100[i] ? 2 : 1;
        if (target > level && th.level.compareAndSet(i, level, target)) {
          raiseThreshold(k, acc, i, used, target == 2 ? 100 : 80, now);
        }
      } else if (level != 0 && used < at80[i] / 2) {
        th.level.compareAndSet(i, level, 0);
      }
    }
  }

  private void raiseThreshold(KeyRuntime k, LedgerAccount acc, int budget, long used, int percent, long now) {
    raise(GuardAlerts.threshold(snapshotOf(k), acc.budgets().get(budget), used, percent, "this process"));
  }

  private RunawayException exhausted(String key, LedgerAccount acc, Thresholds th, int budget, long estimate,
      long now) {
    long used = acc.used(budget, now);
    int level = th.level.get(budget);
    if (level < 2 && th.level.compareAndSet(budget, level, 2)) {
      raiseThreshold(key == null ? null : key(key), acc, budget, used, 100, now);
    }
    long wait = acc.nanosUntilRoom(budget, estimate, now);
    return new BudgetExceededException(name, key, acc.budgets().get(budget), Cost.ofNanos(used),
        Cost.ofNanos(estimate), wait < 0 ? null : Duration.ofNanos(wait));
  }

  /** A refusal because the ledger could not be asked (issue 17: not "-$999 over the limit"). */
  private RunawayException unavailable(String key, LedgerAccount acc, long estimate, long now) {
    long wait = acc.budgets().isEmpty() ? -1 : acc.nanosUntilRoom(0, estimate, now);
    return new dev.runaway.LedgerUnavailableException(name, key, acc.unavailableReason(),
        wait < 0 ? null : Duration.ofNanos(wait));
  }

  private CircuitOpenException open(CircuitBreaker b, String key) {
    return new CircuitOpenException(name, key, b.state(), b.tripReason().orElse(null), b.tripDetail().orElse(null),
        b.retryAfter().orElse(null));
  }

  private void onEvent(KeyRuntime k, MeterEvent event) {
    try {
      ServiceSnapshot s = snapshotOf(k);
      raise(GuardAlerts.usage(s, event, policy.detection().spikeMultiplier(), policy.detection().breakerMultiplier(),
          "this process", policy.detection().breakerEnabled()));
      if (event.isRunaway() && policy.detection().breakerEnabled()) {
        String detail = GuardAlerts.who(s) + " " + (event == MeterEvent.CALL_RUNAWAY ? "call rate " : "spend rate ")
            + (event == MeterEvent.CALL_RUNAWAY ? GuardAlerts.fmt(s.callsPerMinute()) + "/min"
                : GuardAlerts.usdPerHour(s.costPerHour()))
            + " is above " + GuardAlerts.fmt(policy.detection().breakerMultiplier()) + "x its baseline.";
        breakerFor(k).trip(event.tripReason(), detail);
      }
    } catch (RuntimeException e) {
      alertFailed.log("Handling burn-rate event {} of service {} failed: {}", event, name, e.toString());
    }
  }

  private CircuitBreaker breakerFor(KeyRuntime k) {
    if (k == null) {
      return breaker;
    }
    CircuitBreaker b = k.breaker;
    if (b == null) {
      synchronized (k) {
        b = k.breaker;
        if (b == null) {
          b = CircuitBreaker.of(name + "[" + k.key + "]", policy.breaker(), ticker);
          b.onStateChange(t -> raise(GuardAlerts.breaker(t, k.key, snapshotOf(k))));
          k.breaker = b;
        }
      }
    }
    return b;
  }

  void raise(dev.runaway.alert.Alert alert) {
    try {
      alerts.accept(alert);
    } catch (Throwable t) {
      alertFailed.log("Alert of service {} could not be handed to the dispatcher: {}", name, t.toString());
    }
  }

  /**
   * Returns a snapshot of the service or of one key.
   *
   * @param key the key or {@code null}
   * @return the snapshot
   */
  public ServiceSnapshot snapshot(String key) {
    return snapshotOf(key(key));
  }

  ServiceSnapshot snapshotOf(KeyRuntime k) {
    long now = ticker.nanoTime();
    if (k == null) {
      return Snapshots.of(name, null, ticker.instant(), account, now, meter.snapshot(now), breaker.state());
    }
    CircuitBreaker kb = k.breaker;
    CircuitBreaker.State state = kb != null && breaker.state() == CircuitBreaker.State.CLOSED ? kb.state()
        : breaker.state();
    return Snapshots.of(name, k.key, ticker.instant(), k.account, now,
        k.meter == null ? null : k.meter.snapshot(now), state);
  }

  @Override
  public String toString() {
    return "ServiceRuntime[" + name + "]";
  }
}
