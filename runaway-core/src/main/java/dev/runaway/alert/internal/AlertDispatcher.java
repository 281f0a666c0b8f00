package dev.runaway.alert.internal;

import dev.runaway.internal.Checks;
import dev.runaway.internal.WarnOnce;
import dev.runaway.internal.DaemonThreads;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.LogNotifier;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alerts to notifiers off the caller's thread: de-duplicated, bounded, retried with
 * backoff, and isolated per notifier.
 *
 * <p><b>De-duplication.</b> Alerts are episodes, not streams. Per (service, key, type), an alert
 * within the refractory period after the last one delivered is suppressed unless
 * <ul>
 *   <li>its severity is higher than the episode's so far (escalation, such as spike then breaker),</li>
 *   <li>it is a resolution ({@code facts.resolved = "true"}) and the episode has not been resolved
 *       yet (one resolution per episode; a second within the refractory period is suppressed), or</li>
 *   <li>the episode was resolved: a recurrence after a resolution starts a new episode and is
 *       delivered, because silence after "resolved" would tell people all is well while money
 *       burns.</li>
 * </ul>
 * Each delivered alert restarts the refractory period, so an ongoing problem is repeated once per
 * period. At most 10,000 (service, key, type) episodes are remembered; beyond that the least
 * recently used are forgotten, which can let a duplicate through but never loses an alert.
 *
 * <p><b>Delivery.</b> Every notifier has its own bounded queue ({@code maxQueue} deliveries
 * waiting, being sent or awaiting a retry) drained by at most one task at a time on the executor,
 * so a notifier sees one alert at a time and a slow or blocked notifier delays only its own
 * queue. When a queue is full, the delivery is dropped, counted, and logged: at WARN (with the
 * counts so far) for the first drop and then at most once a minute, at DEBUG otherwise. A send
 * that has not returned within {@code sendTimeout} is interrupted and counts as a failed attempt;
 * a notifier that ignores the interrupt keeps its queue blocked until it returns, and only its
 * own queue. A failed attempt (any {@link Throwable}) is retried after an exponential backoff
 * with jitter (between half and all of {@code initialBackoff * 2^(attempt-1)}, capped at
 * {@code maxBackoff}), up to {@code maxAttempts} attempts in all, then given up with an ERROR
 * naming the alert's title, service and key.
 *
 * <p><b>Threads.</b> By default deliveries run on daemon threads named {@code runaway-alerts-N},
 * at most one per notifier (so that a notifier blocked forever holds one thread and never
 * starves the others; idle threads end after a minute), and retries and timeouts run on one
 * daemon thread {@code runaway-alerts-timer}. An injected executor must likewise be able to run
 * one task per notifier at the same time for that isolation to hold; an executor that runs tasks
 * on the calling thread makes {@link #dispatch} synchronous, for tests only.
 *
 * <p>With no notifier configured, alerts go to the log through {@link LogNotifier}.
 *
 * <p>Thread-safe: {@link #dispatch} may be called from any number of threads; it never waits for
 * a notifier or for room in a queue, and never throws.
 */
public final class AlertDispatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AlertDispatcher.class);
  /** How many (service, key, type) episodes are remembered for de-duplication. */
  static final int MAX_EPISODES = 10_000;
  /** How often, at most, a full queue is reported at WARN. */
  private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Ticker ticker;
  private final Executor executor;
  private final AlertScheduler scheduler;
  private final List<Runnable> onClose;
  private final long refractoryNanos;
  private final int maxQueue;
  private final int maxAttempts;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final Duration sendTimeout;
  private final Duration closeTimeout;
  private final List<Lane> lanes;
  private final Cache<EpisodeKey, Episode> episodes;

  private final LongAdder dispatched = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder deduplicated = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder retries = new LongAdder();

  /** Deliveries accepted and not finished (queued, being sent or awaiting a retry), for flush. */
  private final AtomicLong outstanding = new AtomicLong();
  private final ReentrantLock idleLock = new ReentrantLock();
  private final Condition idle = idleLock.newCondition();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final WarnOnce closedDispatch = new WarnOnce(LOG, " (further drops at DEBUG)");
  private volatile boolean closing;

  private AlertDispatcher(Builder b) {
    this.ticker = b.ticker == null ? Ticker.system() : b.ticker;
    this.refractoryNanos = (b.refractory == null ? Duration.ofMinutes(15) : b.refractory).toNanos();
    this.maxQueue = b.maxQueue == null ? 1000 : b.maxQueue;
    this.maxAttempts = b.maxAttempts == null ? 5 : b.maxAttempts;
    this.initialBackoffNanos = (b.initialBackoff == null ? Duration.ofSeconds(1) : b.initialBackoff).toNanos();
    this.maxBackoffNanos = (b.maxBackoff == null ? Duration.ofMinutes(5) : b.maxBackoff).toNanos();
    this.sendTimeout = b.sendTimeout == null ? Duration.ofSeconds(30) : b.sendTimeout;
    this.closeTimeout = b.closeTimeout == null ? Duration.ofSeconds(10) : b.closeTimeout;
    if (maxBackoffNanos < initialBackoffNanos) {
      throw new IllegalArgumentException("maxBackoff must be at least initialBackoff (" + Duration.ofNanos(
          initialBackoffNanos) + "), got " + Duration.ofNanos(maxBackoffNanos));
    }
    List<Notifier> notifiers = b.notifiers.isEmpty() ? List.of(new LogNotifier()) : List.copyOf(b.notifiers);
    List<Runnable> shutdown = new ArrayList<>();
    if (b.executor != null) {
      this.executor = b.executor;
    } else {
      ThreadPoolExecutor pool = defaultExecutor(notifiers.size());
      this.executor = pool;
      shutdown.add(pool::shutdownNow);
    }
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
    } else {
      AlertScheduler.ShutdownableScheduler s = AlertScheduler.daemon("runaway-alerts-timer");
      this.scheduler = s;
      shutdown.add(s::shutdown);
    }
    this.onClose = List.copyOf(shutdown);
    List<Lane> l = new ArrayList<>();
    for (int i = 0; i < notifiers.size(); i++) {
      l.add(new Lane(notifiers.get(i), laneName(notifiers.get(i), i, notifiers.size())));
    }
    this.lanes = List.copyOf(l);
    this.episodes = Caffeine.newBuilder()
        .maximumSize(MAX_EPISODES)
        .expireAfterWrite(Duration.ofNanos(Math.max(1, refractoryNanos)))
        .ticker(ticker::nanoTime)
        .executor(Runnable::run)
        .build();
  }

  /**
   * Returns a new builder; every setting has a default.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues an alert for every notifier, unless it duplicates one delivered within the refractory
   * period. Never blocks and never throws.
   *
   * @param alert the alert
   * @return {@code true} if at least one notifier's queue took it; {@code false} if it was
   *     suppressed as a duplicate, every queue was full, or the dispatcher is closed
   */
  public boolean dispatch(Alert alert) {
    if (alert == null) {
      LOG.warn("Ignored a null alert");
      return false;
    }
    try {
      if (closing) {
        dropped.add(lanes.size());
        closedDispatch.log("Alert dispatcher is closed: dropped {} {} alert for service {}{}: '{}'", alert.severity(),
            alert.type(), alert.service(), keyPart(alert), alert.title());
        return false;
      }
      long now = ticker.nanoTime();
      EpisodeKey key = new EpisodeKey(alert.service(), alert.key(), alert.type());
      Episode[] before = new Episode[1];
      // ConcurrentHashMap-style compute: the function runs exactly once, atomically for the key.
      Episode after = episodes.asMap().compute(key, (k, old) -> {
        before[0] = old;
        return admit(old, alert, now);
      });
      if (after == before[0]) {
        deduplicated.increment();
        LOG.debug("Suppressed duplicate {} {} alert for service {}{}: '{}'", alert.severity(), alert.type(),
            alert.service(), keyPart(alert), alert.title());
        return false;
      }
      boolean queued = false;
      for (Lane lane : lanes) {
        queued |= lane.offer(alert);
      }
      if (!queued) {
        // Nobody will hear of it: do not let it silence the next one.
        if (before[0] == null) {
          episodes.asMap().remove(key, after);
        } else {
          episodes.asMap().replace(key, after, before[0]);
        }
        return false;
      }
      dispatched.increment();
      return true;
    } catch (RuntimeException e) {
      LOG.error("Alert dispatcher failed to queue {} {} alert for service {}{}: '{}'", alert.severity(), alert.type(),
          alert.service(), keyPart(alert), alert.title(), e);
      return false;
    }
  }

  /** Decides within the key's atomic compute; pure: returns {@code old} to suppress. */
  private Episode admit(Episode old, Alert alert, long now) {
    boolean resolution = isResolution(alert);
    if (old == null || now - old.sentAtNanos >= refractoryNanos) {
      return new Episode(now, alert.severity(), resolution);
    }
    if (resolution) {
      return old.resolved ? old : new Episode(now, old.severity, true);
    }
    if (old.resolved || alert.severity().compareTo(old.severity) > 0) {
      return new Episode(now, alert.severity(), false);
    }
    return old;
  }

  private static boolean isResolution(Alert alert) {
    String r = alert.facts().get("resolved");
    return r != null && r.equalsIgnoreCase("true");
  }

  /**
   * Returns the counters so far.
   *
   * @return a snapshot
   */
  public DispatcherStats stats() {
    return new DispatcherStats(dispatched.sum(), delivered.sum(), deduplicated.sum(), dropped.sum(), failed.sum(),
        retries.sum());
  }

  /**
   * Waits until every delivery accepted so far has been made, given up or dropped, including
   * those waiting for a retry, or until {@code timeout} has passed, whichever comes first. With
   * an executor or scheduler that the caller drives, drive them instead.
   *
   * @param timeout how long to wait at most
   * @throws InterruptedException if interrupted while waiting
   */
  public void flush(Duration timeout) throws InterruptedException {
    long nanos = Objects.requireNonNull(timeout, "timeout").toNanos();
    idleLock.lock();
    try {
      while (outstanding.get() > 0) {
        if (nanos <= 0) {
          return;
        }
        nanos = idle.awaitNanos(nanos);
      }
    } finally {
      idleLock.unlock();
    }
  }

  /**
   * Stops accepting alerts, makes one last attempt at every delivery waiting for a retry, waits
   * up to the close timeout for the queues to empty, reports at WARN what could not be delivered
   * (counted as dropped), closes the notifiers and stops the threads this dispatcher started.
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing = true;
    for (Lane lane : lanes) {
      lane.retryWaitingNow();
    }
    try {
      flush(closeTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> lost = new ArrayList<>();
    for (Lane lane : lanes) {
      int n = lane.abandon();
      boolean sending = lane.inFlight != null;
      if (n > 0 || sending) {
        lost.add(lane.name + ": " + n + " dropped" + (sending ? ", 1 still sending" : ""));
      }
    }
    if (!lost.isEmpty()) {
      LOG.warn("Alert dispatcher closed with deliveries not made within {}: {}", closeTimeout, lost);
    }
    for (Lane lane : lanes) {
      try {
        lane.notifier.close();
      } catch (Throwable e) {
        LOG.warn("Notifier {} failed to close", lane.name, e);
      }
    }
    for (Runnable r : onClose) {
      r.run();
    }
  }

  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (Lane lane : lanes) {
      names.add(lane.name);
    }
    return "AlertDispatcher[notifiers=" + names + ", " + stats() + "]";
  }

  private void finished(Lane lane) {
    lane.pending.decrementAndGet();
    if (outstanding.decrementAndGet() == 0) {
      idleLock.lock();
      try {
        idle.signalAll();
      } finally {
        idleLock.unlock();
      }
    }
  }

  private long backoffNanos(int attempt) {
    long delay = initialBackoffNanos;
    for (int i = 1; i < attempt && delay < maxBackoffNanos; i++) {
      delay = delay > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : delay * 2;
    }
    delay = Math.min(delay, maxBackoffNanos);
    long half = delay / 2;
    // Jitter spreads the retries of many dispatchers; never less than half the nominal delay.
    return delay - ThreadLocalRandom.current().nextLong(half + 1);
  }

  private static String keyPart(Alert alert) {
    return alert.key() == null ? "" : " key " + alert.key();
  }

  private static String laneName(Notifier n, int index, int count) {
    String simple = n.getClass().getSimpleName();
    int lambda = simple.indexOf("$$");
    if (lambda >= 0) {
      simple = simple.substring(0, lambda) + "-lambda";
    }
    if (simple.isEmpty()) {
      simple = "Notifier";
    }
    return count == 1 ? simple : simple + "#" + (index + 1);
  }

  private static ThreadPoolExecutor defaultExecutor(int threads) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.factory("runaway-alerts"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** (service, key, type): what de-duplication is per. */
  private record EpisodeKey(String service, String key, AlertType type) {}

  /** What was last delivered for one (service, key, type). Identity matters: compared with ==. */
  private static final class Episode {
    final long sentAtNanos;
    final Severity severity;
    final boolean resolved;

    Episode(long sentAtNanos, Severity severity, boolean resolved) {
      this.sentAtNanos = sentAtNanos;
      this.severity = severity;
      this.resolved = resolved;
    }
  }

  /** One alert on its way to one notifier. */
  private static final class Delivery {
    final Alert alert;
    /** Attempts made so far; only touched by the lane's single drainer. */
    int attempts;
    volatile AlertScheduler.Scheduled retry;

    Delivery(Alert alert) {
      this.alert = alert;
    }
  }

  /**
   * One send in progress, with the handshake that lets the timeout interrupt the sending thread
   * only while it is still sending, like {@link java.util.concurrent.FutureTask#cancel(boolean)}.
   */
  private static final class InFlight {
    static final int RUNNING = 0;
    static final int DONE = 1;
    static final int INTERRUPTING = 2;
    static final int INTERRUPTED = 3;

    final Thread thread;
    final long startNanos;
    final AtomicInteger state = new AtomicInteger(RUNNING);

    InFlight(Thread thread, long startNanos) {
      this.thread = thread;
      this.startNanos = startNanos;
    }

    boolean interrupt() {
      if (!state.compareAndSet(RUNNING, INTERRUPTING)) {
        return false;
      }
      try {
        thread.interrupt();
      } finally {
        state.set(INTERRUPTED);
      }
      return true;
    }

    /** Called by the sending thread when the send returned; clears an interrupt aimed at the send. */
    boolean finish() {
      if (state.compareAndSet(RUNNING, DONE)) {
        return false;
      }
      while (state.get() == INTERRUPTING) {
        Thread.onSpinWait();
      }
      Thread.interrupted();
      return true;
    }
  }

  /** One notifier's queue and its drainer. */
  private final class Lane {
    final Notifier notifier;
    final String name;
    final ConcurrentLinkedQueue<Delivery> queue = new ConcurrentLinkedQueue<>();
    /** Deliveries accepted and not finished: queued, being sent, or awaiting a retry. */
    final AtomicInteger pending = new AtomicInteger();
    final Set<Delivery> awaitingRetry = ConcurrentHashMap.newKeySet();
    final AtomicBoolean draining = new AtomicBoolean();
    final AtomicLong droppedHere = new AtomicLong();
    final AtomicLong lastDropWarnNanos = new AtomicLong();
    final AtomicBoolean failureWarned = new AtomicBoolean();
    final AtomicBoolean timeoutWarned = new AtomicBoolean();
    final AtomicBoolean rejectWarned = new AtomicBoolean();
    volatile InFlight inFlight;

    Lane(Notifier notifier, String name) {
      this.notifier = notifier;
      this.name = name;
    }

    boolean offer(Alert alert) {
      int p;
      do {
        p = pending.get();
        if (p >= maxQueue) {
          drop(alert, p);
          return false;
        }
      } while (!pending.compareAndSet(p, p + 1));
      outstanding.incrementAndGet();
      queue.add(new Delivery(alert));
      kick();
      return true;
    }

    private void drop(Alert alert, int waiting) {
      dropped.increment();
      long n = droppedHere.incrementAndGet();
      long now = ticker.nanoTime();
      long last = lastDropWarnNanos.get();
      boolean warn = n == 1 ? lastDropWarnNanos.compareAndSet(last, now)
          : now - last >= DROP_WARN_INTERVAL_NANOS && lastDropWarnNanos.compareAndSet(last, now);
      InFlight f = inFlight;
      String sending = f == null ? "" : "; its current send has run for " + Duration.ofNanos(now - f.startNanos);
      if (warn) {
        LOG.warn("Alert queue of notifier {} is full ({} waiting{}): dropped {} {} alert for service {}{}: '{}'; "
            + "{} dropped by this notifier so far", name, waiting, sending, alert.severity(), alert.type(),
            alert.service(), keyPart(alert), alert.title(), n);
      } else {
        LOG.debug("Alert queue of notifier {} is full ({} waiting{}): dropped {} {} alert for service {}{}: '{}'; "
            + "{} dropped by this notifier so far", name, waiting, sending, alert.severity(), alert.type(),
            alert.service(), keyPart(alert), alert.title(), n);
      }
    }

    void kick() {
      if (!draining.compareAndSet(false, true)) {
        return;
      }
      try {
        executor.execute(this::drain);
      } catch (Throwable e) {
        draining.set(false);
        if (rejectWarned.compareAndSet(false, true)) {
          LOG.warn("Alert executor refused to run deliveries to notifier {}; {} wait in its queue", name,
              pending.get(), e);
        } else {
          LOG.debug("Alert executor refused to run deliveries to notifier {}", name, e);
        }
      }
    }

    void drain() {
      try {
        Delivery d;
        while ((d = queue.poll()) != null) {
          attempt(d);
        }
      } finally {
        draining.set(false);
      }
      if (!queue.isEmpty()) {
        kick(); // something arrived after the last poll, before draining was cleared
      }
    }

    private void attempt(Delivery d) {
      d.attempts++;
      InFlight f = new InFlight(Thread.currentThread(), ticker.nanoTime());
      inFlight = f;
      AlertScheduler.Scheduled watchdog = scheduleQuietly(() -> onTimeout(f, d), sendTimeout);
      Throwable failure = null;
      try {
        notifier.send(d.alert);
      } catch (Throwable e) {
        failure = e;
      } finally {
        inFlight = null;
        if (watchdog != null) {
          watchdog.cancel();
        }
        f.finish();
      }
      if (failure == null) {
        delivered.increment();
        finished(this);
        return;
      }
      Alert a = d.alert;
      if (d.attempts >= maxAttempts || closing) {
        failed.increment();
        LOG.error("Gave up delivering {} {} alert for service {}{} to notifier {} after {} attempt{}: '{}'; "
            + "last error: {}", a.severity(), a.type(), a.service(), keyPart(a), name, d.attempts,
            d.attempts == 1 ? "" : "s", a.title(), failure.toString());
        LOG.debug("Last delivery error of notifier {}", name, failure);
        finished(this);
        return;
      }
      retries.increment();
      Duration delay = Duration.ofNanos(backoffNanos(d.attempts));
      if (failureWarned.compareAndSet(false, true)) {
        LOG.warn("Notifier {} failed to deliver {} alert for service {}{} (attempt {} of {}), retrying in {}: {} "
            + "(further failures of this notifier at DEBUG)", name, a.type(), a.service(), keyPart(a), d.attempts,
            maxAttempts, delay, failure.toString());
      } else {
        LOG.debug("Notifier {} failed to deliver {} alert for service {}{} (attempt {} of {}), retrying in {}", name,
            a.type(), a.service(), keyPart(a), d.attempts, maxAttempts, delay, failure);
      }
      awaitingRetry.add(d);
      AlertScheduler.Scheduled retry = scheduleQuietly(() -> requeue(d), delay);
      if (retry == null) {
        requeue(d); // no scheduler to wait with: try again now rather than lose it
      } else {
        d.retry = retry;
      }
    }

    private void requeue(Delivery d) {
      if (awaitingRetry.remove(d)) {
        queue.add(d);
        kick();
      }
    }

    void retryWaitingNow() {
      for (Delivery d : awaitingRetry) {
        AlertScheduler.Scheduled r = d.retry;
        if (r != null) {
          r.cancel();
        }
        requeue(d);
      }
    }

    /** At close, after the wait: drops what is still queued or waiting, returns how many. */
    int abandon() {
      int n = 0;
      Delivery d;
      while ((d = queue.poll()) != null) {
        n++;
        dropped.increment();
        finished(this);
      }
      for (Delivery w : awaitingRetry) {
        if (awaitingRetry.remove(w)) {
          n++;
          dropped.increment();
          finished(this);
        }
      }
      return n;
    }

    private void onTimeout(InFlight f, Delivery d) {
      if (!f.interrupt()) {
        return;
      }
      if (timeoutWarned.compareAndSet(false, true)) {
        LOG.warn("Notifier {} did not return within {} delivering {} alert for service {}{}; interrupted it "
            + "({} alerts wait in its queue; further timeouts at DEBUG)", name, sendTimeout, d.alert.type(),
            d.alert.service(), keyPart(d.alert), pending.get());
      } else {
        LOG.debug("Notifier {} did not return within {}; interrupted it", name, sendTimeout);
      }
    }

    private AlertScheduler.Scheduled scheduleQuietly(Runnable task, Duration delay) {
      try {
        return scheduler.schedule(task, delay);
      } catch (RuntimeException e) {
        LOG.debug("Alert scheduler refused a task for notifier {}", name, e);
        return null;
      }
    }
  }

  /**
   * Builds an {@link AlertDispatcher}. Each setting may be given once; {@link #build()} may be
   * called more than once, each dispatcher starting its own threads.
   */
  public static final class Builder {
    private final List<Notifier> notifiers = new ArrayList<>();
    private Ticker ticker;
    private Executor executor;
    private AlertScheduler scheduler;
    private Duration refractory;
    private Integer maxQueue;
    private Integer maxAttempts;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private Duration sendTimeout;
    private Duration closeTimeout;

    private Builder() {}

    /**
     * Adds notifiers; with none, alerts go to the log.
     *
     * @param notifiers the notifiers, in order
     * @return this builder
     */
    public Builder notifiers(List<? extends Notifier> notifiers) {
      Objects.requireNonNull(notifiers, "notifiers");
      for (Notifier n : notifiers) {
        notifier(n);
      }
      return this;
    }

    /**
     * Adds one notifier.
     *
     * @param notifier the notifier
     * @return this builder
     */
    public Builder notifier(Notifier notifier) {
      notifiers.add(Objects.requireNonNull(notifier, "notifier"));
      return this;
    }

    /**
     * Sets the source of time for refractory periods and drop reports; default {@link Ticker#system()}.
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
     * Sets the executor that runs deliveries; it must be able to run one task per notifier at once.
     * Default: daemon threads {@code runaway-alerts-N}, at most one per notifier, stopped by close.
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
     * Sets the scheduler for retries and send timeouts. Default: one daemon thread on real time,
     * stopped by close.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(AlertScheduler scheduler) {
      requireUnset(this.scheduler, "scheduler");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sets how long alerts of one (service, key, type) are suppressed after one was delivered;
     * default 15 minutes, zero turns de-duplication off.
     *
     * @param refractory zero or more
     * @return this builder
     */
    public Builder refractory(Duration refractory) {
      requireUnset(this.refractory, "refractory");
      this.refractory = requireNotNegative(refractory, "refractory");
      return this;
    }

    /**
     * Sets how many deliveries each notifier may have waiting (queued, being sent or awaiting a
     * retry) before new ones are dropped; default 1000.
     *
     * @param maxQueue at least 1
     * @return this builder
     */
    public Builder maxQueue(int maxQueue) {
      requireUnset(this.maxQueue, "maxQueue");
      Checks.atLeast(maxQueue, 1, "maxQueue");
      this.maxQueue = maxQueue;
      return this;
    }

    /**
     * Sets how many attempts a delivery gets in all, the first included; default 5.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      requireUnset(this.maxAttempts, "maxAttempts");
      Checks.atLeast(maxAttempts, 1, "maxAttempts");
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the nominal wait before the first retry, doubled for each further one; default 1 second.
     *
     * @param initialBackoff positive
     * @return this builder
     */
    public Builder initialBackoff(Duration initialBackoff) {
      requireUnset(this.initialBackoff, "initialBackoff");
      this.initialBackoff = requirePositive(initialBackoff, "initialBackoff");
      return this;
    }

    /**
     * Sets the longest wait between retries; default 5 minutes.
     *
     * @param maxBackoff positive, at least the initial backoff
     * @return this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      requireUnset(this.maxBackoff, "maxBackoff");
      this.maxBackoff = requirePositive(maxBackoff, "maxBackoff");
      return this;
    }

    /**
     * Sets how long one send may run before it is interrupted and counted as failed; default 30 seconds.
     *
     * @param sendTimeout positive
     * @return this builder
     */
    public Builder sendTimeout(Duration sendTimeout) {
      requireUnset(this.sendTimeout, "sendTimeout");
      this.sendTimeout = requirePositive(sendTimeout, "sendTimeout");
      return this;
    }

    /**
     * Sets how long {@link AlertDispatcher#close()} waits for queued deliveries; default 10 seconds.
     *
     * @param closeTimeout zero or more
     * @return this builder
     */
    public Builder closeTimeout(Duration closeTimeout) {
      requireUnset(this.closeTimeout, "closeTimeout");
      this.closeTimeout = requireNotNegative(closeTimeout, "closeTimeout");
      return this;
    }

    /**
     * Builds a dispatcher; it starts its default threads lazily, on the first delivery.
     *
     * @return a new dispatcher
     * @throws IllegalArgumentException if maxBackoff is shorter than initialBackoff
     */
    public AlertDispatcher build() {
      return new AlertDispatcher(this);
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    private static Duration requirePositive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      Checks.positive(d, name);
      return d;
    }

    private static Duration requireNotNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + d);
      }
      return d;
    }
  }
}
