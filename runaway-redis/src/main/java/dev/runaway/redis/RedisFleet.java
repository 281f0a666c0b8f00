package dev.runaway.redis;

import dev.runaway.internal.Checks;
import dev.runaway.internal.DaemonThreads;
import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.BreakerFleet;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.StateTransition;
import dev.runaway.config.Secret;
import dev.runaway.redis.internal.RedisGateway;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet-wide circuit breaker on Redis: a trip of a service's breaker in any guard that joined
 * the fleet (an instance of the application, or the standalone monitor's) opens that service's
 * breaker in every guard sharing the Redis, within about a second; a reset anywhere (a manual
 * {@link CircuitBreaker#reset()}, {@code runaway-monitor resume}) closes them all.
 *
 * <pre>{@code
 * RunawayGuard guard = RunawayGuard.builder()
 *     .service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))))
 *     .ledger(ledger)                                              // optional: a shared RedisLedger
 *     .fleet(RedisFleet.builder().host("redis.internal").port(6379).keyPrefix("myapp:").build())
 *     .build();
 * }</pre>
 *
 * <p><b>How.</b> A fleet episode is one Redis key per service ({@code <prefix>breaker:<service>}),
 * created with {@code SET NX} by the first guard whose breaker opens; creating it is announced
 * on a pub/sub channel ({@code <prefix>breaker-events}), and deleting it (when a breaker is reset,
 * or when the breaker that opened the episode closes) is announced the same way. Each guard
 * subscribes, and also reads the keys every {@link Builder#pollInterval poll interval} (default 1
 * s) as the safety net for missed messages and reconnections. All of it runs on one daemon
 * thread: a guarded call only reads its local breaker, as without a fleet.
 *
 * <p><b>Data loss is not a reset.</b> Announcing an episode also records, with no expiry, that the
 * fleet knows the service ({@code <prefix>breaker-known:<service>}); no reset deletes that record.
 * A poll that finds an episode key missing while the record is there takes it for a reset (or a
 * key deleted by hand) and closes. When both are missing, Redis lost its data (a restart without
 * persistence, a {@code FLUSHALL}): the guards that hold the episode write it back, whole, and their
 * breakers stay as they were (forced open; the originator's open by its own judgement), with one
 * WARN log and no new alert. Only a reset ends the episode.
 *
 * <p><b>Loops and alerts.</b> A breaker opened by the fleet is
 * {@link CircuitBreaker#forceOpen forced open} (so it stays open until the fleet episode ends) and
 * is never announced again; only the guard that created the episode key sends the episode's alert,
 * with {@code scope=fleet} and the fleet's spend when the guard's ledger is a shared
 * {@link RedisLedger}, and only the guard that deleted it sends the resolution. So the fleet sends
 * one alert per episode, whatever its size. The guards' own per-process alerts about these
 * breakers are left out.
 *
 * <p><b>Outages.</b> While Redis is unreachable each guard keeps its own breakers, as without a
 * fleet, and alerts locally ({@code scope=this process}); one {@code SERVICE_STATUS} alert says
 * the fleet is unreachable and one says when it is back. Then an open breaker that could not be
 * announced is announced, and the episodes created meanwhile are applied. A connection that lost
 * Redis is opened anew at the next poll (rather than by the client's own reconnection, whose delay
 * doubles while Redis is away), so the fleet is back within a poll interval of Redis.
 *
 * <p>Thread-safe. One instance per guard; the guard closes it.
 */
public final class RedisFleet implements BreakerFleet {

  private static final Logger LOG = LoggerFactory.getLogger(RedisFleet.class);
  /** Starts the detail of a breaker opened by the fleet, so that it is recognised and not re-announced. */
  static final String FLEET_MARK = "Opened by the fleet: ";
  /**
   * Writes a lost episode back, atomically with the record, unless someone wrote the record
   * meanwhile: then either another guard already wrote the episode back, or a reset ended it, and
   * the next poll follows whichever it was. KEYS: record, episode key; ARGV: record, episode.
   */
  private static final String RESTORE = "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
      + "redis.call('SET', KEYS[1], ARGV[1]) "
      + "redis.call('SET', KEYS[2], ARGV[2], 'NX') "
      + "return 1";

  private final RedisURI uri;
  private final String where;
  private final String prefix;
  private final String channel;
  private final Duration pollInterval;
  private final Duration timeout;
  private final boolean follow;
  private final boolean subscribe;
  private final boolean sharedSpend;
  private final String instance;
  private final LinkedBlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
  private final AtomicBoolean joined = new AtomicBoolean();
  private final Map<String, Member> members = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile boolean available = true;
  private volatile String lastProblem = "";

  // Only the fleet thread touches these.
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private StatefulRedisPubSubConnection<String, String> pubsub;
  private Thread thread;
  private Consumer<Alert> alerts;
  private Function<String, ServiceSnapshot> snapshots;
  private Ticker ticker;

  /** One service's breaker as the fleet sees it. */
  private static final class Member {
    final String service;
    final CircuitBreaker breaker;
    /** The episode this guard applied by forcing its breaker open, or null. */
    volatile String applied;
    /** The episode this guard created, or null. */
    volatile String own;
    /** The record of the episode this guard holds ({@code <episode>|<why>}), written back if Redis loses it. */
    volatile String value;
    /** Set while the fleet itself resets the breaker, so that the reset is not announced. */
    volatile boolean resetting;
    /** A local open that could not be announced (Redis down); announced on recovery. */
    volatile StateTransition unannounced;

    Member(String service, CircuitBreaker breaker) {
      this.service = service;
      this.breaker = breaker;
    }
  }

  private RedisFleet(Builder b) {
    this.prefix = b.keyPrefix;
    this.channel = prefix + "breaker-events";
    this.pollInterval = b.pollInterval;
    this.timeout = b.connection.timeout();
    this.follow = b.follow;
    this.subscribe = b.subscribe;
    this.sharedSpend = b.sharedSpend;
    this.instance = b.instanceName != null ? b.instanceName : "instance-" + UUID.randomUUID().toString().substring(0, 8);
    this.uri = b.connection.uri();
    this.where = b.connection.where();
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
   * Starts following the fleet: connects, subscribes and starts the fleet thread. Called once, by
   * the guard's {@code build()}; an unreachable Redis is reported and retried, never thrown.
   *
   * @param breakers the guard's breakers by service
   * @param snapshots the guard's snapshots, for the spend in the fleet's alerts
   * @param alerts where the fleet's alerts go
   * @param ticker the guard's clock, for the alerts' times
   * @throws IllegalStateException if this fleet already joined a guard
   */
  @Override
  public void join(Map<String, CircuitBreaker> breakers, Function<String, ServiceSnapshot> snapshots,
      Consumer<Alert> alerts, Ticker ticker) {
    if (!joined.compareAndSet(false, true)) {
      throw new IllegalStateException("this RedisFleet has already joined a guard; build one per guard");
    }
    this.alerts = Objects.requireNonNull(alerts, "alerts");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    breakers.forEach((name, breaker) -> {
      Member m = new Member(name, breaker);
      members.put(name, m);
      breaker.onStateChange(t -> onLocal(m, t));
    });
    client = RedisClient.create(uri);
    client.setOptions(ClientOptions.builder().autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
        .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
    thread = DaemonThreads.named("runaway-redis-fleet").newThread(this::run);
    thread.start();
  }

  /**
   * Drops the guard's own alerts about its breakers' opening and closing: the fleet thread sends
   * them instead, once per fleet episode (or as this process's own while Redis is unreachable).
   *
   * @param alert an alert the guard is about to raise
   * @return whether the fleet reports it instead
   */
  @Override
  public boolean replaces(Alert alert) {
    if (alert.type() != AlertType.CIRCUIT_BREAKER || alert.key() != null) {
      return false;
    }
    Member m = members.get(alert.service());
    // Every open and close of a fleet breaker is reported by the fleet thread instead: once per
    // fleet episode when Redis answers, as this process's own alert when it does not.
    return m != null && (alert.detail().startsWith(FLEET_MARK) || m.resetting
        || "OPEN".equals(alert.facts().get("breaker")) || "FORCED_OPEN".equals(alert.facts().get("breaker"))
        || "CLOSED".equals(alert.facts().get("breaker")));
  }

  /**
   * Says whether the last exchange with Redis succeeded.
   *
   * @return {@code false} while Redis is unreachable
   */
  public boolean isAvailable() {
    return available;
  }

  /**
   * Ends the service's fleet episode, if one is open, as a reset of its breaker in any guard
   * would: every guard of the fleet closes its breaker, this one's included. For a process whose
   * own breaker is already closed, such as {@code runaway-monitor resume} run beside a running
   * monitor. Also ends an episode that Redis lost (restarted without persistence) before the
   * guards wrote it back. Waits until Redis has answered, at most the
   * {@linkplain Builder#timeout timeout} plus a second.
   *
   * @param service the service
   * @throws IllegalStateException if the fleet has not joined a guard, or Redis did not answer in time
   * @throws IllegalArgumentException if the guard has no such service
   */
  public void reset(String service) {
    Member m = members.get(Objects.requireNonNull(service, "service"));
    if (!joined.get()) {
      throw new IllegalStateException("the fleet has not joined a guard yet");
    }
    if (m == null) {
      throw new IllegalArgumentException("the guard has no service '" + service + "'; it has " + members.keySet());
    }
    StateTransition t = new StateTransition(service, State.FORCED_OPEN, State.CLOSED, null,
        "reset by " + instance, ticker.instant());
    if (!runAndWait(() -> {
      State s = m.breaker.state();
      if (s == State.OPEN || s == State.HALF_OPEN || s == State.FORCED_OPEN) {
        // This guard's breaker closes too, as every other's: without this a follower that called
        // reset kept its breaker forced open, its episode forgotten, until a reset of the breaker.
        m.resetting = true;
        m.breaker.reset();
      }
      announceClose(m, t);
    }, timeout.plusSeconds(1))) {
      throw new IllegalStateException("the fleet thread did not reset " + service + " within " + timeout.plusSeconds(1));
    }
    if (!available) {
      throw new IllegalStateException("the fleet's Redis at " + where + " is unreachable (" + lastProblem + "); the"
          + " fleet breaker of " + service + " could not be closed: reset the breaker in each instance");
    }
  }

  private boolean runAndWait(Runnable r, Duration max) {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    work.add(() -> {
      try {
        r.run();
      } finally {
        done.countDown();
      }
    });
    try {
      return done.await(max.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a reconciliation with Redis now and waits for it; for tests. */
  void pollNow() throws InterruptedException {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    work.add(() -> {
      try {
        poll();
      } finally {
        done.countDown();
      }
    });
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the fleet thread did not poll within 30 s");
    }
  }

  private void onLocal(Member m, StateTransition t) {
    if (closed) {
      return;
    }
    boolean open = t.to() == State.OPEN || t.to() == State.FORCED_OPEN;
    if (open && !t.detail().startsWith(FLEET_MARK) && t.from() == State.CLOSED) {
      work.add(() -> announceOpen(m, t));
    } else if (t.to() == State.CLOSED) {
      if (m.resetting) {
        m.resetting = false;
      } else {
        work.add(() -> announceClose(m, t));
      }
    }
  }

  private void run() {
    // Real waiting time, like a ScheduledExecutorService's: it paces the safety-net poll and the
    // reconnection attempts, and decides nothing about budgets or breakers.
    long nextPoll = 0;
    long nextConnect = 0;
    while (!closed) {
      try {
        long now = System.nanoTime();
        if (connection == null && now - nextConnect >= 0) {
          connect();
          nextConnect = now + pollInterval.toNanos();
        }
        Runnable r = work.poll(Math.max(0, nextPoll - now), TimeUnit.NANOSECONDS);
        if (r != null) {
          r.run();
        } else {
          poll();
          nextPoll = System.nanoTime() + pollInterval.toNanos();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        down(e);
      }
    }
  }

  private void connect() {
    try {
      for (int attempt = 1; connection == null; attempt++) {
        try {
          connection = client.connect();
        } catch (RuntimeException e) {
          // A handshake broken off on the client's side under load hid the real cause; try again at once.
          if (attempt >= RedisGateway.CONNECT_ATTEMPTS || !RedisGateway.handshakeGlitch(e)) {
            throw e;
          }
        }
      }
      if (subscribe) {
        pubsub = client.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String ch, String message) {
            work.add(() -> onMessage(message));
          }
        });
        pubsub.sync().subscribe(channel);
      }
      up();
    } catch (RuntimeException e) {
      closeConnections();
      down(e);
    }
  }

  /**
   * Closes the connection and the subscription, each once, and waits for that (bounded): the
   * client's shutdown closes every connection still registered with it, and one whose close was
   * still under way made Lettuce warn "Connection is already closed" on every clean close.
   */
  private void closeConnections() {
    List<java.util.concurrent.CompletableFuture<Void>> closing = new ArrayList<>();
    if (pubsub != null) {
      closing.add(pubsub.closeAsync());
      pubsub = null;
    }
    if (connection != null) {
      closing.add(connection.closeAsync());
      connection = null;
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(closing.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.debug("Closing the fleet's Redis connections failed: {}", e.toString());
    }
  }

  /**
   * Whether the connection or the subscription lost Redis. Then the poll opens new ones instead
   * of waiting for Lettuce's own reconnection, whose delay doubles while Redis is away (up to 30
   * s): after a restart that took 10 s the fleet waited another 8 s for it, where the next poll
   * finds Redis at once. A connection that Lettuce brings back before the poll is kept.
   */
  private boolean lost() {
    return (connection != null && !connection.isOpen()) || (pubsub != null && !pubsub.isOpen());
  }

  private String key(String service) {
    return prefix + "breaker:" + service;
  }

  /**
   * The fleet's record that it knows the service, kept by every reset: an episode key missing
   * beside it was deleted on purpose, one missing without it was lost with Redis's data.
   */
  private String known(String service) {
    return prefix + "breaker-known:" + service;
  }

  /** A message: {@code open|close <service> <episode>}. */
  private void onMessage(String message) {
    String[] p = message.split(" ", 3);
    if (p.length < 3) {
      return;
    }
    Member m = members.get(p[1]);
    if (m == null) {
      return;
    }
    if (p[0].equals("open")) {
      applyOpen(m, p[2], "");
    } else if (p[0].equals("close")) {
      applyClose(m, p[2]);
    }
  }

  private void applyOpen(Member m, String value, String fallback) {
    String episode = value.split("\\|", 2)[0];
    if (!follow || episode.equals(m.applied) || episode.equals(m.own)) {
      return;
    }
    String why = value.contains("|") ? value.substring(value.indexOf('|') + 1) : fallback;
    m.applied = episode;
    m.value = value;
    if (m.breaker.state() != State.FORCED_OPEN && m.breaker.state() != State.DISABLED) {
      m.breaker.forceOpen(FLEET_MARK + why);
      LOG.warn("Service {}: circuit breaker opened by the fleet (episode {}): {}", m.service, episode, why);
    }
  }

  private void applyClose(Member m, String episode) {
    if (m.applied != null && (episode == null || episode.equals(m.applied))) {
      m.applied = null;
      if (m.breaker.state() == State.FORCED_OPEN) {
        m.resetting = true;
        m.breaker.reset();
        LOG.info("Service {}: circuit breaker closed by the fleet", m.service);
      }
    }
    if (m.own != null && (episode == null || episode.equals(m.own))) {
      m.own = null;
      State s = m.breaker.state();
      if (s == State.OPEN || s == State.HALF_OPEN || s == State.FORCED_OPEN) {
        m.resetting = true;
        m.breaker.reset(); // reset elsewhere: "a reset closes them all", the originator too
      }
    }
    if (m.applied == null && m.own == null) {
      m.value = null;
    }
  }

  private void announceOpen(Member m, StateTransition t) {
    if (m.applied != null || m.own != null) {
      return; // already in this fleet episode: not a new one
    }
    String episode = instance + "-" + Long.toHexString(t.time().toEpochMilli()) + "-"
        + UUID.randomUUID().toString().substring(0, 6);
    String value = episode + "|" + instance + ": " + t.detail();
    try {
      if (connection == null) {
        throw new IllegalStateException(lastProblem);
      }
      // The record first: an episode key is never without it, so its absence means a data loss.
      connection.sync().set(known(m.service), instance, SetArgs.Builder.nx());
      String ok = connection.sync().set(key(m.service), value, SetArgs.Builder.nx());
      up();
      if ("OK".equals(ok)) {
        m.own = episode;
        m.value = value;
        m.unannounced = null;
        connection.sync().publish(channel, "open " + m.service + " " + value);
        alerts.accept(fleetAlert(m, t, true));
      } else {
        // Another instance opened the episode first: join it (its alert was the fleet's).
        String current = connection.sync().get(key(m.service));
        if (current != null) {
          m.applied = null;
          m.own = current.split("\\|", 2)[0]; // our own breaker is open by its own judgement
          m.value = current;
        }
      }
    } catch (RuntimeException e) {
      down(e);
      m.unannounced = t;
      alerts.accept(localAlert(m, t, true));
    }
  }

  private void announceClose(Member m, StateTransition t) {
    String episode = m.applied != null ? m.applied : m.own;
    m.applied = null;
    m.own = null;
    m.value = null;
    m.unannounced = null;
    try {
      if (connection == null) {
        throw new IllegalStateException(lastProblem);
      }
      // The record before the delete, so that no poll in between takes the missing key for a
      // data loss and writes the episode back. Writing it now means Redis had lost it: the
      // episode this guard held was lost with it, and this reset is still the one that ends it.
      boolean lost = "OK".equals(connection.sync().set(known(m.service), instance, SetArgs.Builder.nx()))
          && episode != null;
      Long deleted = connection.sync().del(key(m.service));
      up();
      if ((deleted != null && deleted > 0) || lost) {
        connection.sync().publish(channel, "close " + m.service + " " + (episode != null ? episode : "*"));
        alerts.accept(fleetAlert(m, t, false));
      }
    } catch (RuntimeException e) {
      down(e);
      alerts.accept(localAlert(m, t, false));
    }
  }

  /** Reads every service's episode key: the safety net for missed messages and reconnections. */
  private void poll() {
    if (lost()) {
      closeConnections();
      connect();
    }
    if (connection == null) {
      return;
    }
    try {
      List<String> names = new ArrayList<>(members.keySet());
      if (names.isEmpty()) {
        return;
      }
      // Episode keys then records, in one read: an episode key and its record seen together.
      String[] keys = new String[2 * names.size()];
      for (int i = 0; i < names.size(); i++) {
        keys[i] = key(names.get(i));
        keys[names.size() + i] = known(names.get(i));
      }
      List<KeyValue<String, String>> values = connection.sync().mget(keys);
      up();
      for (int i = 0; i < names.size(); i++) {
        Member m = members.get(names.get(i));
        KeyValue<String, String> kv = values.get(i);
        boolean recorded = values.get(names.size() + i).hasValue();
        if (kv.hasValue()) {
          if (!recorded) {
            // An episode without the record: announced by a guard of an earlier version. The
            // record makes its reset by DEL a reset here, not a loss to write back.
            connection.sync().set(known(m.service), instance, SetArgs.Builder.nx());
          }
          applyOpen(m, kv.getValue(), "");
        } else {
          StateTransition pending = m.unannounced;
          if (pending != null && m.breaker.state() != State.CLOSED) {
            announceOpen(m, pending);
          } else if (recorded) {
            applyClose(m, null); // deleted beside the record: a reset, or a key deleted by hand
          } else {
            restore(m);
          }
        }
      }
    } catch (RuntimeException e) {
      down(e);
    }
  }

  /**
   * Redis lost the episode key and the record with it: not a reset, so the breaker stays as it is
   * and the episode this guard holds is written back for the fleet. The first guard to write it
   * logs; the episode is not new, so no alert.
   */
  private void restore(Member m) {
    String value = m.value;
    if (value == null || (m.own == null && m.applied == null)) {
      return; // nothing held here: a guard that holds it writes it back
    }
    Long restored = connection.sync().eval(RESTORE, ScriptOutputType.INTEGER,
        new String[] {known(m.service), key(m.service)}, instance, value);
    if (restored != null && restored == 1L) {
      LOG.warn("Service {}: the fleet's Redis at {} lost the fleet episode {} (a restart without persistence, or a"
          + " flush); written back from this instance, the breakers stay open. A reset (breaker reset,"
          + " runaway-monitor resume {}) ends it", m.service, where, value.split("\\|", 2)[0], m.service);
    }
  }

  private Alert fleetAlert(Member m, StateTransition t, boolean open) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("scope", "fleet");
    facts.put("breaker", open ? "OPEN" : "CLOSED");
    facts.put("instance", instance);
    if (t.reason() != null) {
      facts.put("trip_reason", t.reason().name());
    }
    StringBuilder spend = new StringBuilder();
    if (sharedSpend) {
      try {
        ServiceSnapshot s = snapshots.apply(m.service);
        for (ServiceSnapshot.WindowSnapshot w : s.windows()) {
          facts.put("fleet_spent_" + w.budget().window().toString().toLowerCase(java.util.Locale.ROOT),
              w.spent().toString());
          spend.append(spend.length() == 0 ? " Fleet spend: " : ", ").append(w.spent()).append(" of ")
              .append(w.budget().limit()).append(" (").append(w.budget().window()).append(')');
        }
      } catch (RuntimeException e) {
        LOG.debug("Service {}: no snapshot for the fleet alert", m.service, e);
      }
    }
    if (!open) {
      facts.put("resolved", "true");
      return new Alert(AlertType.CIRCUIT_BREAKER, Severity.INFO, m.service, null,
          "Fleet circuit breaker CLOSED: " + m.service + " calls are admitted in every instance",
          "Closed by " + instance + " (" + t.detail() + "), in every guard sharing " + where + " (scope=fleet)."
              + spend, ticker.instant(), facts);
    }
    return new Alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, m.service, null,
        "Fleet circuit breaker OPEN: " + m.service + " calls are refused in every instance",
        t.detail() + (t.detail().endsWith(".") ? " " : ". ") + "Opened by " + instance + " for every guard sharing "
            + where + " (scope=fleet)." + spend + " A reset of the breaker in any instance, or runaway-monitor"
            + " resume " + m.service + ", closes it everywhere.", ticker.instant(), facts);
  }

  private Alert localAlert(Member m, StateTransition t, boolean open) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("scope", "this process");
    facts.put("breaker", t.to().name());
    return new Alert(AlertType.CIRCUIT_BREAKER, open ? Severity.CRITICAL : Severity.INFO, m.service, null,
        "Circuit breaker " + (open ? "OPEN: " + m.service + " calls are refused" : t.to() + ": " + m.service),
        t.detail() + (t.detail().endsWith(".") ? " " : ". ") + "This process only (scope=this process): the"
            + " fleet could not be told, Redis at " + where + " is unreachable (" + lastProblem + ").",
        ticker.instant(), facts);
  }

  private void up() {
    if (!available) {
      available = true;
      Map<String, String> facts = new LinkedHashMap<>();
      facts.put("resolved", "true");
      alerts.accept(new Alert(AlertType.SERVICE_STATUS, Severity.INFO, "redis-fleet", null,
          "Fleet breaker: Redis reachable again", "The fleet breaker at " + where + " answers again; breakers"
              + " are shared across the fleet again.", ticker.instant(), facts));
      LOG.info("Fleet breaker: Redis at {} reachable again", where);
    }
  }

  private void down(RuntimeException e) {
    if (closed) {
      // close() interrupts this thread: a command it cut short (RedisCommandInterruptedException)
      // is the shutdown, not an outage, and must not send a "Redis unreachable" alert.
      return;
    }
    // With its causes: "Unable to connect to ..." alone hid what to fix (WRONGPASS, NOAUTH).
    String problem = RedisGateway.describe(e);
    lastProblem = problem.length() > 200 ? problem.substring(0, 200) : problem;
    if (available) {
      available = false;
      alerts.accept(new Alert(AlertType.SERVICE_STATUS, Severity.WARNING, "redis-fleet", null,
          "Fleet breaker: Redis unreachable", "Redis at " + where + " does not answer (" + lastProblem + "). Each"
              + " guard keeps its own breakers meanwhile; trips are alerted per process and shared when Redis is"
              + " back.", ticker.instant(), Map.of()));
      LOG.warn("Fleet breaker: Redis at {} unreachable: {}", where, lastProblem);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (thread != null && thread.isAlive()) {
      // Announce what is pending (a reset just before closing, as in `runaway-monitor resume`).
      runAndWait(() -> { }, timeout.plusSeconds(1));
    }
    closed = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(timeout.toMillis() + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeConnections();
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Override
  public String toString() {
    return "RedisFleet[" + where + ", prefix=" + prefix + ", instance=" + instance + ", poll=" + pollInterval
        + (follow ? "" : ", publish only") + "]";
  }

  /**
   * Builds a {@link RedisFleet}; every setting has a default. Not thread-safe; {@link #build()}
   * copies the settings.
   */
  public static final class Builder {
    private final RedisConnection connection = new RedisConnection(Duration.ofSeconds(2));
    private String keyPrefix = "runaway:";
    private Duration pollInterval = Duration.ofSeconds(1);
    private boolean follow = true;
    private boolean subscribe = true;
    private boolean sharedSpend;
    private String instanceName;

    private Builder() {}

    /**
     * Sets everything from a Redis URL, {@code redis://[:password@]host[:port][/database]} or
     * {@code rediss://} for TLS (default {@code redis://127.0.0.1:6379/0}).
     *
     * @param url the URL; its password is kept as a {@link Secret} and never shown
     * @return this builder
     * @throws IllegalArgumentException naming the rule if the URL is not a Redis URL (the message
     *     never repeats the password)
     */
    public Builder url(Secret url) {
      connection.url(url);
      return this;
    }

    /**
     * Sets the host (default {@code 127.0.0.1}).
     *
     * @param host the host
     * @return this builder
     */
    public Builder host(String host) {
      connection.host(host);
      return this;
    }

    /**
     * Sets the port (default 6379).
     *
     * @param port 1 to 65535
     * @return this builder
     */
    public Builder port(int port) {
      connection.port(port);
      return this;
    }

    /**
     * Sets the database number (default 0).
     *
     * @param database 0 or more
     * @return this builder
     */
    public Builder database(int database) {
      connection.database(database);
      return this;
    }

    /**
     * Uses TLS (default off).
     *
     * @param tls whether to use TLS
     * @return this builder
     */
    public Builder tls(boolean tls) {
      connection.tls(tls);
      return this;
    }

    /**
     * Sets the password (default none).
     *
     * @param password the password, never shown
     * @return this builder
     */
    public Builder password(Secret password) {
      connection.password(password);
      return this;
    }

    /**
     * Sets the prefix of the fleet's keys ({@code <prefix>breaker:<service>},
     * {@code <prefix>breaker-known:<service>}) and channel (default {@code runaway:}); the guards
     * of one fleet use the same prefix, and it may be the {@link RedisLedger}'s.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.contains(" ")) {
        throw new IllegalArgumentException("keyPrefix must not contain spaces, got '" + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets how often the fleet's keys are read besides the pub/sub messages (default 1 s): the
     * longest a missed message delays an open or a close.
     *
     * @param interval positive
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = Checks.positive(interval, "pollInterval");
      return this;
    }

    /**
     * Sets the connect and command timeout (default 2 s).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      connection.timeout(timeout);
      return this;
    }

    /**
     * Whether this guard's breakers follow the fleet (default {@code true}). The standalone
     * monitor sets {@code false}: it announces its trips and resets to the fleet but its own
     * breakers are not opened by the applications' trips, so that no emergency stop fires on
     * another's judgement.
     *
     * @param follow whether remote opens apply here
     * @return this builder
     */
    public Builder follow(boolean follow) {
      this.follow = follow;
      return this;
    }

    /**
     * Says that the guard's ledger is shared by the fleet (a {@link RedisLedger}), so that the
     * fleet's alerts report the guard's spend as the fleet's (default {@code false}: the alerts
     * carry no spend, since a per-process ledger knows only its own).
     *
     * @param shared whether the guard's spend is the fleet's
     * @return this builder
     */
    public Builder sharedLedger(boolean shared) {
      this.sharedSpend = shared;
      return this;
    }

    /**
     * Names this instance in alerts and in the episode's record (default {@code instance-} and a
     * random suffix).
     *
     * @param name a short name, such as the host name
     * @return this builder
     */
    public Builder instanceName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || name.contains(" ") || name.contains("|")) {
        throw new IllegalArgumentException("instanceName must be non-blank without spaces or '|', got '" + name + "'");
      }
      this.instanceName = name;
      return this;
    }

    /** Tests only: no subscription, so that only the poll brings news. */
    Builder subscribe(boolean subscribe) {
      this.subscribe = subscribe;
      return this;
    }

    /**
     * Builds the fleet; it connects when a guard joins it.
     *
     * @return the fleet
     */
    public RedisFleet build() {
      return new RedisFleet(this);
    }
  }
}
