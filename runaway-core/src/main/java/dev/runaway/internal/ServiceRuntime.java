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
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import dev.runaway.breaker.internal.DefaultCircuitBreaker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.ledger.internal.InMemoryLedger;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;
import dev.runaway.stats.internal.MeterAccess;
import dev.runaway.stats.internal.StripedCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
  /**
   * {@link #account} when it is a built-in one (in memory or with a state file), whose admissions
   * and commits tell whether they moved a window (see {@link #succeeded}); otherwise null.
   */
  private final InMemoryLedger.Account ownAccount;
  private final DefaultCircuitBreaker breaker;
  /** The caller's attempts while a service-wide spend trip is open. */
  private final CallerRate callerRate;
  /** The caller's quiet time is saved again once it has grown by this much (see {@link #breakerToSave}). */
  static final long QUIET_SAVE_STEP_NANOS = 60_000_000_000L;
  /** The budget-velocity horizon over one meter bucket: projected spend = recent spend x this. */
  private final double horizonBuckets;
  /** Whether the baseline-free rule still applies (until the meter has warmed up). */
  private volatile boolean beforeWarmUp;
  /** Turns of the calls that run while the cost per call is unknown; null without that limit. */
  private final Semaphore unknownCost;
  /**
   * Set once a turn's result could neither be priced nor bounded by the extractor: calls stop
   * taking turns (see {@link #unpricedTurn}). A later priced result sets the running estimate,
   * after which turns are not taken anyway.
   */
  private volatile boolean resultsUnpriceable;
  /** {@link #UNKNOWN}, until the first real cost is committed, when calls are limited meanwhile. */
  private final BurnRateMeter meter;
  private final CostExtractor extractor;
  private final AlertSink alerts;
  private final Cache<String, KeyRuntime> keys;
  /**
   * Creates a key's state. Not final: {@link #onNewKey} wraps it so listeners hear of new keys
   * without a field of their own here (a new field moved the hot fields, see {@link #costOfResult}).
   * Written under this object's lock; a call racing with the first listener's registration may
   * still use the previous function, so that key is announced by nobody and found by the next
   * {@link #keySnapshots} instead.
   */
  private Function<String, KeyRuntime> newKey;
  private final BudgetThresholds thresholds;
  private final WarnOnce extractorFailed = new WarnOnce(LOG);
  /** The key of {@link #extractorFailed}'s warning that commitResult has no extractor to price with. */
  private static final String NO_EXTRACTOR = "no extractor";
  private static final String UNPRICED_TURN = "unpriced turn";
  /** The key of {@link #extractorFailed}'s warning that a ledger threw (one WARN per service and kind). */
  private static final String LEDGER_THREW = "ledger threw";
  private static final String LEDGER_SETTLE_THREW = "ledger settle threw";
  private final WarnOnce alertFailed = new WarnOnce(LOG);
  private final WarnOnce baselineUnusable = new WarnOnce(LOG);
  private volatile long runningEstimate;
  /**
   * The clock of the key map's idle expiry: the newest reading seen by a call, {@link #tick()}
   * or a read of the keys. Keys idle for {@code keyIdleExpiry} (minutes at least) do not need a
   * clock read of their own per lookup.
   */
  private volatile long keyClock;
  /** The guard bound to the whole service, kept by {@code RunawayGuard.service}; immutable, so a race is harmless. */
  private Object serviceGuard;
  /** When the budget-velocity rule may next be judged (see {@link #velocityProjection}). */
  private volatile long nextVelocityCheck;
  /** The velocity rule's allowance for keys bounded by their own budgets; null without per-key budgets. */
  private final KeyBounds keyBounds;
  /** The budget-velocity rule is judged at most once per this many nanoseconds: 1 ms. */
  static final long VELOCITY_CHECK_NANOS = 1_000_000L;
  /**
   * How often a bound key's calls tell the key map that it is in use: {@link #KEY_CLOCK_STEP}, or a
   * quarter of the idle expiry if shorter (see {@link #bound}).
   */
  private final long keyTouchNanos;
  /** How far the hot path lets {@link #keyClock} fall behind before it writes it: 1 ms. */
  static final long KEY_CLOCK_STEP = 1_000_000L;
  /** The exception of the last refusal by an open breaker of a call without a key, reused (see {@link #open}). */
  private volatile Refusal lastRefusal;
  private volatile boolean chargedZeroWarned;
  /** Set by {@link #close()}: calls, reservations and records are refused from then on. */
  private volatile boolean closed;

  /**
   * The policies whose "budgets but nothing prices them" warning their builder already logged
   * (the Spring Boot starter, at startup, naming the property to set), so the first call does not
   * repeat it. Keyed by identity ({@link ServicePolicy} keeps {@code Object.equals}) and weakly, so a
   * discarded policy is not kept; read once per service at construction, never on a call.
   */
  private static final java.util.Map<ServicePolicy, Boolean> UNPRICED_WARNED =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * Records that the warning for a service whose budgets nothing prices (no cost extractor, no
   * estimate) was logged for this policy where it was built, so a service built from it does not
   * log its own at the first call. For builders that can name a better fix than the core's
   * builder methods, such as the Spring Boot starter's property.
   *
   * @param policy the policy, the same instance handed to {@code RunawayGuard.Builder.service}
   */
  public static void unpricedWarningLogged(ServicePolicy policy) {
    UNPRICED_WARNED.put(java.util.Objects.requireNonNull(policy, "policy"), Boolean.TRUE);
  }

  /**
   * Marks the service's running estimate as not known yet (no real cost committed, no explicit
   * estimate configured): {@link #call} and {@link #reserve} then take turns.
   */
  public static final long UNKNOWN = -1;
  /** Calls that need a real cost seen in the last minute before the baseline-free rule trips. */
  static final int MIN_CALLS_FOR_VELOCITY = 10;
  private final CallCounters counters = new CallCounters();
  /** {@code policy.detection().breakerEnabled()}, read on every call. */
  private final boolean breakerEnabled;
  /** The per-key meters' settings, shared by every key (null without per-key detection). */
  private final DetectionSettings keyDetection;
  /**
   * The service breaker's state-file bookkeeping. Declared last, as {@code KeyRuntime.memo} is:
   * the fields the calls read keep their places in the object.
   */
  private final BreakerMemo memo = new BreakerMemo();
  /**
   * The keys whose own breaker is not closed (open, half-open, forced open), for the state file:
   * a flush visits these instead of every key (12 ms a flush with 100,000 keys, none open).
   * Changed on a key breaker's transitions, its restore and its key's eviction: never on a call.
   * Declared last, with the memo: off the call path's fields.
   */
  private final java.util.Set<KeyRuntime> keyBreakersNotClosed;

  /**
   * A breaker's state-file bookkeeping, off the fields the calls read: a key's is made with its
   * breaker, so a key without one (most keys) pays nothing for it (see {@code KeyRuntime.memo}).
   */
  static final class BreakerMemo {
    // The flusher's alone (read and written under the state store's flush lock): the entry saved
    // last, and the breaker state (its token) it was made from.
    SavedBreakers.Entry saved;
    Object savedToken;
    /**
     * The breaker's entry restored from the state file, until it opens again here or closes: its
     * alerts then carry no rates (this process did not see that episode's); else null.
     */
    volatile SavedBreakers.Entry restoredFrom;
  }

  /**
   * The state of one key of a service. Opaque outside this package: a {@code ServiceGuard} bound
   * to a key holds it, so that its calls skip the key lookup.
   */
  public static final class KeyRuntime {
    final String key;
    /** Set when the key map lets this key go: holders must look the key up again. */
    volatile boolean evicted;
    /** When a bound call last told the key map that the key is in use (see {@link #bound}). */
    volatile long touchedAt;
    /** The {@code ServiceGuard} bound to this key, made once by {@code forKey} and shared (immutable). */
    Object guard;
    final LedgerAccount account;
    final BurnRateMeter meter;
    final BudgetThresholds thresholds;
    volatile DefaultCircuitBreaker breaker;
    volatile CallerRate callerRate;
    /** The exception of the last refusal of this key's calls by an open breaker, reused (see {@link #open}). */
    volatile Refusal lastRefusal;
    /**
     * The key's spend of about the last minute, for the service's budget-velocity rule; null when
     * the key has no budget of its own or the rule does not apply (see {@code ServiceRuntime.KeyBounds}).
     */
    final RecentSpend recent;
    /**
     * The state-file bookkeeping of the key's breaker: made with it, before {@link #breaker} is
     * set (so a thread that read {@code breaker} sees it); null while the key has none. One field,
     * declared last: it takes the object's 4 bytes of padding (64 bytes with compressed oops, as
     * before), and the fields the calls read keep their offsets.
     */
    BreakerMemo memo;

    /**
     * @param spend the key account's spend counter when a built-in ledger gives each key an account
     *     of its own ({@link InMemoryLedger#spendCounter}), or null: the key's recent spend is then
     *     counted apart
     */
    KeyRuntime(String key, LedgerAccount account, BurnRateMeter meter, long bucketNanos, StripedCounter spend) {
      this.key = key;
      this.account = account;
      this.meter = meter;
      this.thresholds = account == null ? null : new BudgetThresholds(account.budgets());
      this.recent = account == null || bucketNanos <= 0 ? null : new RecentSpend(bucketNanos, spend);
    }
  }

  /**
   * A key's spend over about the last meter bucket, read the way the service meter reads its own
   * ({@code BurnRateMeter.recentCostNanos}): the current bucket plus the fading share of the
   * previous one. Lock-free; a commit racing with a bucket's roll may be dated into the
   * neighbouring bucket, so a reading may be off by the commits in flight at the roll (the
   * reading only bounds the key's part of the projection, which the service's own figure caps).
   *
   * <p>A key whose account is the built-in ledger's adds nothing here: the account already counts
   * its committed spend ({@link InMemoryLedger#spendCounter}), and a bucket's spend is that count's
   * growth since the bucket began (one atomic add less per call). Other ledgers' keys add to
   * {@link #current}.
   */
  static final class RecentSpend {
    private static final long EMPTY = Long.MIN_VALUE;
    private final long bucketNanos;
    /** The key account's committed spend, or null: then {@link #add} counts into {@link #current}. */
    private final StripedCounter spend;
    /** The ticker reading at which the current bucket ends; {@link #EMPTY} before the first commit. */
    private volatile long end = EMPTY;
    /** The current bucket's spend; with {@link #spend}, that counter's sum when the bucket began. */
    private volatile long current;
    private volatile long previous;

    RecentSpend(long bucketNanos, StripedCounter spend) {
      this.bucketNanos = bucketNanos;
      this.spend = spend;
    }

    /** Before the key's account is charged {@code amount}. */
    void add(long now, long amount) {
      long e = end;
      if (e == EMPTY || now - e >= 0) {
        roll(e, now);
      }
      if (spend == null) {
        CURRENT.getAndAdd(this, amount);
      }
    }

    /** Starts the bucket that holds {@code now}: the next one, or a fresh one after a gap. */
    private void roll(long e, long now) {
      boolean next = e != EMPTY && now - e < bucketNanos;
      if (END.compareAndSet(this, e, next ? e + bucketNanos : now + bucketNanos)) {
        long moved;
        if (spend == null) {
          moved = (long) CURRENT.getAndSet(this, 0L);
        } else {
          long s = spend.get();
          moved = e == EMPTY ? 0 : s - current;
          current = s;
        }
        previous = next ? moved : 0;
      }
    }

    /** The current bucket's spend. */
    private long current() {
      return spend == null ? current : spend.get() - current;
    }

    double recent(long now) {
      long e = end;
      if (e == EMPTY) {
        return 0;
      }
      long since = now - e;
      if (since < 0) {
        return previous * Math.min(1, -since / (double) bucketNanos) + current();
      }
      return since < bucketNanos ? current() * (1 - since / (double) bucketNanos) : 0;
    }

    private static final java.lang.invoke.VarHandle END;
    private static final java.lang.invoke.VarHandle CURRENT;

    static {
      try {
        java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
        END = l.findVarHandle(RecentSpend.class, "end", long.class);
        CURRENT = l.findVarHandle(RecentSpend.class, "current", long.class);
      } catch (ReflectiveOperationException ex) {
        throw new ExceptionInInitializerError(ex);
      }
    }
  }

  /**
   * A refusal by an open breaker, kept so that the refusals of one open period share one
   * exception: a runaway loop hammering an open breaker then allocates nothing. Valid while the
   * breaker's state is the one it was built for (same {@linkplain DefaultCircuitBreaker#stateToken()
   * token}), for the same key, and for at most {@link #REFUSAL_REUSE_NANOS}; its retry-after was
   * built that much longer, so it may be late by up to that much but is never early. Shared
   * exceptions are safe: {@link dev.runaway.RunawayException} has no stack trace, no suppression,
   * a fixed cause and final fields.
   */
  static final class Refusal {
    final DefaultCircuitBreaker breaker;
    final Object token;
    final String key;
    final long until;
    final CircuitOpenException exception;

    Refusal(DefaultCircuitBreaker breaker, Object token, String key, long until, CircuitOpenException exception) {
      this.breaker = breaker;
      this.token = token;
      this.key = key;
      this.until = until;
      this.exception = exception;
    }
  }

  /** How long one refusal exception is shown again (and how much later its retry-after may be): 1 s. */
  static final long REFUSAL_REUSE_NANOS = 1_000_000_000L;

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
    this.keyClock = ticker.nanoTime();
    this.nextVelocityCheck = keyClock;
    this.keyTouchNanos = Math.max(1, Math.min(KEY_CLOCK_STEP, policy.keyIdleExpiry().toNanos() / 4));
    this.chargedZeroWarned = UNPRICED_WARNED.containsKey(policy);
    this.ledger = ledger;
    this.alerts = alerts;
    this.account = ledger.account(name, null, policy.budgets());
    this.ownAccount = account instanceof InMemoryLedger.Account ? (InMemoryLedger.Account) account : null;
    this.thresholds = new BudgetThresholds(policy.budgets());
    this.callerRate = new CallerRate(policy.breaker().confirmationPeriod().toNanos());
    this.breaker = new DefaultCircuitBreaker(name, policy.breaker(), ticker, callerRate);
    this.breaker.onStateChange(t -> changed(t, callerRate, memo, null));
    this.meter = newMeter(null, policy.detection());
    this.extractor = policy.costExtractor() != null ? policy.costExtractor() : discoveredExtractor(name, policy);
    this.horizonBuckets = policy.budgetHorizon().toNanos() / (double) policy.detection().bucket().toNanos();
    this.beforeWarmUp = horizonBuckets > 0 && !policy.budgets().isEmpty() && policy.detection().breakerEnabled();
    boolean limitUnknown = extractor != null && policy.initialEstimate().isZero() && policy.maxCallsWithUnknownCost() > 0;
    this.unknownCost = limitUnknown ? new Semaphore(policy.maxCallsWithUnknownCost()) : null;
    this.runningEstimate = policy.initialEstimate().isZero() ? UNKNOWN : policy.initialEstimate().nanos();
    warnAboutDefaults(policy);
    this.breakerEnabled = policy.detection().breakerEnabled();
    this.keyDetection = policy.perKeyDetection() ? policy.detection().forKeys() : null;
    boolean keyed = !policy.perKeyBudgets().isEmpty() || policy.perKeyDetection();
    this.keyBreakersNotClosed = keyed ? java.util.concurrent.ConcurrentHashMap.newKeySet() : null;
    if (keyed) {
      java.util.Set<KeyRuntime> notClosed = keyBreakersNotClosed;
      this.keys = Caffeine.newBuilder()
          .maximumSize(policy.maxKeys())
          .expireAfterAccess(policy.keyIdleExpiry().toNanos(), TimeUnit.NANOSECONDS)
          .ticker(this::keyClock)
          .evictionListener((String key, KeyRuntime k, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
            if (k != null) {
              k.evicted = true;
              notClosed.remove(k);
            }
          })
          .executor(Runnable::run)
          .build();
      this.newKey = this::createKey;
    } else {
      this.keys = null;
      this.newKey = null;
    }
    this.keyBounds = keys != null && beforeWarmUp && !policy.perKeyBudgets().isEmpty() ? new KeyBounds() : null;
  }

  /** Says once, at build time, what a service is not protected by with the settings given. */
  private void warnAboutDefaults(ServicePolicy p) {
    DetectionSettings d = p.detection();
    boolean caps = d.callRateCap() > 0 || d.costRateCap() != null;
    if (p.budgets().isEmpty() && p.perKeyBudgets().isEmpty() && !caps) {
      LOG.warn("Service {} has no budget and no rate cap: it is unprotected until the burn-rate baseline has"
          + " warmed up ({} of traffic). Add a budget (ServicePolicy.Builder.budget, or cost_thresholds in the"
          + " config) or a cap (callRateCap/costRateCap).", name, Durations.human(d.warmUp().toNanos()));
    }
    // An estimate above a whole budget refuses every call that reserves it: said at the start, not
    // only in each refusal (a new user's trial, helper nu81, built such a guard without a word).
    Budget over = below(p.budgets(), p.initialEstimate());
    String whose = "";
    if (over == null) {
      over = below(p.perKeyBudgets(), p.initialEstimate());
      whose = "per-key ";
    }
    if (over != null) {
      LOG.warn("Service {}: its estimate per call ({}) is more than its {}{}: every call that reserves the"
          + " estimate is refused. Lower ServicePolicy.Builder.estimate(...) or raise the budget.", name,
          p.initialEstimate(), whose, over.describe());
    }
  }

  /** The first of {@code budgets} whose limit is below {@code amount}, or null. */
  private static Budget below(List<Budget> budgets, Cost amount) {
    for (Budget b : budgets) {
      if (amount.nanos() > b.limit().nanos()) {
        return b;
      }
    }
    return null;
  }

  /**
   * The cost extractor for a service with budgets but neither an extractor nor an estimate: the
   * ones registered with {@link java.util.ServiceLoader} ({@link DiscoveredCostExtractor}), said at
   * DEBUG; {@code null} when the service has no budget, an estimate, or none is registered.
   */
  private static CostExtractor discoveredExtractor(String name, ServicePolicy p) {
    if (!p.initialEstimate().isZero() || p.budgets().isEmpty() && p.perKeyBudgets().isEmpty()) {
      return null;
    }
    CostExtractor found = DiscoveredCostExtractor.get();
    if (found != null) {
      // DEBUG: a monitor builds a service per configured budget, most never called through the guard.
      LOG.debug("Service {} has budgets but neither a cost extractor nor an estimate: its calls' results are priced"
          + " by {}, found on the class path. Set ServicePolicy.Builder.costExtractor(...) to choose another,"
          + " or estimate(...) to charge a fixed amount.", name, found);
    }
    return found;
  }

  /** Said once, at the first call without an estimate that is charged $0. */
  private void warnChargedZero(String key) {
    if (!chargedZeroWarned && extractor == null && !(policy.budgets().isEmpty() && policy.perKeyBudgets().isEmpty())) {
      chargedZeroWarned = true;
      LOG.warn("Service {}{} has budgets but neither a cost extractor nor an estimate: its calls without an explicit"
          + " estimate are charged $0 and never fill a budget. Set ServicePolicy.Builder.costExtractor(...) or"
          + " estimate(...), or pass an estimate to call(...).", name, key == null ? "" : " (key " + key + ")");
    }
  }

  private KeyRuntime createKey(String key) {
    LedgerAccount acc = policy.perKeyBudgets().isEmpty() ? null : ledger.account(name, key, policy.perKeyBudgets());
    BurnRateMeter m = keyDetection != null ? newMeter(key, keyDetection) : null;
    // The key's recent spend is kept only where the service's budget-velocity rule can use it.
    long recentBucket = beforeWarmUp ? policy.detection().bucket().toNanos() : 0;
    // Only a built-in ledger is known to give each key an account of its own: a user's ledger may
    // hand several keys one in-memory account, whose counter holds all their spend.
    boolean ownAccount = ledger instanceof InMemoryLedger || ledger instanceof PersistentLedger;
    KeyRuntime k = new KeyRuntime(key, acc, m, recentBucket, ownAccount ? InMemoryLedger.spendCounter(acc) : null);
    k.touchedAt = keyClock;
    return k;
  }

  /**
   * Calls {@code listener} with each key the service starts keeping state for from now on (its
   * first call, or its first after the state was evicted), on the calling thread, while the key's
   * state is being created and before its call is admitted. The listener must be quick and must
   * not call back into this service's keys (their map is being updated for that key); a listener
   * that throws is logged at WARN once, then at DEBUG, and never fails the call. No-op for a
   * service that keeps no per-key state.
   *
   * @param listener the listener
   */
  public synchronized void onNewKey(java.util.function.Consumer<String> listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    Function<String, KeyRuntime> previous = newKey;
    if (previous == null) {
      return;
    }
    newKey = key -> {
      KeyRuntime k = previous.apply(key);
      try {
        listener.accept(key);
      } catch (Throwable t) {
        alertFailed.warn("new-key listener", "A new-key listener of service {} failed for key {}: {}", name, key,
            t.toString());
      }
      return k;
    };
  }

  /**
   * Returns a snapshot of a key whose state the service keeps now, without keeping a key that is
   * not kept and without counting as a use of the key (its idle expiry is not renewed), so that
   * reading it on every scrape neither revives evicted keys nor keeps idle ones.
   *
   * @param key the key
   * @return the snapshot, or {@code null} if the key's state is not kept
   */
  public ServiceSnapshot keptKeySnapshot(String key) {
    if (keys == null || key == null) {
      return null;
    }
    KeyRuntime k = keys.policy().getIfPresentQuietly(key);
    return k == null || k.evicted ? null : snapshotOf(k);
  }

  /**
   * Looks a key up for a {@code ServiceGuard} to hold: the key's state, or {@code null} when
   * the service keeps none (no per-key budgets or detection).
   *
   * @param key the key
   * @return the state, or {@code null}
   */
  public KeyRuntime keyHandle(String key) {
    // No clock read here: the call that follows reads the clock once, and moves the key map's
    // expiry clock (keyClock) with it.
    return key == null || keys == null ? null : keys.get(key, newKey);
  }

  /**
   * Returns the guard object bound to the whole service that {@link #serviceGuard(Object)} kept,
   * or {@code null}.
   *
   * @return the guard or {@code null}
   */
  public Object serviceGuard() {
    return serviceGuard;
  }

  /**
   * Keeps the (immutable) guard object bound to the whole service, to hand out again.
   *
   * @param guard the guard
   */
  public void serviceGuard(Object guard) {
    this.serviceGuard = guard;
  }

  /**
   * Returns the guard object cached on a key's state, or {@code null}.
   *
   * @param k the key's state
   * @return what {@link #cacheGuard} stored
   */
  public static Object cachedGuard(KeyRuntime k) {
    return k.guard;
  }

  /**
   * Caches the guard object bound to a key's state (immutable, so a race stores an equal one).
   *
   * @param k the key's state
   * @param guard the guard
   */
  public static void cacheGuard(KeyRuntime k, Object guard) {
    k.guard = guard;
  }

  /**
   * The state to use for a call through a guard bound to {@code k}: {@code k} itself, without a
   * lookup, while the key map keeps it; about once per {@link #keyTouchNanos} (a millisecond) a
   * lookup tells the key map that the key is in use (its idle expiry counts accesses) and moves
   * its clock ({@link #key(String, long)}); after an eviction, the state the lookup finds or makes.
   *
   * <p>Every millisecond, not every second (issue 19): a branch that a call takes once a second is
   * still untaken when the JIT compiles the call path, so it compiles it as a trap, and the first
   * touch threw that code away; the path compiled again no longer had {@code admit} and
   * {@code succeeded} inlined (they had been compiled on their own meanwhile, too large to inline
   * then), and a bound key's call stayed 10-20 ns slower. Taken every millisecond, the branch is in
   * the profile. A lookup a millisecond costs a busy key nothing per call; a key called less often
   * than that is looked up on each call, as an unbound {@code forKey(key).call(...)} is.
   */
  private KeyRuntime bound(KeyRuntime k, long now) {
    if (now - k.touchedAt >= keyTouchNanos || k.evicted) {
      k.touchedAt = now;
      return key(k.key, now);
    }
    return k;
  }

  /**
   * Creates a burn-rate meter; with a state file, it resumes the baseline saved there (so a
   * restart does not begin a new warm-up) and saves its own with every flush.
   */
  private BurnRateMeter newMeter(String key, DetectionSettings settings) {
    // A service's meter is fed by all its callers' threads: striped counters. A key's is fed by
    // one caller at a time, and there may be 100,000 keys: one stripe.
    int stripes = key == null ? StripedCounter.forThisMachine() : 1;
    if (!(ledger instanceof PersistentLedger)) {
      BurnRateMeter m = BurnRateMeter.create(settings, ticker, stripes);
      StripedCounter spend = InMemoryLedger.spendCounter(account);
      if (key == null && ledger instanceof InMemoryLedger && spend != null) {
        // The service's account (this runtime's alone: the in-memory ledger makes one per call of
        // account(name, null)) adds every cost the meter is told, right after it is told
        // (succeeded, record): the meter reads it there, one atomic add less per call.
        MeterAccess.readCostFrom(m, spend);
      }
      return m;
    }
    PersistentLedger store = (PersistentLedger) ledger;
    return ResumedMeters.create(store, name, key, settings, ticker, stripes, e -> baselineUnusable.log(
        "The saved baseline of service {}{} in {} cannot be used ({}); it is learned afresh",
        name, key == null ? "" : " key " + key, store.file(), e.getMessage()));
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
   * Returns the service breaker's state for the state file when it is open (see
   * {@link DefaultCircuitBreaker#persisted}), else {@code null}. Runs on the flusher thread.
   *
   * <p>The entry says what remained of the wait, and how long the caller had been quiet, at one
   * moment (its readings of both clocks), and the same entry is returned again while it stays true:
   * while the breaker's state and the caller's threshold are unchanged and the caller has not
   * become less quiet than it says, so the state file is not rewritten (with its backup copy and
   * fsync) at every flush for as long as the breaker stays open. The caller's quiet time is saved
   * again once it has grown by {@link #QUIET_SAVE_STEP_NANOS}, and everything as of now at the
   * last flush ({@code last}), so that a restart after a stop loses nothing and one after a crash
   * at most that step of quiet time (the breaker then stays half-open that much longer, never
   * shorter).
   *
   * @param now the ticker's reading
   * @param wallNanos the wall clock, in nanoseconds since the epoch
   * @param last whether this is the last flush (the guard or the JVM is stopping)
   * @return the entry, or {@code null}
   */
  public SavedBreakers.Entry breakerToSave(long now, long wallNanos, boolean last) {
    return toSave(null, memo, breaker, callerRate, now, wallNanos, last);
  }

  /**
   * Adds the keys' open breakers for the state file, as {@link #breakerToSave} does the
   * service's, in the order of their keys. Runs on the flusher thread.
   *
   * @param now the ticker's reading
   * @param wallNanos the wall clock, in nanoseconds since the epoch
   * @param last whether this is the last flush
   * @param out takes the entries
   */
  public void keyBreakersToSave(long now, long wallNanos, boolean last, List<SavedBreakers.Entry> out) {
    if (keys == null) {
      return;
    }
    List<SavedBreakers.Entry> open = new ArrayList<>();
    for (KeyRuntime k : keyBreakersNotClosed) {
      if (k.evicted) {
        keyBreakersNotClosed.remove(k);
        continue;
      }
      DefaultCircuitBreaker b = k.breaker;
      SavedBreakers.Entry e = b == null ? null : toSave(k, k.memo, b, k.callerRate, now, wallNanos, last);
      if (e != null) {
        open.add(e);
      }
    }
    open.sort(java.util.Comparator.comparing(SavedBreakers.Entry::key));
    out.addAll(open);
  }

  /**
   * Files a key under {@link #keyBreakersNotClosed} by its breaker's current state. Under the
   * key's lock, so that transitions whose listeners run out of order on two threads still leave
   * the key filed by the newest state (each listener reads the state after its own transition).
   */
  private void trackKeyBreaker(KeyRuntime k) {
    synchronized (k) {
      DefaultCircuitBreaker b = k.breaker;
      if (b == null || k.evicted || b.state() == CircuitBreaker.State.CLOSED) {
        keyBreakersNotClosed.remove(k);
      } else {
        keyBreakersNotClosed.add(k);
      }
    }
  }

  /** The number of keys whose breaker is not closed, as the state file's flush sees them; for tests. */
  public int keyBreakersNotClosed() {
    return keyBreakersNotClosed == null ? 0 : keyBreakersNotClosed.size();
  }

  /** The entry of the service's ({@code k} null) or a key's breaker; see {@link #breakerToSave}. */
  private SavedBreakers.Entry toSave(KeyRuntime k, BreakerMemo m, DefaultCircuitBreaker b, CallerRate r, long now,
      long wallNanos, boolean last) {
    Object token = b.stateToken();
    boolean judging = r.active;
    double threshold = judging ? r.threshold() : Double.NaN;
    long quiet = judging ? r.quietNanos(now) : 0;
    SavedBreakers.Entry kept = m.saved;
    Object keptToken = m.savedToken;
    if (!last && token == keptToken && (kept == null
        || Double.compare(threshold, kept.threshold()) == 0 && quiet >= kept.quietNanos()
        && quiet - kept.quietNanos() < QUIET_SAVE_STEP_NANOS)) {
      return kept;
    }
    DefaultCircuitBreaker.Persisted p = b.persisted(now);
    SavedBreakers.Entry e = p == null ? null
        : new SavedBreakers.Entry(name, k == null ? null : k.key, p, threshold, quiet, now, wallNanos);
    m.savedToken = token;
    m.saved = e;
    return e;
  }

  /**
   * Puts the service breaker, or a key's ({@link SavedBreakers.Entry#key()}), back into the state
   * saved by a process before this one, for what is left of its open period (never longer than it
   * was when saved, nor than this configuration's longest wait), and resumes judging the caller of
   * a spend trip. Said once at WARN. Called by the guard's build, before any call. A key's breaker
   * is not restored when the service keeps no per-key state.
   *
   * @param saved the entry read from the state file
   * @param now the ticker's reading
   * @param wallNanos the wall clock, in nanoseconds since the epoch
   * @param file the state file, for the log line
   * @param quiet whether to log the restore at DEBUG instead of WARN (the caller sums up the rest
   *     of many restored keys in one line)
   * @return whether the breaker was restored
   */
  public boolean restoreBreaker(SavedBreakers.Entry saved, long now, long wallNanos, Object file, boolean quiet) {
    KeyRuntime k = null;
    if (saved.key() != null) {
      k = key(saved.key(), now);
      if (k == null) {
        return false;
      }
      breakerFor(k);
    }
    DefaultCircuitBreaker b = k == null ? breaker : k.breaker;
    DefaultCircuitBreaker.Persisted p = saved.breaker();
    long remaining = Math.min(saved.remainingAt(now, wallNanos), policy.breaker().maxWaitInOpenState().toNanos());
    // Before the restore: a transition right after it is of that episode.
    restored(k, saved);
    if (!b.restore(p, remaining, now)) {
      restored(k, null);
      return false;
    }
    if (k != null) {
      trackKeyBreaker(k);
    }
    if (p.reason() != TripReason.MANUAL) {
      double threshold = Double.isNaN(saved.threshold()) || saved.threshold() <= 0
          ? attemptThreshold(k == null ? meter : k.meter, 1.0) : saved.threshold();
      (k == null ? callerRate : k.callerRate).resume(now, threshold, saved.quietNanos());
    }
    String until = p.state() == CircuitBreaker.State.FORCED_OPEN
        || p.state() == CircuitBreaker.State.OPEN && !policy.breaker().automaticHalfOpen() ? "until a manual reset"
        : p.state() == CircuitBreaker.State.HALF_OPEN ? "half-open (paced trial calls) until the caller calms down"
        : "for " + Durations.human(remaining) + " more, then half-open as usual";
    String reset = GuardAlerts.resetHint(name, k == null ? null : k.key);
    String message = "Circuit breaker of service {}{} was {} when this process's predecessor stopped ({}, {}: {});"
        + " restored from {}: calls are refused {}. To close it by hand: {}; with the"
        + " standalone monitor: runaway-monitor resume {}.";
    Object[] args = {name, k == null ? "" : " key " + k.key, p.state(), saved.whenOpened(), p.reason(), p.detail(),
        file, until, reset, name};
    if (quiet) {
      LOG.debug(message, args);
    } else {
      LOG.warn(message, args);
    }
    return true;
  }

  private void restored(KeyRuntime k, SavedBreakers.Entry saved) {
    (k == null ? memo : k.memo).restoredFrom = saved;
  }

  /**
   * Returns the breaker of one key's calls: the key's own (made on first use) when the service
   * keeps per-key state (per-key budgets or per-key detection), so that tripping it refuses that
   * key's calls only; else the service's.
   *
   * @param key the key
   * @return the breaker
   */
  public CircuitBreaker breaker(String key) {
    KeyRuntime k = key(key);
    return k == null ? breaker : breakerFor(k);
  }

  /**
   * Returns the current estimate for calls without an explicit one, or {@link #UNKNOWN} while
   * the cost per call is not known yet ({@link #call} and {@link #reserve} then take turns).
   *
   * @return nano-dollars, or {@link #UNKNOWN}
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
    syncKeyClock();
    keys.cleanUp();
    return keys.estimatedSize();
  }

  private KeyRuntime key(String key) {
    return key == null || keys == null ? null : key(key, ticker.nanoTime());
  }

  /**
   * Looks a key up once, with the caller's clock reading: the key map's expiry clock is
   * {@link #keyClock}, which the hot path moves forward at most once per
   * {@link #KEY_CLOCK_STEP}, so that a lookup neither reads the clock again nor writes a shared
   * field on every call.
   */
  private KeyRuntime key(String key, long now) {
    if (key == null || keys == null) {
      return null;
    }
    if (now - keyClock >= KEY_CLOCK_STEP) {
      keyClock = now;
    }
    return keys.get(key, newKey);
  }

  /** Moves the key map's expiry clock to the ticker's reading (off the hot path). */
  private void syncKeyClock() {
    long now = ticker.nanoTime();
    if (now - keyClock > 0) {
      keyClock = now;
    }
  }

  /** The key map's expiry clock: the last reading the guard has seen, to within {@link #KEY_CLOCK_STEP}. */
  private long keyClock() {
    return keyClock;
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
    return call(key, null, estimate, call);
  }

  /**
   * Runs a guarded call for a key whose state the caller holds (see {@link #keyHandle}).
   *
   * @param key the key or {@code null}
   * @param handle the key's state from {@link #keyHandle}, or {@code null} to look the key up
   * @param estimate the amount to reserve
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the result
   * @throws X the call's exception, unchanged
   */
  public <T, X extends Throwable> T call(String key, KeyRuntime handle, long estimate, GuardedCall<T, X> call)
      throws X {
    if (closed || call == null) {
      throw unusable(call);
    }
    boolean turn = false;
    if (estimate < 0) {
      turn = takeTurn(key);
      estimate = turn ? 0 : Math.max(0, runningEstimate);
    }
    try {
      // The call's one clock read: the admission, the key's access time and the commit all use
      // it, so the spend of a call is dated at its start (see GuardReservation).
      long now = ticker.nanoTime();
      KeyRuntime k = handle == null ? key(key, now) : bound(handle, now);
      boolean leased = admit(key, k, estimate, now);
      T result;
      try {
        result = call.call();
      } catch (Throwable t) {
        failed(k, estimate, t, now);
        throw t;
      }
      long real = realCostOf(result);
      if (real < 0 && (turn || real == UNPRICED)) {
        // Rare, and apart to keep this method small: a result the extractor could not price.
        boolean owned = turn;
        turn = false;
        result = unpriced(key, k, estimate, owned, result, real, now);
      } else {
        succeeded(key, k, estimate, real, now, leased);
      }
      return result;
    } finally {
      if (turn) {
        unknownCost.release();
      }
    }
  }

  /**
   * Refuses, from {@link dev.runaway.RunawayGuard#close()} on, every call, reservation and record:
   * its spend would reach neither the state file (saved at close) nor an alert (the notifiers are
   * closed). Calls already running when the guard closed still commit in memory. Idempotent.
   */
  public void close() {
    closed = true;
  }

  /** Why a call cannot run: a null call (before anything is reserved) or a closed guard. */
  private RuntimeException unusable(Object call) {
    return closed ? closedGuard() : new NullPointerException("call must not be null (service " + name + ")");
  }

  private IllegalStateException closedGuard() {
    return new IllegalStateException("RunawayGuard is closed: service " + name + " takes no more calls,"
        + " reservations or records (a closed guard saves and alerts nothing). Build a new RunawayGuard.");
  }

  /**
   * Ends a call whose result the extractor did not price: hands it to the extractor's
   * {@link CostExtractor#settleLater} when it has one (a stream, whose usage comes after the call
   * returned), else charges the estimate, or for a turn the extractor's upper bound
   * ({@link #unpricedTurn}). Owns the call's turn, if any: gives it back, or hands it to the
   * pending charge.
   *
   * @param real {@link #UNPRICED}, or -1 when the extractor failed or there is none
   */
  @SuppressWarnings("unchecked") // settleLater's contract: the replacement is usable as the result
  private <T> T unpriced(String key, KeyRuntime k, long estimate, boolean turn, T result, long real, long now) {
    boolean release = turn;
    try {
      if (real == UNPRICED && DeferredCharge.defers(extractor)) {
        long reserved = estimate;
        long charge = estimate;
        boolean keepTurn = false;
        if (turn) {
          // The call reserved nothing (no cost per call known yet): it holds the result's upper
          // bound until settled, charged if the cost never comes, and not learned as the running
          // estimate (the real cost is). A budget too low to hold it keeps the turn instead, so the
          // calls without an estimate wait for this one as they wait for a call that runs.
          charge = Math.max(0, upperBoundOf(result));
          if (charge > 0 && reserveMore(k, charge, now)) {
            reserved = charge;
          } else {
            keepTurn = true;
          }
        }
        DeferredCharge pending = new DeferredCharge(this, key, k, reserved, charge, keepTurn, now);
        Object later = settleLater(result, pending);
        if (later != null) {
          release = release && !keepTurn;
          pending.watch();
          return (T) later;
        }
        if (!pending.cancel()) {
          // The extractor settled the charge (and gave a kept turn back) but kept the result as it is.
          release = release && !keepTurn;
          return result;
        }
        if (reserved > estimate) {
          releaseBudgets(k, reserved - estimate, now);
        }
      }
      if (turn && real < 0) {
        real = unpricedTurn(key, result);
      }
      succeeded(key, k, estimate, real, now);
      return result;
    } finally {
      if (release) {
        unknownCost.release();
      }
    }
  }

  /** The extractor's replacement of a result whose cost comes later, or {@code null}; a failure is {@code null}. */
  private Object settleLater(Object result, DeferredCharge pending) {
    try {
      return extractor.settleLater(result, pending);
    } catch (Throwable t) {
      extractorFailed.log("Cost extractor of service {} failed to take over a result whose cost comes later; the"
          + " estimate is charged: {}", name, t.toString());
      return null;
    }
  }

  /**
   * Reserves {@code amount} more for an admitted call, in the key's budgets and the service's, or
   * in none (a ledger that fails counts as refusing: the call has run, its result must reach the caller).
   */
  private boolean reserveMore(KeyRuntime k, long amount, long now) {
    LedgerAccount ka = k == null ? null : k.account;
    boolean keyReserved = false;
    try {
      if (ka != null) {
        if (ka.tryReserve(amount, now) != LedgerAccount.ADMITTED) {
          return false;
        }
        keyReserved = true;
      }
      if (account.tryReserve(amount, now) == LedgerAccount.ADMITTED) {
        return true;
      }
    } catch (RuntimeException e) {
      // As in ledgerThrew: the ledger's message may quote its connection string, so the WARN names
      // the exception's class only and the exception itself goes to DEBUG.
      extractorFailed.log("Service {}: the ledger failed to reserve the upper bound of a result whose cost comes"
          + " later ({}); the calls without an estimate wait for it instead", name, e.getClass().getName());
      LOG.debug("Service {}: the ledger's tryReserve threw", name, e);
    }
    if (keyReserved) {
      ledgerRelease(ka, amount, now);
    }
    return false;
  }

  /** Gives back {@code amount} reserved in the service's budgets and the key's (if it has its own). */
  private void releaseBudgets(KeyRuntime k, long amount, long now) {
    ledgerRelease(account, amount, now);
    if (k != null && k.account != null) {
      ledgerRelease(k.account, amount, now);
    }
  }

  /**
   * Settles a call whose result an extractor took over ({@link DeferredCharge}): as
   * {@link #succeeded}, with the admission's clock reading. A charge without a cost that is
   * above what the call holds (a call that reserved nothing and whose budget could not hold its
   * upper bound) is recorded on top, and not learned.
   *
   * @param key the key or {@code null}
   * @param k the key's state or {@code null}
   * @param reserved what the call holds
   * @param charge what is charged when {@code real} is unknown
   * @param real the real cost, or negative when unknown
   * @param admittedAt the admission's clock reading
   */
  void settleDeferred(String key, KeyRuntime k, long reserved, long charge, long real, long admittedAt) {
    if (real < 0 && charge > reserved) {
      try {
        record(key, charge - reserved);
      } catch (RuntimeException e) {
        // Settled from the stream's reader (or a cleaner): a ledger that throws must not skip the
        // settlement below nor reach the reader with the ledger's own message.
        settleThrew("record", account, e);
      }
    }
    succeeded(key, k, reserved, real < 0 ? -1 : real, admittedAt);
  }

  /**
   * Waits for a turn to run with an unknown cost per call. Returns {@code false} without taking
   * one when the cost became known meanwhile (the caller then reserves the running estimate).
   */
  boolean takeTurn(String key) {
    Semaphore s = unknownCost;
    if (s == null || runningEstimate >= 0 || resultsUnpriceable) {
      if (s == null) {
        warnChargedZero(key);
      }
      return false;
    }
    boolean got;
    try {
      got = s.tryAcquire(policy.unknownCostWait().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunawayException("Interrupted while waiting for a turn: the cost per call of service " + name
          + " is not known yet, so calls without an estimate run " + policy.maxCallsWithUnknownCost()
          + " at a time until the first real cost is committed.", name, key, null);
    }
    if (!got) {
      throw new RunawayException("Call to " + name + " refused: its cost per call is not known yet, so calls"
          + " without an estimate run " + policy.maxCallsWithUnknownCost() + " at a time until the first real"
          + " cost is committed, and no turn came within " + Durations.human(policy.unknownCostWait().toNanos())
          + "." + (DeferredCharge.defers(extractor) ? " A result whose cost comes later (a stream returned from"
          + " guard.call) keeps its turn until it is settled: read to its end, closed, or collected once dropped"
          + " unclosed; close such streams (try-with-resources)." : "")
          + " Pass an estimate (call(service, estimate, ...)) or set ServicePolicy.Builder.estimate(...).",
          name, key, policy.unknownCostWait());
    }
    if (runningEstimate >= 0 || resultsUnpriceable) {
      s.release();
      return false;
    }
    return true;
  }

  /**
   * A call that ran with an unknown cost per call (a turn: it reserved nothing) came back
   * unpriced. With no estimate to fall back on it would be charged $0, and so would every such
   * call until one is priced: a price table that lacks the model would let a loop run at $0 a call
   * past every budget. So the extractor's {@link CostExtractor#upperBoundOf upper bound} is charged
   * (and learned as the running estimate, so later calls reserve it); without one the call is
   * charged $0. Either is said once per service. Off the hot path: only a turn gets here.
   *
   * @param key the key or {@code null}
   * @param result the call's result
   * @return the amount to charge in nano-dollars, or -1 (the reservation's estimate, $0)
   */
  long unpricedTurn(String key, Object result) {
    long bound = upperBoundOf(result);
    if (bound < 0) {
      // Turns wait for a first price; an extractor that can neither price nor bound this service's
      // results would keep every later call waiting for one that never comes (calls one at a time,
      // then refused after unknownCostWait), while the budget is not filled either way.
      resultsUnpriceable = true;
    }
    // A Spring Boot starter that warned at startup about this very policy has said it (see unpricedWarningLogged).
    if ((bound >= 0 || !chargedZeroWarned) && extractorFailed.firstTime(UNPRICED_TURN)) {
      String who = key == null ? "" : " (key " + key + ")";
      if (bound >= 0) {
        LOG.warn("Service {}{}: the cost extractor could not price a call's result and the service has no estimate,"
            + " so the call was charged {}, the most it can have cost as far as the extractor can tell (an LLM"
            + " response: its usage at the dearest prices the extractor knows; an SDK stream, whose usage comes after"
            + " the call: the extractor's per-stream charge); calls now reserve that much until results are priced. Set ServicePolicy.Builder.estimate(...)"
            + " or make the extractor price the result (an LLM response of a model missing from its TokenPrices: add the"
            + " model; a stream that guard.call returned, which no price table can price: guard the stream with the"
            + " provider's stream helper, named in the extractor's own warning).", name, who,
            Cost.ofNanos(bound));
      } else if (policy.costExtractor() == null) {
        // The extractor is the discovered one, which the user never set: "the cost extractor" and
        // "add the model to its TokenPrices" sent the owner of a search API or a database (results
        // are Strings or objects of their own) looking for an extractor and a model they do not have.
        LOG.warn("Service {}{} has budgets but neither a cost extractor nor an estimate, and its calls' results ({}) are"
            + " not responses that the cost extractor found on the class path reads ({}): its calls without an"
            + " explicit estimate are charged $0 and never fill a budget. Set ServicePolicy.Builder.estimate(...)"
            + " (dollars per call) or costExtractor(...), or pass an estimate to call(...).", name, who,
            result == null ? "null" : result.getClass().getName(), extractor);
      } else {
        LOG.warn("Service {}{}: the cost extractor could not price a call's result and the service has no estimate,"
            + " so the call was charged $0; until a result is priced, every call without an estimate is charged $0"
            + " and never fills a budget, and calls no longer wait for one another to learn a price. Set ServicePolicy.Builder.estimate(...) (charged when a result cannot be"
            + " priced), pass an estimate to call(...), or make the extractor price the result (for an LLM: add the"
            + " model to its TokenPrices).", name, who);
      }
    }
    return bound;
  }

  /** The extractor's upper bound for an unpriced result, or -1 (none, negative, or a failure). */
  private long upperBoundOf(Object result) {
    CostExtractor x = extractor;
    if (x == null || result == null) {
      return -1;
    }
    try {
      Cost c = x.upperBoundOf(result);
      return c == null || c.isNegative() ? -1 : c.nanos();
    } catch (Throwable t) {
      extractorFailed.log("Cost extractor of service {} failed to bound a cost; the estimate is charged: {}", name,
          t.toString());
      return -1;
    }
  }

  /** Gives back a turn taken by {@link #takeTurn}. */
  void releaseTurn() {
    unknownCost.release();
  }

  /**
   * Admits a call: breaker permission, then every budget, then the call meter.
   *
   * @param key the key or {@code null}
   * @param k the key's state or {@code null}
   * @param estimate the amount to reserve
   * @param now the ticker's reading
   */
  boolean admit(String key, KeyRuntime k, long estimate, long now) {
    // The common path only: everything rare (a judged caller, an open breaker, a refusal, a trip
    // by this very call) is in methods of its own, so that this one stays small enough for the
    // JIT to inline it into the call (a method over ~325 bytes of bytecode is called, not
    // inlined, which cost the per-key path a call and its spills; issue 19).
    boolean judging = callerRate.active;
    if (judging) {
      callerRate.attempt(now);
    }
    if (!breaker.tryAcquirePermission(now)) {
      throw refusedByServiceBreaker(key, k, judging, now);
    }
    DefaultCircuitBreaker kb = k == null ? null : k.breaker;
    if (kb != null) {
      keyBreakerPermission(key, k, kb, now);
    }
    // The key's budget before the service's: a key at its own cap is refused without touching
    // the service's counter, so a tenant looping at its cap never holds the service's last room
    // for a moment (which refused other tenants' calls while room was left) nor contends on it.
    LedgerAccount ka = k == null ? null : k.account;
    int refused;
    if (ka != null) {
      refused = tryReserve(key, ka, null, kb, estimate, now);
      if (refused != LedgerAccount.ADMITTED) {
        throw refusedByKey(key, k, kb, refused, estimate, now);
      }
    }
    refused = reserveService(ka, kb, estimate, now);
    boolean leased = refused == InMemoryLedger.FROM_LEASE;
    if (refused != LedgerAccount.ADMITTED && !leased) {
      throw refusedByService(ka, kb, refused, estimate, now);
    }
    MeterEvent event = meter.onCall(now);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    BurnRateMeter km = k == null ? null : k.meter;
    if (km != null) {
      MeterEvent keyEvent = km.onCall(now);
      if (keyEvent != MeterEvent.NONE) {
        onEvent(k, keyEvent);
      }
    }
    if ((event.isRunaway() || k != null && k.breaker != kb) && breakerEnabled) {
      refuseIfThisCallTripped(key, k, event, estimate, now);
    }
    // Admitted: the service meter has counted the call, and CallStats reads it from there.
    return leased;
  }

  /**
   * Reserves on the service's account: a built-in account says whether the amount came from the
   * calling thread's lease ({@link InMemoryLedger#FROM_LEASE}); any other goes through
   * {@link #tryReserve}, which reports a ledger that throws.
   */
  private int reserveService(LedgerAccount ka, DefaultCircuitBreaker kb, long estimate, long now) {
    InMemoryLedger.Account own = ownAccount;
    return own != null ? own.reserveNoting(estimate, now) : tryReserve(null, account, ka, kb, estimate, now);
  }

  /** The service breaker refused: feeds a judged caller's attempt to the meter; the refusal to throw. */
  private CircuitOpenException refusedByServiceBreaker(String key, KeyRuntime k, boolean judging, long now) {
    if (judging) {
      refusedAttempt(null, now);
    }
    return open(breaker, key, k, now);
  }

  /** The key breaker's permission (a key whose breaker exists); throws when it refuses. */
  private void keyBreakerPermission(String key, KeyRuntime k, DefaultCircuitBreaker kb, long now) {
    CallerRate kr = k.callerRate;
    boolean keyJudging = kr != null && kr.active;
    if (keyJudging) {
      kr.attempt(now);
    }
    if (!kb.tryAcquirePermission(now)) {
      breaker.releasePermission();
      if (keyJudging) {
        refusedAttempt(k, now);
      }
      throw open(kb, key, k, now);
    }
  }

  /**
   * A service-wide budget (or the ledger) refused: undoes the key's reservation and the
   * permissions, and builds the refusal.
   */
  private RunawayException refusedByService(LedgerAccount ka, DefaultCircuitBreaker kb, int refused, long estimate,
      long now) {
    if (ka != null) {
      ledgerRelease(ka, estimate, now);
    }
    releasePermissions(kb);
    // The refusal is not the calling key's doing, so it names no key.
    return refused == LedgerAccount.UNAVAILABLE ? unavailable(null, account, estimate, now)
        : exhausted(null, null, account, thresholds, refused, estimate, now);
  }

  /**
   * Asks an account; one that throws gets {@link #ledgerThrew}. A method of its own so that the
   * handler stays out of {@link #admit}'s bytecode (its inlining budget).
   *
   * @param held the key's account already charged when {@code acc} is the service's, or {@code null}
   */
  private int tryReserve(String key, LedgerAccount acc, LedgerAccount held, DefaultCircuitBreaker kb, long estimate,
      long now) {
    try {
      return acc.tryReserve(estimate, now);
    } catch (RuntimeException | Error e) {
      throw ledgerThrew(key, acc, held, kb, estimate, now, e);
    }
  }

  /**
   * A ledger's {@code tryReserve} threw (a user's {@link BudgetLedger}; the built-in ones do not):
   * gives back what the admission holds so far (the key's reservation when the service's account
   * threw, the breakers' permissions) and refuses the call as if the ledger were unavailable, so
   * nothing leaks and the caller sees the guard's refusal. An {@link Error} is rethrown unchanged
   * after the undo.
   *
   * @param key the key named in the refusal, or {@code null} (the service's account threw)
   * @param threw the account that threw
   * @param reserved the key's account already charged, or {@code null}
   */
  private RuntimeException ledgerThrew(String key, LedgerAccount threw, LedgerAccount reserved,
      DefaultCircuitBreaker kb, long estimate, long now, Throwable e) {
    if (reserved != null) {
      ledgerRelease(reserved, estimate, now);
    }
    releasePermissions(kb);
    if (e instanceof Error) {
      throw (Error) e;
    }
    String reason = "its tryReserve threw " + e.getClass().getName();
    // The exception's message is the ledger's own and may quote its connection string: the WARN
    // names the class only; the exception itself is logged at DEBUG.
    extractorFailed.warn(LEDGER_THREW, "Service {}: the budget ledger {} threw {} from tryReserve; the call was refused"
        + " (LedgerUnavailableException) and nothing stays reserved. A ledger should return"
        + " LedgerAccount.UNAVAILABLE instead of throwing.", name, threw.getClass().getName(), e.getClass().getName());
    LOG.debug("Service {}: the budget ledger's tryReserve threw", name, e);
    return new dev.runaway.LedgerUnavailableException(name, key, reason, null);
  }

  /**
   * Commits on the service's account; whether a window's use may have grown (always true for an
   * account other than a built-in one).
   */
  private boolean commitService(long estimate, long actual, long now) {
    InMemoryLedger.Account own = ownAccount;
    if (own != null) {
      return own.commitNoting(estimate, actual, now);
    }
    ledgerCommit(account, estimate, actual, now);
    return true;
  }

  /**
   * Commits to a ledger account; a ledger that throws (a user's {@link BudgetLedger}) is reported
   * (one WARN per service, then DEBUG) and survived: the call has run, so its result is returned
   * and the breaker and meters are still fed. A ledger that cannot record spend refuses the next
   * admission itself (its {@code tryReserve} fails or returns {@link LedgerAccount#UNAVAILABLE}).
   */
  private void ledgerCommit(LedgerAccount acc, long reserved, long actual, long now) {
    try {
      acc.commit(reserved, actual, now);
    } catch (RuntimeException e) {
      settleThrew("commit", acc, e);
    }
  }

  /** Releases on a ledger account; a ledger that throws is reported and survived, as in {@link #ledgerCommit}. */
  private void ledgerRelease(LedgerAccount acc, long reserved, long now) {
    try {
      acc.release(reserved, now);
    } catch (RuntimeException e) {
      settleThrew("release", acc, e);
    }
  }

  private void settleThrew(String what, LedgerAccount acc, RuntimeException e) {
    extractorFailed.warn(LEDGER_SETTLE_THREW, "Service {}: the budget ledger {} threw {} from {}; the call's outcome"
        + " stands (its result or exception goes to the caller), but the ledger may not hold what it should: {}.", name,
        acc.getClass().getName(), e.getClass().getName(), what, switch (what) {
          case "commit" -> "the call's spend may be missing and its reservation still held";
          case "record" -> "the part of the call's charge above what it had reserved may be missing";
          default -> "the call's reservation may still be held (its budget looks fuller than it is)";
        });
    LOG.debug("Service {}: the budget ledger's {} threw", name, what, e);
  }

  /** A per-key budget refused (before the service's was touched): undoes the permissions. */
  private RunawayException refusedByKey(String key, KeyRuntime k, DefaultCircuitBreaker kb, int refused,
      long estimate, long now) {
    releasePermissions(kb);
    return refused == LedgerAccount.UNAVAILABLE ? unavailable(key, k.account, estimate, now)
        : exhausted(key, k, k.account, k.thresholds, refused, estimate, now);
  }

  /**
   * This very call pushed the rate over the edge (a runaway event, or a key breaker created by
   * its event): refuses it too, as the loop's first refused attempt.
   */
  private void refuseIfThisCallTripped(String key, KeyRuntime k, MeterEvent event, long estimate, long now) {
    DefaultCircuitBreaker tripped = event.isRunaway() ? breaker : k.breaker;
    if (tripped != null && !tripped.tryAcquirePermission(now)) {
      CallerRate r = tripped == breaker ? callerRate : k.callerRate;
      if (r != null && r.active) {
        r.attempt(now);
      }
      releaseBudgets(k, estimate, now);
      counters.meteredNotAdmitted.increment();
      throw open(tripped, key, k, now);
    }
  }

  /**
   * Releases a reservation that ended without a call outcome.
   *
   * @param k the key's state or {@code null}
   * @param estimate the reservation
   * @param now the admission's clock reading
   */
  void release(KeyRuntime k, long estimate, long now) {
    releaseBudgets(k, estimate, now);
    releasePermissions(k == null ? null : k.breaker);
  }

  private void releasePermissions(DefaultCircuitBreaker kb) {
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
   * @param now the admission's clock reading
   */
  void failed(KeyRuntime k, long estimate, Throwable failure, long now) {
    counters.failed.increment();
    releaseBudgets(k, estimate, now);
    if (ownAccount != null) {
      // The admission may have taken a lease, which stays in the windows (only this call's amount
      // went back): its check, after the call, does not come, and the calls admitted from that
      // lease skip theirs (see succeeded), so a lease that took the budget past 80% is read here.
      checkThresholds(null, account, thresholds, now, -1);
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
   * @param real the real cost, or -1 when unknown (the estimate is charged)
   * @param now the admission's clock reading: spend is dated at the call's start, so the commit
   *     needs no clock read of its own (a bucket that rolled meanwhile takes it as its newest
   *     spend; the ledger never releases spend early)
   */
  void succeeded(String key, KeyRuntime k, long estimate, long real, long now) {
    succeeded(key, k, estimate, real, now, false);
  }

  /**
   * {@link #succeeded(String, KeyRuntime, long, long, long)} for a call whose service reservation
   * may have come from the calling thread's lease.
   *
   * @param leased whether the admission took the estimate from the calling thread's lease (no
   *     window of the service's account moved then)
   */
  private void succeeded(String key, KeyRuntime k, long estimate, long real, long now, boolean leased) {
    long actual = real < 0 ? estimate : real;
    // Told before the account's commit: a meter may read its cost from the account's count (newMeter).
    MeterEvent event = meter.onCost(now, actual);
    boolean grew = commitService(estimate, actual, now);
    if (k != null && k.recent != null && beforeWarmUp) {
      // Before the key's commit, as in record: a bucket it opens starts from the account's count
      // without this spend, which is then the new bucket's (not the previous one's, nor lost).
      k.recent.add(now, actual);
    }
    if (k != null && k.account != null) {
      // Before the velocity rule below reads the key's recent spend, which may be this account's count.
      ledgerCommit(k.account, estimate, actual, now);
    }
    breaker.onSuccess();
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    // A call admitted from its thread's lease whose commit added nothing to a window moved no
    // window's use: while no level is raised, the 80%/100% levels have nothing new to see (the
    // lease was counted, and checked, by the call that took it, or by its failure), so they are
    // read only when the velocity rule is due (issue 19: the check was 5-6 ns of a call). Once a
    // level is raised every call reads them: a window that empties must re-arm it before one charge
    // (a record, a call far above its estimate) fills the window again, whose own check would see
    // the budget past 80% with the old level still raised and say nothing.
    if (!leased || grew || thresholds.anyRaised() || beforeWarmUp && now - nextVelocityCheck >= 0) {
      checkThresholds(null, account, thresholds, now, beforeWarmUp ? velocityProjection(now) : -1);
    }
    if (k != null) {
      succeededKey(k, estimate, actual, now);
    }
    if (real >= 0) {
      learn(real);
    }
  }

  /** The key's part of {@link #succeeded} after its account's commit: its thresholds, breaker and meter. */
  private void succeededKey(KeyRuntime k, long estimate, long actual, long now) {
    LedgerAccount ka = k.account;
    if (ka != null) {
      checkThresholds(k, ka, k.thresholds, now, -1);
    }
    CircuitBreaker kb = k.breaker;
    if (kb != null) {
      kb.onSuccess();
    }
    BurnRateMeter km = k.meter;
    if (km != null) {
      MeterEvent keyEvent = km.onCost(now, actual);
      if (keyEvent != MeterEvent.NONE) {
        onEvent(k, keyEvent);
      }
    }
  }

  /**
   * Follows real costs from above, so that the running estimate sits near a high quantile of
   * recent costs (about the 90th percentile) rather than their mean: a cost above the estimate
   * moves it halfway up at once, one below moves it down by 1/32 of the gap. The first real cost
   * replaces {@link #UNKNOWN} outright.
   */
  private void learn(long actual) {
    long est = runningEstimate;
    long next;
    if (est < 0) {
      next = actual;
    } else if (actual > est) {
      next = est + ((actual - est + 1) >>> 1);
    } else {
      next = est - ((est - actual) >>> 5);
    }
    // A volatile store per call costs a fence and, with threads on other cores, takes this
    // object's cache line (every hot field is on it) away from them: store only a change.
    if (next != est) {
      runningEstimate = next;
    }
  }

  /**
   * The baseline-free rule before warm-up, part one: the spend of about the last minute (the
   * meter's current and previous bucket) projected over the horizon, or -1 when the rule does not
   * apply now (the meter has warmed up, a trip is already open, or too few calls to be a loop
   * rather than one expensive call). Reads the meter's counters: no allocation, no shared write.
   */
  private double velocityProjection(long now) {
    // At most once per VELOCITY_CHECK_NANOS: the rule reads the meter's counters, whose stripes
    // the other threads write on every call, so judging on every call would take their cache
    // lines away from them at every call (issue 19). A millisecond more of a loop is nothing
    // against a horizon of minutes.
    if (now - nextVelocityCheck < 0) {
      return -1;
    }
    return velocityProjectionDue(now);
  }

  /** {@link #velocityProjection} once its millisecond has passed (apart, to keep the call's path small). */
  private double velocityProjectionDue(long now) {
    nextVelocityCheck = now + VELOCITY_CHECK_NANOS;
    if (meter.warmedUp()) {
      beforeWarmUp = false;
      return -1;
    }
    if (callerRate.active || meter.recentCalls(now) < MIN_CALLS_FOR_VELOCITY) {
      return -1;
    }
    return meter.recentCostNanos(now) * horizonBuckets;
  }

  /**
   * The part of the budget-velocity projection that the keys' own budgets make unreachable: a
   * tenant's loop that its per-key budget stops long before the service's budget is gone must not
   * open the service's breaker for every tenant (nu28 trial: the loop of one tenant, $0.28 into
   * its $1, shut out every tenant of a $3 service for as long as it looped, and its spend of the
   * last minute kept doing so after its own budget had stopped it). For each kept key, its
   * projected spend beyond its room (its tightest budget's limit less its spend and reservations
   * now) is left out; loops of several keys that together threaten the service's budget still
   * trip it. Spend that leaves a key's window within the horizon, and keys no longer kept, are not
   * counted in its favour. Judged only when the rule would trip, over the kept keys, at most once
   * per {@link #REUSE_NANOS}.
   */
  final class KeyBounds {
    /** How long one pass over the keys is reused: 100 ms, against a horizon of minutes. */
    static final long REUSE_NANOS = 100_000_000L;
    private volatile boolean known;
    private volatile long at;
    private volatile double excess;

    double unreachable(long now) {
      if (known && now - at >= 0 && now - at < REUSE_NANOS) {
        return excess;
      }
      double e = 0;
      for (KeyRuntime k : keys.asMap().values()) {
        RecentSpend r = k.recent;
        if (r == null) {
          continue;
        }
        double own = r.recent(now) * horizonBuckets;
        if (own <= 0) {
          continue;
        }
        long room = Long.MAX_VALUE;
        for (int i = 0, n = k.thresholds.size(); i < n; i++) {
          room = Math.min(room, Math.max(0, k.thresholds.limit(i) - k.account.used(i, now)));
        }
        if (own > room) {
          e += own - room;
        }
      }
      excess = e;
      at = now;
      known = true;
      return e;
    }
  }

  /**
   * The baseline-free rule, part two: at this rate the budget would be gone within the horizon,
   * so the breaker opens ({@link TripReason#BUDGET}).
   */
  private void velocityTrip(int budget, long remaining, double projected) {
    Budget b = account.budgets().get(budget);
    double perHour = projected / horizonBuckets * (3_600e9 / policy.detection().bucket().toNanos()) / 1e9;
    String detail = name + " spends " + GuardAlerts.usdPerHour(perHour) + ": at that rate its " + b.describe()
        + " would be gone within " + Durations.human(policy.budgetHorizon().toNanos()) + " ("
        + GuardAlerts.money(Math.max(0, remaining) / 1e9) + " left). The burn-rate baseline is still warming up,"
        + " so this budget-velocity rule stands in.";
    breaker.trip(TripReason.BUDGET, detail);
  }

  /**
   * Records spend observed outside a guarded call.
   *
   * @param key the key or {@code null}
   * @param amount the spend
   */
  public void record(String key, long amount) {
    if (closed) {
      throw closedGuard();
    }
    long now = ticker.nanoTime();
    KeyRuntime k = key(key, now);
    // Told before the account's record, as in succeeded.
    MeterEvent event = meter.onCost(now, amount);
    account.record(amount, now);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    if (k != null && k.recent != null && beforeWarmUp) {
      k.recent.add(now, amount);
    }
    if (k != null && k.account != null) {
      // Before the velocity rule reads the key's recent spend, which may be this account's count.
      k.account.record(amount, now);
    }
    checkThresholds(null, account, thresholds, now, beforeWarmUp ? velocityProjection(now) : -1);
    if (k != null && k.account != null) {
      checkThresholds(k, k.account, k.thresholds, now, -1);
    }
  }

  /**
   * Moves the meters' clocks while no calls may arrive (breaker open, loop stopped), so that
   * closed buckets are judged and an episode can end with its one resolution alert. Called by
   * the guard's clock every few seconds; cheap when nothing is due.
   */
  public void tick() {
    syncKeyClock();
    long now = ticker.nanoTime();
    MeterEvent event = meter.advance(now);
    if (event != MeterEvent.NONE) {
      onEvent(null, event);
    }
    if (callerRate.active) {
      callerRate.threshold(attemptThreshold(meter, callerRate.threshold()));
    }
    breaker.refresh();
    if (keys != null) {
      for (KeyRuntime k : keys.asMap().values()) {
        CircuitBreaker kb = k.breaker;
        if (kb instanceof DefaultCircuitBreaker) {
          ((DefaultCircuitBreaker) kb).refresh();
        }
      }
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
    if (closed) {
      throw closedGuard();
    }
    boolean turn = false;
    if (estimate < 0) {
      turn = takeTurn(key);
      estimate = turn ? 0 : Math.max(0, runningEstimate);
    }
    try {
      long now = ticker.nanoTime();
      KeyRuntime k = key(key, now);
      admit(key, k, estimate, now);
      return new GuardReservation(this, key, k, estimate, turn, now);
    } catch (RuntimeException | Error e) {
      if (turn) {
        unknownCost.release();
      }
      throw e;
    }
  }

  /**
   * Whether {@code Reservation.commitResult} can price a result here: the service has a cost
   * extractor (its own or one found on the class path).
   */
  boolean pricesResults() {
    return extractor != null;
  }

  /**
   * The real cost of a result handed to {@code Reservation.commitResult}, or -1 when unknown. The
   * caller asked for the result to be priced: with no extractor to do it, that is said once per
   * service (a decorator without prices would otherwise charge its estimate per call in silence,
   * whatever the tokens cost).
   */
  long costOfResult(Object result, long estimate) {
    // Marked in extractorFailed's keys (a service without an extractor never logs a failure of one),
    // not in a field of its own: a new field here moved the hot fields and cost the per-key call
    // about 10 ns in JMH (94.9 -> 102-107 ns/op).
    if (extractor == null && result != null && extractorFailed.firstTime(NO_EXTRACTOR)) {
      LOG.warn("Service {} has no cost extractor, so Reservation.commitResult cannot price a {}: each such call is"
          + " charged its reservation's estimate ({}) whatever it really cost. Set ServicePolicy.Builder"
          + ".costExtractor(...), or give the caller a price table (GuardedChatModel, GuardedStreamingChatModel,"
          + " RunawayGuardAdvisor: prices(TokenPrices.bundled(...))).", name, result.getClass().getName(),
          Cost.ofNanos(estimate));
    }
    return realCostOf(result);
  }

  /**
   * What {@link #realCostOf} returns when the extractor returned {@code null} for the result (as
   * opposed to -1: no extractor, a failure, a negative cost): the only case where
   * {@link CostExtractor#settleLater} is asked.
   */
  static final long UNPRICED = -2;

  /**
   * The real cost read from a result, or negative when unknown: {@link #UNPRICED} when the
   * extractor could not tell, -1 without an extractor, for a negative cost or a failure.
   */
  long realCostOf(Object result) {
    CostExtractor x = extractor;
    if (x == null) {
      return -1;
    }
    try {
      Cost c = x.costOf(result);
      if (c == null) {
        return UNPRICED;
      }
      if (c.isNegative()) {
        extractorFailed.log("Cost extractor of service {} returned a negative cost {}; the estimate is charged", name, c);
        return -1;
      }
      return c.nanos();
    } catch (Throwable t) {
      extractorFailed.log("Cost extractor of service {} failed; the estimate is charged: {}", name, t.toString());
      return -1;
    }
  }

  /**
   * Feeds a refused attempt of a looping caller to the meter (the breaker's caller rate has
   * counted it already): refused calls are the evidence that the loop still runs, so the meter's
   * episode lasts as long as the loop and its one resolution comes after the loop has stopped.
   * Buckets of an episode are not learned, so they never raise the baseline.
   */
  private void refusedAttempt(KeyRuntime k, long now) {
    if (k == null) {
      counters.meteredNotAdmitted.increment();
    }
    BurnRateMeter m = k == null ? meter : k.meter;
    if (m != null) {
      MeterEvent event = m.onCall(now);
      if (event != MeterEvent.NONE) {
        onEvent(k, event);
      }
    }
  }

  /**
   * Starts or stops judging the caller when a breaker opens or closes. The threshold is the
   * breaker's: the multiplier times the learned call rate (at least the baseline plus the minimum
   * excess); before warm-up, the call-rate cap if set, else the rate at the trip divided by the
   * multiplier (the loop must slow down that much).
   */
  private void judge(StateTransition t, CallerRate r, KeyRuntime k) {
    if (t.to() == CircuitBreaker.State.OPEN && t.from() == CircuitBreaker.State.CLOSED) {
      BurnRateMeter m = k == null ? meter : k.meter;
      double atTrip = m == null ? Double.NaN : m.snapshot(ticker.nanoTime()).callsPerMinute();
      double fallback = Double.isNaN(atTrip) ? 1.0 : Math.max(1.0, atTrip / policy.detection().breakerMultiplier());
      r.start(ticker.nanoTime(), attemptThreshold(m, fallback));
    } else if (t.to() == CircuitBreaker.State.CLOSED || t.to() == CircuitBreaker.State.DISABLED) {
      r.stop();
    }
  }

  private double attemptThreshold(BurnRateMeter m, double fallback) {
    DetectionSettings d = policy.detection();
    if (m != null) {
      double base = m.snapshot(ticker.nanoTime()).baselineCallsPerMinute();
      if (!Double.isNaN(base)) {
        double perMinute = 60e9 / d.bucket().toNanos();
        return Math.max(d.breakerMultiplier() * base, base + d.minExcessCalls() * perMinute);
      }
    }
    return d.callRateCap() > 0 ? d.callRateCap() : fallback;
  }

  /**
   * Checks the budgets' alert thresholds and, for the service ({@code projected >= 0}), the
   * budget-velocity rule, whose projection leaves out what the keys' own budgets keep them from
   * spending ({@link KeyBounds}).
   */
  private void checkThresholds(KeyRuntime k, LedgerAccount acc, BudgetThresholds th, long now, double projected) {
    boolean boundedByKeys = false;
    for (int i = 0, n = th.size(); i < n; i++) {
      long used = acc.used(i, now);
      long limit = th.limit(i);
      // The budget-velocity rule, on the figure this loop reads anyway. A budget already used up
      // refuses calls by itself: no breaker for that.
      if (projected >= 0 && used < limit && projected > limit - used) {
        if (keyBounds != null && !boundedByKeys) {
          projected = Math.max(0, projected - keyBounds.unreachable(now));
          boundedByKeys = true;
        }
        if (projected > limit - used) {
          velocityTrip(i, limit - used, projected);
          projected = -1;
        }
      }
      int percent = th.crossed(i, used);
      if (percent != 0) {
        raiseThreshold(k, acc, i, used, percent, now);
      }
    }
  }

  private void raiseThreshold(KeyRuntime k, LedgerAccount acc, int budget, long used, int percent, long now) {
    raise(ratesOf(k, GuardAlerts.threshold(snapshotOf(k), acc.budgets().get(budget), used, percent,
        "this process")));
  }

  private RunawayException exhausted(String key, KeyRuntime k, LedgerAccount acc, BudgetThresholds th, int budget,
      long estimate, long now) {
    counters.refusedBudget.increment();
    long used = acc.used(budget, now);
    if (estimate > th.limit(budget)) {
      // The call alone is larger than the whole budget: not a budget used up (no 100% alert for
      // money not spent) but a budget or an estimate set wrong, reported once.
      if (th.markOversized(budget)) {
        raise(GuardAlerts.callLargerThanBudget(snapshotOf(k), acc.budgets().get(budget), used, estimate,
            "this process"));
      }
    } else if (th.markExhausted(budget)) {
      raiseThreshold(k, acc, budget, used, 100, now);
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

  /**
   * The exception for a call an open breaker refused: the one of the previous refusal while it is
   * still valid (see {@link Refusal}), else a new one, kept for the next refusals.
   */
  private CircuitOpenException open(DefaultCircuitBreaker b, String key, KeyRuntime k, long now) {
    counters.refusedBreaker.increment();
    Object token = b.stateToken();
    Refusal r = k != null ? k.lastRefusal : lastRefusal;
    if (r != null && r.token == token && r.breaker == b && java.util.Objects.equals(r.key, key) && now - r.until < 0) {
      return r.exception;
    }
    CircuitOpenException e = b.refusal(name, key, now, REFUSAL_REUSE_NANOS);
    r = new Refusal(b, token, key, now + REFUSAL_REUSE_NANOS, e);
    if (k != null) {
      k.lastRefusal = r;
    } else {
      lastRefusal = r;
    }
    return e;
  }

  private void onEvent(KeyRuntime k, MeterEvent event) {
    try {
      ServiceSnapshot s = atPace(k, snapshotOf(k), event);
      raise(GuardAlerts.usage(s, event, policy.detection(), "this process", policy.detection().breakerEnabled()));
      if (event.isRunaway() && policy.detection().breakerEnabled()) {
        boolean calls = event == MeterEvent.CALL_RUNAWAY;
        double rate = calls ? s.callsPerMinute() : s.costPerHour();
        double base = calls ? s.baselineCallsPerMinute() : s.baselineCostPerHour();
        String detail = GuardAlerts.who(s) + " " + (calls ? "call rate " : "spend rate ")
            + (calls ? GuardAlerts.fmt(rate) + "/min" : GuardAlerts.usdPerHour(rate))
            + (Double.isFinite(base) && base > 0
                ? " against a baseline of " + (calls ? GuardAlerts.fmt(base) + "/min" : GuardAlerts.usdPerHour(base))
                    + " (" + GuardAlerts.fmt(rate / base) + "x)" : "")
            + " is a runaway by the breaker's test at " + GuardAlerts.fmt(policy.detection().breakerMultiplier())
            + "x its baseline.";
        breakerFor(k).trip(event.tripReason(), detail);
      }
    } catch (RuntimeException e) {
      alertFailed.log("Handling burn-rate event {} of service {} failed: {}", event, name, e.toString());
    }
  }

  /**
   * The snapshot an event is reported with, its alerted channel at the rate that raised it. A spike
   * or runaway within a minute is judged on that minute's pace; the snapshot's rate blends in the
   * minute before, so a 10x jump read "call rate 154/min is above 5.0x its baseline" of 50/min and
   * "Runaway: ... 2.6x baseline" (nu34 trial). One judged at a minute's close is judged on the
   * minute that ended, which the snapshot still shows: the larger of the two is the rate that counted.
   */
  private ServiceSnapshot atPace(KeyRuntime k, ServiceSnapshot s, MeterEvent event) {
    if (event == MeterEvent.RESOLVED || event == MeterEvent.NONE) {
      return s;
    }
    boolean calls = event == MeterEvent.CALL_SPIKE || event == MeterEvent.CALL_RUNAWAY;
    BurnRateMeter m = k == null ? meter : k.meter;
    double pace = m == null ? 0 : m.currentPace(ticker.nanoTime(), calls);
    if (calls ? !(pace > s.callsPerMinute()) : !(pace > s.costPerHour())) {
      return s;
    }
    return new ServiceSnapshot(s.service(), s.key(), s.time(), s.windows(), calls ? s.costPerHour() : pace,
        s.baselineCostPerHour(), calls ? pace : s.callsPerMinute(), s.baselineCallsPerMinute(), s.projectedHour(),
        s.projectedDay(), s.timeToExhaustion(), s.breakerState());
  }

  private CircuitBreaker breakerFor(KeyRuntime k) {
    if (k == null) {
      return breaker;
    }
    DefaultCircuitBreaker b = k.breaker;
    if (b == null) {
      synchronized (k) {
        b = k.breaker;
        if (b == null) {
          CallerRate r = new CallerRate(policy.breaker().confirmationPeriod().toNanos());
          k.callerRate = r;
          BreakerMemo m = new BreakerMemo();
          k.memo = m; // before the breaker's volatile write: see KeyRuntime.memo
          b = new DefaultCircuitBreaker(name + "[" + k.key + "]", policy.breaker(), ticker, r);
          b.onStateChange(t -> changed(t, r, m, k));
          k.breaker = b;
        }
      }
    }
    return b;
  }

  /** A breaker of the service ({@code k} null) or of a key changed state: judge its caller, raise its alert. */
  private void changed(StateTransition t, CallerRate r, BreakerMemo m, KeyRuntime k) {
    if (k != null) {
      trackKeyBreaker(k);
    }
    judge(t, r, k);
    SavedBreakers.Entry restored = m.restoredFrom;
    boolean reopened = t.to() == CircuitBreaker.State.OPEN || t.to() == CircuitBreaker.State.FORCED_OPEN;
    if (restored != null && t.to() != CircuitBreaker.State.HALF_OPEN) {
      // Its episode ends here, or a new one is measured here.
      m.restoredFrom = null;
    }
    String key = k == null ? null : k.key;
    ServiceSnapshot s = snapshotOf(k);
    if (t.to() == CircuitBreaker.State.OPEN && (t.reason() == TripReason.BURN_RATE || t.reason() == TripReason.CALL_RATE)) {
      // At the pace that tripped it, as the trip's own text (its detail) and the runaway alert give
      // it: the snapshot blends in the minute before, and one alert read "spend rate $355.26/h ...
      // (359x)" beside rate=$89.10/h, multiplier=90.1x (a new user's trial, helper nu81).
      s = atPace(k, s, t.reason() == TripReason.BURN_RATE ? MeterEvent.COST_RUNAWAY : MeterEvent.CALL_RUNAWAY);
    }
    raise(restored != null && !reopened ? GuardAlerts.restoredBreaker(t, name, key, restored)
        : ratesOf(k, GuardAlerts.breaker(t, name, key, s)));
  }

  /** A key's alert gives rates only when the key has a meter of its own; the service's alerts always do. */
  private static dev.runaway.alert.Alert ratesOf(KeyRuntime k, dev.runaway.alert.Alert alert) {
    return k != null && k.meter == null ? GuardAlerts.withoutRates(alert) : alert;
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

  /**
   * Returns the service's call outcome counters.
   *
   * @return a snapshot of the counters
   */
  public dev.runaway.CallStats stats() {
    return counters.snapshot(meter);
  }

  /**
   * Returns snapshots of the keys whose state is kept now, those with the most spend first (the
   * largest spend in any of a key's per-key budget windows; keys without per-key budgets count
   * as zero and come last, by name), at most {@code limit} of them. Costs one pass over the kept
   * keys and a snapshot for each one returned.
   *
   * @param limit the most keys to return; not negative
   * @return the snapshots, an immutable list
   */
  public List<ServiceSnapshot> keySnapshots(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative, got " + limit);
    }
    if (keys == null || limit == 0) {
      return List.of();
    }
    syncKeyClock();
    long now = ticker.nanoTime();
    java.util.Comparator<java.util.Map.Entry<KeyRuntime, Long>> order =
        java.util.Map.Entry.<KeyRuntime, Long>comparingByValue()
            .thenComparing(e -> e.getKey().key, java.util.Comparator.reverseOrder());
    // A min-heap of the best `limit` keys: one pass, bounded memory however many keys are kept.
    java.util.PriorityQueue<java.util.Map.Entry<KeyRuntime, Long>> top = new java.util.PriorityQueue<>(order);
    for (KeyRuntime k : keys.asMap().values()) {
      long spent = 0;
      if (k.account != null) {
        for (int i = 0; i < k.account.budgets().size(); i++) {
          spent = Math.max(spent, k.account.spent(i, now));
        }
      }
      top.add(java.util.Map.entry(k, spent));
      if (top.size() > limit) {
        top.poll();
      }
    }
    java.util.List<java.util.Map.Entry<KeyRuntime, Long>> best = new java.util.ArrayList<>(top);
    best.sort(order.reversed());
    java.util.List<ServiceSnapshot> out = new java.util.ArrayList<>(best.size());
    for (java.util.Map.Entry<KeyRuntime, Long> e : best) {
      out.add(snapshotOf(e.getKey()));
    }
    return List.copyOf(out);
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
