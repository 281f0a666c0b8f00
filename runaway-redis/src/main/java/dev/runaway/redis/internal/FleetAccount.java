package dev.runaway.redis.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.LedgerAccount;
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
public final class FleetAccount implements LedgerAccount {

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
        bucketMicros[i] = Math.max(1, b.window().toNanos() / 1000 / b.buckets());
        keys[i] = prefix + ":s" + b.window().toMillis() + "x" + b.buckets();
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

  /** The slow path: take what this call needs from Redis, one acquisition per account at a time. */
  private int acquire(long amount, long need, long now) {
    if (redis.isDown()) {
      return unavailable(amount);
    }
    if (now < refusedUntil) {
      return refusedIndex;
    }
    boolean locked;
    try {
      locked = lock.tryLock(2 * redis.timeoutNanos(), TimeUnit.NANOSECONDS);
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
      long shortfall = need - pool.get();
      long request = Math.max(leaseSize, shortfall);
      RedisGateway.Reply r = reserveLocked(request, now);
      if (r.status() >= 0 && request > shortfall) {
        // Near the end of a budget a whole lease no longer fits; what this call needs may.
        request = shortfall;
        r = reserveLocked(request, now);
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

  private int unavailable(long amount) {
    if (!failOpen) {
      return 0;
    }
    // Fail-open: the local account already admitted it; Redis is charged once it is back.
    pool.addAndGet(-amount);
    holding.accept(this);
    return ADMITTED;
  }

  /** Reserves {@code request} in Redis; caller holds the lock. A grant is added to the grants, not the pool. */
  private RedisGateway.Reply reserveLocked(long request, long now) throws RedisGateway.UnavailableException {
    RedisGateway.Reply r = redis.run(keys, args("reserve", request, List.of()));
    remember(r, now);
    if (r.status() < 0) {
      grants.addLast(new Grant(request, r.ids()));
      if (grants.size() > MAX_GRANTS) {
        grants.removeFirst(); // its remainder can no longer be given back: Redis over-counts, never under
      }
      lastGrantNanos = now;
      refusedUntil = Long.MIN_VALUE;
      refillRefusedUntil = Long.MIN_VALUE;
      holding.accept(this);
    }
    return r;
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
        if (pool.get() < lowWater && now >= refillRefusedUntil && !redis.isDown()) {
          RedisGateway.Reply r = reserveLocked(leaseSize, now);
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
      long p = pool.addAndGet(delta);
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
    if (amount != 0 && pool.addAndGet(-amount) < 0) {
      scheduleSettle();
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

  /** Charges spend beyond the pool to Redis. Returns false if it could not. */
  boolean settle() {
    try {
      if (!lock.tryLock(2 * redis.timeoutNanos(), TimeUnit.NANOSECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      long p = pool.get();
      if (p >= 0) {
        return true;
      }
      RedisGateway.Reply r = redis.run(keys, args("record", -p, List.of()));
      remember(r, ticker.nanoTime());
      pool.addAndGet(-p);
      return true;
    } catch (RedisGateway.UnavailableException e) {
      return false;
    } catch (Throwable t) {
      LOG.warn("Charging spend to Redis failed unexpectedly: {}", t.toString());
      return false;
    } finally {
      lock.unlock();
    }
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
    if (pool.get() < 0) {
      return settle() && pool.get() == 0 && grantsEmpty();
    }
    if (!force && now - lastGrantNanos < leaseTtlNanos) {
      return false;
    }
    if (redis.isDown()) {
      return false;
    }
    try {
      // Maintenance skips a busy account; close waits for the call in progress, within the timeout.
      if (!(force ? lock.tryLock(2 * redis.timeoutNanos(), TimeUnit.NANOSECONDS) : lock.tryLock())) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      long p = pool.get();
      if (p <= 0 || !pool.compareAndSet(p, 0)) {
        return p == 0;
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
      try {
        if (!used.isEmpty()) {
          List<String> extra = new ArrayList<>();
          extra.add(Integer.toString(used.size()));
          for (int j = 0; j < used.size(); j++) {
            extra.add(Long.toString(amounts.get(j)[0]));
            for (String id : used.get(j).ids) {
              extra.add(id);
            }
          }
          RedisGateway.Reply r = redis.run(keys, args("return", 0, extra));
          remember(r, now);
        }
      } catch (RedisGateway.UnavailableException e) {
        pool.addAndGet(p);
        return false;
      }
      for (int j = 0; j < used.size(); j++) {
        used.get(j).amount -= amounts.get(j)[0];
      }
      // What is left of the grants was spent or is reserved; a release may put some of it back.
      grants.removeIf(g -> g.amount == 0);
      return true;
    } finally {
      lock.unlock();
    }
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

  @Override
  public long spent(int budget, long now) {
    return Math.max(local.spent(budget, now), fleetTotals.get(budget) - Math.max(0, pool.get()));
  }

  @Override
  public long nanosUntilRoom(int budget, long amount, long now) {
    if (redis.isDown()) {
      return failOpen ? local.nanosUntilRoom(budget, amount, now) : probeNanos;
    }
    long at = retryAt.get(budget);
    if (at != Long.MIN_VALUE) {
      return Math.max(0, at - now);
    }
    return local.nanosUntilRoom(budget, amount, now);
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
