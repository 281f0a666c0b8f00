package dev.runaway.redis.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.ledger.internal.HoldsLeases;
import dev.runaway.ledger.internal.InMemoryLedger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budgets of one service or key shared by a fleet through Redis, spent locally from leases.
 *
 * <p><b>Leases.</b> The account takes budget from Redis in chunks (a lease of {@code leaseSize},
 * charged to every window at once by one script call) into a local pool, and admits calls by a
 * CAS on that pool: no round trip on the common path. When the pool runs below half a lease a
 * background refill takes the next lease; a call that finds the pool short takes what it needs
 * itself, one acquisition at a time per account, bounded by the Redis timeout. Budget left in the
 * pool is given back to Redis when the lease expires (no new lease for {@code leaseTtl}) and on
 * close; spend beyond the pool (actual costs above estimates, {@link #record}, fail-open calls) is
 * charged to Redis in the background. With a lease size of zero every refill is exactly one
 * call's shortfall: a round trip per call.
 *
 * <p>A local in-memory account of the same budgets runs alongside: it caps this instance on its
 * own (so fail-open is bounded by one full budget per instance) and answers the figures that
 * Redis is not asked for on every call.
 *
 * <p>Thread-safe. {@link #tryReserve}, {@link #commit}, {@link #release} and {@link #record} are
 * lock-free and allocation-free while the pool has room.
 */
public final class FleetAccount implements LedgerAccount, HoldsLeases {

  private static final Logger LOG = LoggerFactory.getLogger(FleetAccount.class);
  /** Refusals by Redis are remembered this long, so an exhausted budget costs no round trip per call. */
  static final long REFUSAL_CACHE_NANOS = 100_000_000L;
  private static final int MAX_GRANTS = 64;

  /** Budget taken from Redis and not yet given back: its amount and where each window charged it. */
  private static final class Grant {
    long amount;
    final String[] ids;

    Grant(long amount, String[] ids) {
      this.amount = amount;
      this.ids = ids;
    }
  }

  private final List<Budget> budgets;
  private final LedgerAccount local;
  private final RedisGateway redis;
  private final Ticker ticker;
  private final String[] keys;
  /** Operation keys share the account's hash tag, so one script call touches one slot. */
  private final String opPrefix;
  private final long[] limits;
  private final long[] bucketMicros;
  private final ZoneId[] zones;
  private final long leaseSize;
  private final long lowWater;
  private final long leaseTtlNanos;
  private final long probeNanos;
  private final boolean failOpen;
  private final Executor background;
  private final Consumer<FleetAccount> holding;

  /** Budget charged in Redis and free to admit here; negative while spend awaits charging. */
  private final AtomicLong pool = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean refillQueued = new AtomicBoolean();
  private final AtomicBoolean settleQueued = new AtomicBoolean();
  private final AtomicLongArray fleetTotals;
  private final AtomicLongArray retryAt;
  private final Runnable refill = this::refill;
  private final Runnable settle = this::settleQuietly;
  private volatile long lastGrantNanos;
  private volatile long refusedUntil = Long.MIN_VALUE;
  /** A refused refill is not retried before this; calls may still get their exact need. */
  private volatile long refillRefusedUntil = Long.MIN_VALUE;
  private volatile int refusedIndex;
  // Guarded by lock.
  private final ArrayDeque<Grant> grants = new ArrayDeque<>();
  /**
   * Mutations sent to Redis whose outcome is unknown (no answer in time: a stalled Redis may apply
   * them later). Each is resent, with its operation id, before anything else is asked, until Redis
   * answers; the script applies an id once and replays its reply after. Guarded by lock.
   */
  private final ArrayDeque<Pending> inDoubt = new ArrayDeque<>();
  private volatile int inDoubtCount;
  /** While Redis rejects this account's operations (WRONGTYPE...): not asked again before this. */
  private volatile long brokenUntil = Long.MIN_VALUE;
  private volatile String brokenWhy;
  private final AtomicBoolean brokenReported = new AtomicBoolean();

  /** A mutation whose outcome is unknown: resent as is. {@code amount} is a reserve's request. */
  private record Pending(String op, String[] keys, String[] args, long amount) {}

  /**
   * Creates an account.
   *
   * @param prefix the key prefix of this account (with its hash tag)
   * @param budgets the budgets
   * @param local the local account of the same budgets
   * @param redis the gateway
   * @param ticker the guard's ticker
   * @param leaseSize nano-dollars per lease; 0 for none
   * @param leaseTtl how long unspent lease is kept before it is given back
   * @param probeInterval how often an unavailable Redis is probed (the retry-after of a fail-closed refusal)
   * @param failOpen whether calls are admitted on local budgets alone while Redis is unavailable
   * @param background runs refills and charges off the caller's thread
   * @param holding told when this account starts to hold budget, so the ledger returns it on expiry and close
   */
  public FleetAccount(String prefix, List<Budget> budgets, LedgerAccount local, RedisGateway redis, Ticker ticker,
      long leaseSize, Duration leaseTtl, Duration probeInterval, boolean failOpen, Executor background,
      Consumer<FleetAccount> holding) {
    this.budgets = List.copyOf(budgets);
    this.opPrefix = prefix + ":op:";
    this.local = local;
    this.redis = redis;
    this.ticker = ticker;
    this.leaseSize = leaseSize;
    this.lowWater = leaseSize / 2;
    this.leaseTtlNanos = leaseTtl.toNanos();
    this.probeNanos = probeInterval.toNanos();
    this.failOpen = failOpen;
    this.background = background;
    this.holding = holding;
    int k = budgets.size();
    this.keys = new String[k];
    this.limits = new long[k];
    this.bucketMicros = new long[k];
    this.zones = new ZoneId[k];
    for (int i = 0; i < k; i++) {
      Budget b = budgets.get(i);
      limits[i] = b.limit().nanos();
      if (b.isCalendarDay()) {
        zones[i] = b.zone().orElseThrow();
        keys[i] = prefix + ":d" + zones[i].getId();
      } else {
        // Rounded up, as the in-process window's (SlidingWindow): rounded down, n buckets spanned
        // less than the window and its oldest spend left early, so a 61 s window in 60 buckets
        // admitted its limit twice within 61 s across the fleet (review nu83). Where the width is
        // exact (an hour in 60 buckets) nothing changed; where it is not, the keys are new ("c"),
        // so an instance of an older release in the fleet never reads these buckets with its width.
        long micros = b.window().toNanos() / 1000;
        bucketMicros[i] = Math.max(1, -Math.floorDiv(-micros, (long) b.buckets()));
        keys[i] = prefix + ":s" + b.window().toMillis() + "x" + b.buckets() + (micros % b.buckets() == 0 ? "" : "c");
      }
    }
    this.fleetTotals = new AtomicLongArray(k);
    this.retryAt = new AtomicLongArray(k);
    for (int i = 0; i < k; i++) {
      retryAt.set(i, Long.MIN_VALUE);
    }
  }

  @Override
  public List<Budget> budgets() {
    return budgets;
  }

  @Override
  public int tryReserve(long amount, long now) {
    int refused = local.tryReserve(amount, now);
    if (refused != ADMITTED) {
      return refused;
    }
    long need = Math.max(amount, 1);
    for (;;) {
      long p = pool.get();
      if (p < need) {
        break;
      }
      if (pool.compareAndSet(p, p - amount)) {
        if (p - amount < lowWater && leaseSize > 0) {
          maybeRefill(now);
        }
        return ADMITTED;
      }
    }
    int result = acquire(amount, need, now);
    if (result != ADMITTED) {
      local.release(amount, now);
    }
    return result;
  }

  private void maybeRefill(long now) {
    if (now >= refillRefusedUntil && !redis.isDown() && !refillQueued.get() && refillQueued.compareAndSet(false, true)) {
      try {
        background.execute(refill);
      } catch (RuntimeException e) {
        refillQueued.set(false);
      }
    }
  }

  /**
   * The slow path: take what this call needs from Redis, one acquisition per account at a time.
   * Everything here (waiting for the account's lock, resending operations in doubt, one or two
   * reservations) shares one deadline, so a call never waits on Redis longer than the timeout.
   */
  private int acquire(long amount, long need, long now) {
    if (redis.isDown() || now < brokenUntil) {
      return unavailable(amount);
    }
    if (now < refusedUntil) {
      return refusedIndex;
    }
    // Real time: the deadline bounds waiting on the network, whatever the guard's ticker says.
    long deadline = System.nanoTime() + redis.timeoutNanos();
    boolean locked;
    try {
      locked = lock.tryLock(redis.timeoutNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unavailable(amount);
    }
    if (!locked) {
      return unavailable(amount); // another thread's call to Redis is stuck: do not queue behind it
    }
    try {
      // Someone may have refilled the pool while this thread waited.
      for (;;) {
        long p = pool.get();
        if (p < need) {
          break;
        }
        if (pool.compareAndSet(p, p - amount)) {
          return ADMITTED;
        }
      }
      // ... or Redis went down meanwhile (the lock holder's call timed out): do not ask again.
      if (redis.isDown() || now < brokenUntil || !resolveLocked(deadline)) {
        return unavailable(amount);
      }
      for (;;) {
        long p = pool.get();
        if (p < need) {
          break;
        }
        if (pool.compareAndSet(p, p - amount)) {
          return ADMITTED; // a reservation in doubt came back granted
        }
      }
      long shortfall = need - pool.get();
      long request = Math.max(leaseSize, shortfall);
      RedisGateway.Reply r = reserveLocked(request, now, deadline);
      if (r.status() >= 0 && request > shortfall) {
        // Near the end of a budget a whole lease no longer fits; what this call needs may.
        request = shortfall;
        r = reserveLocked(request, now, deadline);
      }
      if (r.status() >= 0) {
        refusedIndex = r.status();
        refusedUntil = now + REFUSAL_CACHE_NANOS;
        return r.status();
      }
      // The grant covers this call directly; the rest goes to the pool.
      pool.addAndGet(request - amount);
      return ADMITTED;
    } catch (RedisGateway.UnavailableException e) {
      return unavailable(amount);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs one mutation with a fresh operation id; caller holds the lock. A failure whose outcome is
   * unknown is kept to be resent with the same id; an error reply starts a "broken" episode.
   */
  private RedisGateway.Reply mutate(String op, long amount, List<String> extra, long deadline)
      throws RedisGateway.UnavailableException {
    String[] k = new String[keys.length + 1];
    System.arraycopy(keys, 0, k, 0, keys.length);
    k[keys.length] = opPrefix + redis.nextOpId();
    String[] a = args(op, amount, extra);
    try {
      RedisGateway.Reply r = redis.run(k, a, keys.length, deadline);
      healthy();
      return r;
    } catch (RedisGateway.UnavailableException e) {
      if (e.inDoubt()) {
        inDoubt.addLast(new Pending(op, k, a, amount));
        inDoubtCount = inDoubt.size();
        holding.accept(this);
      }
      if (e.serverError()) {
        broken(e.getMessage());
      }
      throw e;
    }
  }

  /**
   * Resends the operations in doubt, oldest first, with their ids; caller holds the lock. A
   * reservation that Redis had granted after all joins the pool.
   *
   * @return whether none is left in doubt
   */
  private boolean resolveLocked(long deadline) {
    while (!inDoubt.isEmpty()) {
      Pending p = inDoubt.peekFirst();
      RedisGateway.Reply r;
      try {
        r = redis.run(p.keys(), p.args(), keys.length, deadline);
      } catch (RedisGateway.UnavailableException e) {
        if (e.serverError()) {
          broken(e.getMessage());
        }
        return false;
      }
      inDoubt.removeFirst();
      inDoubtCount = inDoubt.size();
      long now = ticker.nanoTime();
      remember(r, now);
      if (p.op().equals("reserve") && r.status() < 0) {
        addGrant(p.amount(), r.ids(), now);
        pool.addAndGet(p.amount());
      }
      healthy();
    }
    return true;
  }

  private void broken(String why) {
    brokenWhy = why;
    brokenUntil = ticker.nanoTime() + probeNanos;
    if (brokenReported.compareAndSet(false, true)) {
      redis.accountProblem(toString(), why);
    }
  }

  private void healthy() {
    if (brokenReported.get() && brokenReported.compareAndSet(true, false)) {
      brokenUntil = Long.MIN_VALUE;
      redis.accountRecovered(toString());
    }
  }

  @Override
  public String unavailableReason() {
    String why = brokenWhy;
    if (why != null && ticker.nanoTime() < brokenUntil) {
      return why;
    }
    return redis.describeOutage();
  }

  private int unavailable(long amount) {
    if (!failOpen) {
      return UNAVAILABLE;
    }
    // Fail-open: the local account already admitted it; Redis is charged once it is back.
    pool.addAndGet(-amount);
    holding.accept(this);
    return ADMITTED;
  }

  /** Reserves {@code request} in Redis; caller holds the lock. A grant is added to the grants, not the pool. */
  private RedisGateway.Reply reserveLocked(long request, long now, long deadline)
      throws RedisGateway.UnavailableException {
    RedisGateway.Reply r = mutate("reserve", request, List.of(), deadline);
    remember(r, now);
    if (r.status() < 0) {
      addGrant(request, r.ids(), now);
    }
    return r;
  }

  private void addGrant(long request, String[] ids, long now) {
    grants.addLast(new Grant(request, ids));
    if (grants.size() > MAX_GRANTS) {
      grants.removeFirst(); // its remainder can no longer be given back: Redis over-counts, never under
    }
    lastGrantNanos = now;
    refusedUntil = Long.MIN_VALUE;
    refillRefusedUntil = Long.MIN_VALUE;
    holding.accept(this);
  }

  private void remember(RedisGateway.Reply r, long now) {
    for (int i = 0; i < limits.length; i++) {
      fleetTotals.set(i, r.totals()[i]);
      retryAt.set(i, Long.MIN_VALUE);
    }
    if (r.status() >= 0 && r.retryMicros() >= 0) {
      retryAt.set(r.status(), now + r.retryMicros() * 1000);
    }
  }

  private void refill() {
    try {
      if (!lock.tryLock()) {
        return;
      }
      try {
        long now = ticker.nanoTime();
        long deadline = System.nanoTime() + redis.timeoutNanos();
        if (pool.get() < lowWater && now >= refillRefusedUntil && now >= brokenUntil && !redis.isDown()
            && resolveLocked(deadline) && pool.get() < lowWater) {
          RedisGateway.Reply r = reserveLocked(leaseSize, now, deadline);
          if (r.status() >= 0) {
            refillRefusedUntil = now + REFUSAL_CACHE_NANOS;
          } else {
            pool.addAndGet(leaseSize);
          }
        }
      } finally {
        lock.unlock();
      }
    } catch (RedisGateway.UnavailableException e) {
      LOG.debug("Lease refill failed: {}", e.getMessage());
    } catch (Throwable t) {
      LOG.warn("Lease refill failed unexpectedly: {}", t.toString());
    } finally {
      refillQueued.set(false);
    }
  }

  @Override
  public void commit(long reserved, long actual, long now) {
    local.commit(reserved, actual, now);
    long delta = reserved - actual;
    if (delta != 0) {
      long p = addPool(delta);
      if (p < 0) {
        scheduleSettle();
      } else if (p - delta <= 0 && p > 0) {
        holding.accept(this); // budget back in an empty pool: give it back when the lease expires
      }
    }
  }

  @Override
  public void release(long reserved, long now) {
    local.release(reserved, now);
    if (reserved != 0) {
      long p = pool.addAndGet(reserved);
      if (p - reserved <= 0 && p > 0) {
        holding.accept(this);
      }
    }
  }

  @Override
  public void record(long amount, long now) {
    local.record(amount, now);
    if (amount != 0 && addPool(-amount) < 0) {
      scheduleSettle();
    }
  }

  /** Bounds of the pool: absurd amounts (a cost of {@code Long.MAX_VALUE}) clamp, never wrap. */
  private static final long POOL_BOUND = 1L << 62;

  /** Adds to the pool without wrapping; one atomic add for ordinary amounts. */
  private long addPool(long delta) {
    long p = pool.get();
    if (delta < (1L << 40) && delta > -(1L << 40) && p < (1L << 61) && p > -(1L << 61)) {
      return pool.addAndGet(delta);
    }
    for (;;) {
      long r = p + delta;
      if (((p ^ r) & (delta ^ r)) < 0) {
        r = delta < 0 ? -POOL_BOUND : POOL_BOUND;
      }
      r = Math.max(-POOL_BOUND, Math.min(POOL_BOUND, r));
      if (pool.compareAndSet(p, r)) {
        return r;
      }
      p = pool.get();
    }
  }

  private void scheduleSettle() {
    holding.accept(this);
    if (!redis.isDown() && settleQueued.compareAndSet(false, true)) {
      try {
        background.execute(settle);
      } catch (RuntimeException e) {
        settleQueued.set(false);
      }
    }
  }

  private void settleQuietly() {
    try {
      settle();
    } finally {
      settleQueued.set(false);
    }
  }

  /**
   * Takes the lock (waiting up to the timeout if {@code wait}, else only if it is free), resends
   * the operations in doubt and, if none is left, runs {@code work} with the deadline of its own
   * round trips: a fresh timeout from when the lock was taken.
   *
   * @return {@code false} if the lock was not taken or doubt remains, else what {@code work} returns
   */
  private boolean resolvedThen(boolean wait, LongPredicate work) {
    try {
      if (!(wait ? lock.tryLock(redis.timeoutNanos(), TimeUnit.NANOSECONDS) : lock.tryLock())) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      long deadline = System.nanoTime() + redis.timeoutNanos();
      return resolveLocked(deadline) && work.test(deadline);
    } finally {
      lock.unlock();
    }
  }

  /** Charges spend beyond the pool to Redis. Returns false if it could not (or not for sure yet). */
  boolean settle() {
    try {
      return resolvedThen(true, this::settleLocked);
    } catch (Throwable t) {
      LOG.warn("Charging spend to Redis failed unexpectedly: {}", t.toString());
      return false;
    }
  }

  /** {@link #settle()} with the lock held and nothing in doubt. */
  private boolean settleLocked(long deadline) {
    long p = pool.get();
    if (p >= 0) {
      return true;
    }
    try {
      RedisGateway.Reply r = mutate("record", -p, List.of(), deadline);
      remember(r, ticker.nanoTime());
    } catch (RedisGateway.UnavailableException e) {
      if (e.inDoubt()) {
        pool.addAndGet(-p); // resent with its id until Redis answers: charged once, never twice
      }
      return false;
    }
    pool.addAndGet(-p);
    return true;
  }

  /**
   * Gives unspent lease back to Redis (attributed to the oldest grants first, so the spend kept
   * in Redis is dated as late as possible) and charges spend beyond it. Run on lease expiry and
   * on close.
   *
   * @param force give back even if the lease has not expired (close)
   * @return whether this account holds nothing any more
   */
  public boolean giveBack(boolean force) {
    long now = ticker.nanoTime();
    if (inDoubtCount > 0 || pool.get() < 0) {
      // Operations in doubt are resent first (inside settle), whatever the lease's age.
      return settle() && pool.get() == 0 && inDoubtCount == 0 && grantsEmpty();
    }
    if (!force && now - lastGrantNanos < leaseTtlNanos) {
      return false;
    }
    if (redis.isDown() || now < brokenUntil) {
      return false;
    }
    // Maintenance skips a busy account; close waits for the call in progress, within the timeout.
    return resolvedThen(force, deadline -> giveBackLocked(now, deadline));
  }

  /** {@link #giveBack(boolean)} with the lock held and nothing in doubt. */
  private boolean giveBackLocked(long now, long deadline) {
    long p = pool.get();
    if (p <= 0 || !pool.compareAndSet(p, 0)) {
      return p == 0 && inDoubt.isEmpty();
    }
    List<long[]> amounts = new ArrayList<>();
    List<Grant> used = new ArrayList<>();
    long left = p;
    for (Grant g : grants) {
      if (left == 0) {
        break;
      }
      long take = Math.min(left, g.amount);
      if (take > 0) {
        amounts.add(new long[] {take});
        used.add(g);
        left -= take;
      }
    }
    boolean sure = true;
    if (!used.isEmpty()) {
      List<String> extra = new ArrayList<>();
      extra.add(Integer.toString(used.size()));
      for (int j = 0; j < used.size(); j++) {
        extra.add(Long.toString(amounts.get(j)[0]));
        for (String id : used.get(j).ids) {
          extra.add(id);
        }
      }
      try {
        RedisGateway.Reply r = mutate("return", 0, extra, deadline);
        remember(r, now);
      } catch (RedisGateway.UnavailableException e) {
        if (!e.inDoubt()) {
          pool.addAndGet(p); // certainly not applied: the budget is still this instance's
          return false;
        }
        // Maybe applied by a Redis that was only stalled: the budget is no longer this
        // instance's to spend, and the give-back is resent with its id until Redis answers.
        // (Putting it back in the pool and giving it back again later returned it twice.)
        sure = false;
      }
    }
    for (int j = 0; j < used.size(); j++) {
      used.get(j).amount -= amounts.get(j)[0];
    }
    // What is left of the grants was spent or is reserved; a release may put some of it back.
    grants.removeIf(g -> g.amount == 0);
    return sure;
  }

  private boolean grantsEmpty() {
    lock.lock();
    try {
      return grants.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  private String[] args(String op, long amount, List<String> extra) {
    Instant wall = ticker.instant();
    long nowMicros = wall.getEpochSecond() * 1_000_000L + wall.getNano() / 1000;
    int k = limits.length;
    String[] a = new String[4 + 5 * k + extra.size()];
    a[0] = op;
    a[1] = Long.toString(nowMicros);
    a[2] = Long.toString(amount);
    a[3] = Integer.toString(k);
    long need = Math.max(amount, 1);
    for (int i = 0; i < k; i++) {
      int o = 4 + 5 * i;
      String lim = op.equals("reserve") ? Long.toString(limits[i] - need) : "0";
      if (zones[i] != null) {
        LocalDate day = LocalDate.ofInstant(wall, zones[i]);
        long untilMidnight = Duration.between(wall, day.plusDays(1).atStartOfDay(zones[i]).toInstant()).toMillis();
        a[o] = "c";
        a[o + 1] = Long.toString(day.toEpochDay());
        a[o + 2] = Long.toString(Math.max(1, untilMidnight));
        a[o + 3] = lim;
        a[o + 4] = "0";
      } else {
        Budget b = budgets.get(i);
        a[o] = "s";
        a[o + 1] = Long.toString(bucketMicros[i]);
        a[o + 2] = Integer.toString(b.buckets());
        a[o + 3] = lim;
        a[o + 4] = Long.toString(b.window().toMillis() + 2 * bucketMicros[i] / 1000 + 1000);
      }
    }
    for (int j = 0; j < extra.size(); j++) {
      a[4 + 5 * k + j] = extra.get(j);
    }
    return a;
  }

  @Override
  public long used(int budget, long now) {
    return Math.max(fleetTotals.get(budget), local.used(budget, now));
  }

  /**
   * Gives back the budget the local account leased to this process's threads (not the pool this
   * process took from Redis): a snapshot then reads the local figures as spend and calls in
   * flight only, as with the in-memory ledger.
   */
  @Override
  public void reclaimLeases() {
    InMemoryLedger.reclaimLeases(local);
  }

  @Override
  public <T> T withoutLeases(java.util.function.Supplier<T> read) {
    return InMemoryLedger.withoutLeases(local, read);
  }

  @Override
  public long spent(int budget, long now) {
    return Math.max(local.spent(budget, now), fleetTotals.get(budget) - Math.max(0, pool.get()));
  }

  @Override
  public long nanosUntilRoom(int budget, long amount, long now) {
    if (redis.isDown()) {
      return failOpen ? local.nanosUntilRoom(budget, amount, now) : probeNanos;
    }
    long broken = brokenUntil;
    if (now < broken && !failOpen) {
      return broken - now;
    }
    long at = retryAt.get(budget);
    if (at != Long.MIN_VALUE) {
      return Math.max(0, at - now);
    }
    return local.nanosUntilRoom(budget, amount, now);
  }

  /**
   * Returns the number of operations sent to Redis whose outcome is still unknown (they are
   * resent with their ids until Redis answers).
   *
   * @return the count
   */
  public int inDoubt() {
    return inDoubtCount;
  }

  /**
   * Returns the budget held locally: taken from Redis and not yet spent or given back.
   *
   * @return nano-dollars; negative while spend awaits charging to Redis
   */
  public long pooled() {
    return pool.get();
  }

  @Override
  public String toString() {
    return "FleetAccount" + List.of(keys);
  }
}
