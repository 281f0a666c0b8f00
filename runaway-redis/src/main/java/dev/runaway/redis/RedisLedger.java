package dev.runaway.redis;

import dev.runaway.internal.Checks;
import dev.runaway.internal.DaemonThreads;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.config.Secret;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.redis.internal.FleetAccount;
import dev.runaway.redis.internal.RedisGateway;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BudgetLedger} on Redis: every instance of an application spends from one budget per
 * service (and per key), so twenty instances do not get twenty budgets.
 *
 * <pre>{@code
 * RedisLedger ledger = RedisLedger.builder().host("redis.internal").port(6379)
 *     .leaseFraction(0.01)                 // take 1% of the smallest limit at a time
 *     .failureMode(RedisLedger.FailureMode.FAIL_CLOSED)
 *     .build();
 * RunawayGuard guard = RunawayGuard.builder().ledger(ledger).service(...).build();
 * }</pre>
 *
 * <p><b>In Redis.</b> A reservation is one Lua script call, atomic across all windows of an
 * account: every window admits it and is charged, or none is. Sliding windows are rings of bucket
 * keys whose totals drop as buckets leave the window; keys expire by TTL once unused for a window;
 * calendar days are one key per day. Amounts stay exact: nano-dollars as decimal strings changed
 * only by {@code INCRBY}/{@code DECRBY} (exact 64-bit integers) and compared as strings, never as
 * Lua numbers (doubles). Bucket times come from the instances' wall clocks, which must agree to
 * well within one bucket (NTP). Keys of one account share a hash tag. Budgets live as long as
 * Redis keeps its data: a Redis restarted without persistence (RDB or AOF) starts the fleet's
 * windows from zero.
 *
 * <p><b>Leases.</b> Each instance takes budget from Redis a lease at a time and admits calls from
 * it locally, lock-free, so the hot path makes no round trip; see {@code FleetAccount}. A lease
 * not renewed for {@link Builder#leaseTtl(Duration) leaseTtl} is given back, and so is every
 * lease on {@link #close()}.
 *
 * <p><b>Bounds.</b> Let {@code I} be the number of instances, {@code L} the lease size and
 * {@code e} the largest estimate. (1) Redis never grants more than a window's limit, and an
 * instance never admits more than it was granted plus (actual - estimate) overruns, which it
 * charges afterwards: in the common case the fleet stays within the limit exactly as one
 * process would. (2) A lease is charged when it is granted and spent within {@code leaseTtl}
 * after, so spend can leave a sliding window in Redis up to {@code leaseTtl} early: over any
 * window, fleet spend exceeds the limit by at most what the instances hold in their pools,
 * {@code I x (1.5 L + e)}, plus the overruns in flight. (3) Budget held in other instances' pools
 * is not available to this one, so an instance may be refused while up to {@code I x (1.5 L + e)}
 * of the limit is unspent; leases expire to bound that in time. (4) While Redis is unavailable,
 * {@link FailureMode#FAIL_CLOSED} refuses calls that need budget from Redis (pooled budget is
 * still spent), and {@link FailureMode#FAIL_OPEN} admits calls against this instance's local
 * copy of the budgets: up to {@code I x limit} fleet-wide until Redis is back, when that spend is
 * charged to Redis. Every guarded call waits on Redis at most the timeout in all (waiting for
 * another thread's request included); an unavailable Redis is not asked again until a probe finds
 * it back. The probe runs every {@link Builder#probeInterval(Duration) probeInterval} (default 1 s)
 * and opens a new connection when the old one lost Redis, rather than wait for the client's own
 * reconnection (whose delay doubles while Redis is away), so calls go through Redis again within
 * one probe interval of Redis being back. Fail-closed refusals throw {@link dev.runaway.LedgerUnavailableException}, which says
 * why Redis cannot be asked (with the root cause, e.g. {@code WRONGPASS}).
 *
 * <p><b>Exactly once.</b> Every mutation (lease, charge, give-back) carries an operation id; the
 * script keeps each reply under that id for 2 minutes. A request that timed out may still be
 * applied by a Redis that was only stalled, so its outcome is treated as unknown: the budget it
 * concerns is neither spent nor taken back locally, and the request is resent with the same id
 * until Redis answers (a reply for an id already applied is replayed, not applied again). A key of
 * the wrong type under the prefix (written by another program) makes Redis reject that account's
 * operations: one alert per account and episode, its calls refused (fail-closed) or admitted
 * locally (fail-open), and Redis is not flagged down. Totals saturate at 2<sup>62</sup>
 * nano-dollars instead of overflowing.
 *
 * <p><b>Cost.</b> With leases a call is a local CAS (plus the in-memory ledger's); a lease is one
 * round trip, normally taken in the background before the pool runs dry. Size leases so that one
 * lasts for many calls ({@code L / e} of them): if calls outrun a refill, the calls that find the
 * pool empty wait for the round trip. With leases off every call waits for one.
 *
 * <p><b>Secrets.</b> The password is revealed only to the Redis client. Lettuce's own TRACE
 * logging of {@code io.lettuce.core.protocol} dumps the wire, {@code AUTH} included: keep it off
 * in production.
 *
 * <p>Thread-safe.
 */
public final class RedisLedger implements BudgetLedger {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLedger.class);

  /** What calls do while Redis is unavailable. */
  public enum FailureMode {
    /** Refuse calls that need budget from Redis; the safe choice for money. */
    FAIL_CLOSED,
    /** Admit calls against this instance's own copy of the budgets, and alert. */
    FAIL_OPEN
  }

  private final RedisGateway redis;
  private final Ticker ticker;
  private final String prefix;
  private final long leaseSize;
  private final double leaseFraction;
  private final Duration leaseTtl;
  private final Duration probeInterval;
  private final boolean failOpen;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final ScheduledFuture<?> maintenance;
  private final ScheduledFuture<?> probe;
  private final BudgetLedger local;
  private final Set<FleetAccount> holding = ConcurrentHashMap.newKeySet();
  private final Consumer<FleetAccount> onHold = holding::add;
  private final String description;
  private volatile boolean closed;

  private RedisLedger(Builder b) {
    this.ticker = b.ticker;
    this.prefix = b.keyPrefix;
    this.leaseSize = b.leaseSize == null ? -1 : b.leaseSize.nanos();
    this.leaseFraction = b.leaseFraction;
    this.leaseTtl = b.leaseTtl;
    this.probeInterval = b.probeInterval;
    this.failOpen = b.failureMode == FailureMode.FAIL_OPEN;
    String where = b.connection.where();
    String modeText = failOpen
        ? "calls are admitted against each instance's own copy of the budgets (fail-open)"
        : "calls that need budget from Redis are refused (fail-closed)";
    this.redis = new RedisGateway(b.connection.uri(), where, b.connection.timeout(), modeText,
        b.alerts != null ? b.alerts : a -> { }, ticker);
    this.local = BudgetLedger.inMemory(ticker);
    this.ownsScheduler = b.scheduler == null;
    this.scheduler = b.scheduler != null ? b.scheduler : Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named("runaway-redis-ledger"));
    long every = Math.max(50_000_000L, leaseTtl.toNanos() / 2);
    this.maintenance = scheduler.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.NANOSECONDS);
    this.probe = scheduler.scheduleWithFixedDelay(redis::probe, probeInterval.toNanos(), probeInterval.toNanos(),
        TimeUnit.NANOSECONDS);
    this.description = "RedisLedger[" + where + ", prefix=" + prefix + ", lease="
        + (leaseSize >= 0 ? Cost.ofNanos(leaseSize).toString() : leaseFraction * 100 + "% of the smallest limit")
        + ", leaseTtl=" + leaseTtl + ", " + b.failureMode + "]";
  }

  /**
   * Returns a new builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public LedgerAccount account(String service, String key, List<Budget> budgets) {
    Objects.requireNonNull(service, "service");
    long lease = leaseSize;
    if (lease < 0) {
      long smallest = Long.MAX_VALUE;
      for (Budget b : budgets) {
        smallest = Math.min(smallest, b.limit().nanos());
      }
      lease = budgets.isEmpty() ? 0 : (long) (smallest * leaseFraction);
    }
    String p = prefix + ":{" + escape(service) + (key == null ? "" : "|" + escape(key)) + "}";
    return new FleetAccount(p, budgets, local.account(service, key, budgets), redis, ticker, lease, leaseTtl,
        probeInterval, failOpen, scheduler, onHold);
  }

  /**
   * Whether Redis answers right now (false between a failed call and the next successful probe).
   *
   * @return {@code true} if reachable
   */
  public boolean isAvailable() {
    return !redis.isDown();
  }

  private void maintain() {
    try {
      for (FleetAccount a : holding) {
        if (a.giveBack(false)) {
          holding.remove(a);
          if (a.pooled() != 0) {
            holding.add(a); // budget came back in between: keep watching it
          }
        }
      }
    } catch (Throwable t) {
      LOG.warn("Redis ledger maintenance failed: {}", t.toString());
    }
  }

  /**
   * Gives every unspent lease back to Redis, charges spend not yet charged, and closes the
   * connection; bounded by the timeout per account.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    maintenance.cancel(false);
    probe.cancel(false);
    if (ownsScheduler) {
      scheduler.shutdown();
      try {
        scheduler.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (FleetAccount a : holding) {
      if (!a.giveBack(true) && a.pooled() != 0) {
        LOG.warn("Could not give {} back to Redis on close (Redis unavailable); it stays charged until it leaves"
            + " its window", Cost.ofNanos(Math.abs(a.pooled())));
      }
      if (a.inDoubt() > 0) {
        LOG.warn("{} operation(s) of {} sent to Redis got no answer before close; Redis may or may not have"
            + " applied them (spend made here may be missing from the fleet total)", a.inDoubt(), a);
      }
    }
    redis.close();
  }

  @Override
  public String toString() {
    return description;
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '%' -> sb.append("%25");
        case '{' -> sb.append("%7B");
        case '}' -> sb.append("%7D");
        case '|' -> sb.append("%7C");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Builds a {@link RedisLedger}; reusable, each {@link #build()} connects anew. */
  public static final class Builder {
    private final RedisConnection connection = new RedisConnection(Duration.ofMillis(250));
    private String keyPrefix = "runaway";
    private Cost leaseSize;
    private double leaseFraction = 0.01;
    private Duration leaseTtl = Duration.ofSeconds(2);
    private Duration probeInterval = Duration.ofSeconds(1);
    private FailureMode failureMode = FailureMode.FAIL_CLOSED;
    private Consumer<Alert> alerts;
    private Ticker ticker = Ticker.system();
    private ScheduledExecutorService scheduler;

    private Builder() {}

    /**
     * Sets the Redis host (default 127.0.0.1).
     *
     * @param host the host name or address
     * @return this builder
     */
    public Builder host(String host) {
      connection.host(host);
      return this;
    }

    /**
     * Sets the Redis port (default 6379).
     *
     * @param port from 1 to 65535
     * @return this builder
     */
    public Builder port(int port) {
      connection.port(port);
      return this;
    }

    /**
     * Sets the database number (default 0).
     *
     * @param database not negative
     * @return this builder
     */
    public Builder database(int database) {
      connection.database(database);
      return this;
    }

    /**
     * Connects with TLS (default off).
     *
     * @param tls whether to use TLS
     * @return this builder
     */
    public Builder tls(boolean tls) {
      connection.tls(tls);
      return this;
    }

    /**
     * Sets the password; it is revealed only to the Redis client, never logged.
     *
     * @param password the password
     * @return this builder
     */
    public Builder password(Secret password) {
      connection.password(password);
      return this;
    }

    /**
     * Sets the prefix of every key (default {@code runaway}); applications sharing a Redis keep
     * their budgets apart with different prefixes.
     *
     * @param prefix not blank
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.isBlank()) {
        throw new IllegalArgumentException("keyPrefix must not be blank");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets a fixed lease size for every account; {@link Cost#ZERO} disables leases (a round trip
     * per call). Overrides {@link #leaseFraction(double)}.
     *
     * @param size not negative
     * @return this builder
     */
    public Builder leaseSize(Cost size) {
      Objects.requireNonNull(size, "size");
      if (size.nanos() < 0) {
        throw new IllegalArgumentException("leaseSize must not be negative, got " + size);
      }
      this.leaseSize = size;
      return this;
    }

    /**
     * Sets the lease size as a fraction of each account's smallest limit (default 0.01). Larger
     * leases mean fewer round trips and a larger overshoot bound.
     *
     * @param fraction from 0 (no leases) to 0.5
     * @return this builder
     */
    public Builder leaseFraction(double fraction) {
      if (!(fraction >= 0 && fraction <= 0.5)) {
        throw new IllegalArgumentException("leaseFraction must be from 0 to 0.5, got " + fraction);
      }
      this.leaseFraction = fraction;
      this.leaseSize = null;
      return this;
    }

    /**
     * Sets how long an instance keeps unspent lease without taking a new one before giving it
     * back (default 2 s); keep it well below the shortest window.
     *
     * @param ttl positive
     * @return this builder
     */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = Checks.positive(ttl, "leaseTtl");
      return this;
    }

    /**
     * Sets the connect and command timeout (default 250 ms): no call waits on Redis longer.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      connection.timeout(timeout);
      return this;
    }

    /**
     * Sets how often an unavailable Redis is probed (default 1 s).
     *
     * @param interval positive
     * @return this builder
     */
    public Builder probeInterval(Duration interval) {
      this.probeInterval = Checks.positive(interval, "probeInterval");
      return this;
    }

    /**
     * Sets what calls do while Redis is unavailable (default {@link FailureMode#FAIL_CLOSED}).
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder failureMode(FailureMode mode) {
      this.failureMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Receives a {@code SERVICE_STATUS} alert when Redis becomes unavailable and one when it is
     * back (for example the guard's notifier); the log gets both anyway. Must not block.
     *
     * @param alerts the receiver
     * @return this builder
     */
    public Builder alerts(Consumer<Alert> alerts) {
      this.alerts = Objects.requireNonNull(alerts, "alerts");
      return this;
    }

    /**
     * Sets the ticker; use the guard's (default {@link Ticker#system()}).
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Runs lease refills, give-backs and probes on this scheduler (default: a daemon thread of
     * the ledger's own). A given scheduler is not shut down by {@link RedisLedger#close()}.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Builds the ledger and connects. An unreachable Redis does not fail the build: the ledger
     * starts unavailable (logged and alerted) and probes until Redis answers.
     *
     * @return the ledger
     */
    public RedisLedger build() {
      return new RedisLedger(this);
    }
  }
}
