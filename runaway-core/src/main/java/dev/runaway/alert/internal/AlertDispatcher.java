package dev.runaway.alert.internal;

import dev.runaway.internal.Checks;
import dev.runaway.internal.DaemonThreads;
import dev.runaway.internal.WarnOnce;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.LogNotifier;
import dev.runaway.alert.Notifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alerts to notifiers off the caller's thread: de-duplicated, bounded, retried with
 * backoff, and isolated per notifier.
 *
 * <p><b>De-duplication.</b> Alerts are episodes, not streams. Per (service, key, type), and for
 * {@link dev.runaway.alert.AlertType#COST_THRESHOLD} per budget too (each budget's crossing is alerted once, so a
 * daily budget's must not wait behind the hourly one's), an alert within the refractory period
 * after the last one delivered is suppressed unless
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
 * <p><b>Flapping.</b> A key that reopens over and over (tripped and reset in a loop) would send
 * every change, since a recurrence after a resolution is always news. Once a key has reopened 3
 * times within 10 minutes ({@link Builder#flapping}), that reopen is sent marked as flapping, and
 * its later alerts are collapsed (except an escalation, an alert more severe than any sent since it
 * began flapping, which is sent at once): one digest at the end of each 10-minute window that had
 * changes, naming how often it reopened and its last state, at the worst severity seen; after a
 * window without changes, the last alert once more, marked as settled. At close, a flapping key's
 * window ends early: its digest if it collapsed anything, nothing otherwise (it has not settled).
 * An escalation that no queue took is summed up in the digest instead, and the next one is sent at
 * once. When the scheduler refuses a window's timer, the key is judged as usual at once, and its
 * flapping alert does not say that changes are summed up. Collapsed alerts count as de-duplicated. 20 open/close cycles of a breaker in 8 seconds: 9 messages, not 40.
 *
 * <p><b>Delivery.</b> Every notifier has its own bounded queue ({@code maxQueue} deliveries
 * waiting, being sent or awaiting a retry) drained by at most one task at a time on the executor,
 * so a notifier sees one alert at a time and a slow or blocked notifier delays only its own queue.
 * When a queue is full, the delivery is dropped, counted, and logged: at WARN (with the counts so
 * far) for the first drop and then at most once a minute, at DEBUG otherwise. A send that has not
 * returned within {@code sendTimeout} is interrupted and counts as a failed attempt; a notifier
 * that ignores the interrupt keeps its queue blocked until it returns, and only its own queue. A
 * failed attempt (any {@link Throwable}) is retried after an exponential backoff with jitter
 * (between half and all of {@code initialBackoff * 2^(attempt-1)}, capped at {@code maxBackoff}),
 * up to {@code maxAttempts} attempts in all, then given up with an ERROR naming the alert's title,
 * service and key. While a delivery waits for its retry, the deliveries queued after it to the same
 * notifier wait behind it (other notifiers are not held up), so a notifier that comes back after an
 * outage receives its alerts in the order they were raised. A failure the notifier calls permanent
 * ({@link Notifier#retryable} false: a rejected token, a chat that refuses the bot) is given up at
 * once the same way, without retries. What a notifier gave up is reported to it later: one
 * {@code SERVICE_STATUS} alert of service {@code runaway-guard} (fact {@code undelivered_alerts}, the
 * worst severity of those it names, the first 20 listed) is queued after the next delivery that
 * succeeds, or tried {@code maxBackoff} after the give-up; a report given up in turn is counted in
 * the next one, which waits twice as long for each report lost in a row (up to an hour, or
 * {@code maxBackoff} if longer) until the notifier delivers again. The first report lost in a row says at
 * ERROR that alerts to the notifier are being lost and why; later lost reports are logged at DEBUG,
 * while each alert given up keeps its own ERROR.
 *
 * <p><b>Knowing what was delivered.</b> {@link #dispatch(Alert, DeliveryListener)} tells its
 * listener once whether the alert reached every notifier it was queued for; the monitor keeps a
 * budget alert as told (its state file's {@code budget-alerts}) only then. Anything else (a full
 * queue, a delivery given up or dropped at close, a duplicate suppressed) is "not delivered".
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
 * <p><b>Structure.</b> This class is the façade: it owns the threads and the builder. The
 * de-duplication is an {@link EpisodeFilter}; each notifier's queue, worker, retries and timeouts
 * are a {@link NotifierLane}.
 *
 * <p>Thread-safe: {@link #dispatch} may be called from any number of threads; it never waits for
 * a notifier or for room in a queue, and never throws.
 */
public final class AlertDispatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AlertDispatcher.class);
  /** Reopens within {@link #DEFAULT_FLAP_WINDOW} that make an alert key flapping. */
  static final int DEFAULT_FLAP_REOPENS = 3;
  /** The default flapping window, and how often a flapping key's digest is sent. */
  static final Duration DEFAULT_FLAP_WINDOW = Duration.ofMinutes(10);

  private final List<Runnable> onClose;
  private final Duration closeTimeout;
  private final List<NotifierLane> lanes;
  private final EpisodeFilter episodes;
  private final NotifierLane.Shared shared;

  private final LongAdder dispatched = new LongAdder();
  private final LongAdder deduplicated = new LongAdder();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final WarnOnce closedDispatch = new WarnOnce(LOG, " (further drops at DEBUG)");

  private AlertDispatcher(Builder b) {
    Ticker ticker = b.ticker == null ? Ticker.system() : b.ticker;
    long refractoryNanos = (b.refractory == null ? Duration.ofMinutes(15) : b.refractory).toNanos();
    int maxQueue = b.maxQueue == null ? 1000 : b.maxQueue;
    int maxAttempts = b.maxAttempts == null ? 5 : b.maxAttempts;
    long initialBackoffNanos = (b.initialBackoff == null ? Duration.ofSeconds(1) : b.initialBackoff).toNanos();
    long maxBackoffNanos = (b.maxBackoff == null ? Duration.ofMinutes(5) : b.maxBackoff).toNanos();
    Duration sendTimeout = b.sendTimeout == null ? Duration.ofSeconds(30) : b.sendTimeout;
    this.closeTimeout = b.closeTimeout == null ? Duration.ofSeconds(10) : b.closeTimeout;
    if (maxBackoffNanos < initialBackoffNanos) {
      throw new IllegalArgumentException("maxBackoff must be at least initialBackoff (" + Duration.ofNanos(
          initialBackoffNanos) + "), got " + Duration.ofNanos(maxBackoffNanos));
    }
    List<Notifier> notifiers = b.notifiers.isEmpty() ? List.of(new LogNotifier()) : List.copyOf(b.notifiers);
    List<Runnable> shutdown = new ArrayList<>();
    Executor executor;
    if (b.executor != null) {
      executor = b.executor;
    } else {
      ThreadPoolExecutor pool = defaultExecutor(notifiers.size());
      executor = pool;
      shutdown.add(pool::shutdownNow);
    }
    AlertScheduler scheduler;
    if (b.scheduler != null) {
      scheduler = b.scheduler;
    } else {
      AlertScheduler.ShutdownableScheduler s = AlertScheduler.daemon("runaway-alerts-timer");
      scheduler = s;
      shutdown.add(s::shutdown);
    }
    this.onClose = List.copyOf(shutdown);
    this.shared = new NotifierLane.Shared(new NotifierLane.Settings(ticker, executor, scheduler, maxQueue, maxAttempts,
        initialBackoffNanos, maxBackoffNanos, sendTimeout));
    List<NotifierLane> l = new ArrayList<>();
    for (int i = 0; i < notifiers.size(); i++) {
      l.add(new NotifierLane(notifiers.get(i), laneName(notifiers.get(i), i, notifiers.size()), shared));
    }
    this.lanes = List.copyOf(l);
    int flapReopens = b.flapReopens == null ? DEFAULT_FLAP_REOPENS : b.flapReopens;
    Duration flapWindow = b.flapWindow == null ? DEFAULT_FLAP_WINDOW : b.flapWindow;
    this.episodes = new EpisodeFilter(ticker, refractoryNanos, flapReopens, flapReopens == 0 ? 0 : flapWindow.toNanos());
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
    return dispatch(alert, null);
  }

  /**
   * Queues an alert for every notifier as {@link #dispatch(Alert)} does, and tells {@code listener}
   * once what became of it: delivered when every notifier it was queued for accepted it; not
   * delivered when any of them did not (a full queue, a delivery given up or dropped at close), or
   * when no queue took it (suppressed as a duplicate, collapsed, every queue full, the dispatcher
   * closed), then before this method returns. A delivery settled while the dispatcher flushes or
   * closes is told before {@link #flush} or {@link #close} returns; only a send that never returns
   * leaves the listener unheard. Never blocks and never throws.
   *
   * @param alert the alert
   * @param listener told once whether the alert was delivered, or {@code null}
   * @return {@code true} if at least one notifier's queue took it
   */
  public boolean dispatch(Alert alert, DeliveryListener listener) {
    if (alert == null) {
      LOG.warn("Ignored a null alert");
      NotifierLane.Outcome.notify(listener, false);
      return false;
    }
    NotifierLane.Outcome outcome = null;
    try {
      if (shared.closing) {
        shared.dropped.add(lanes.size());
        closedDispatch.log("Alert dispatcher is closed: dropped {} {} alert for service {}{}: '{}'", alert.severity(),
            alert.type(), alert.service(), keyPart(alert), alert.title());
        NotifierLane.Outcome.notify(listener, false);
        return false;
      }
      EpisodeFilter.Decision decision = episodes.decide(alert);
      if (decision.verdict() == EpisodeFilter.Verdict.SUPPRESSED) {
        deduplicated.increment();
        LOG.debug("Suppressed duplicate {} {} alert for service {}{}: '{}'", alert.severity(), alert.type(),
            alert.service(), keyPart(alert), alert.title());
        // Not this alert's delivery: an earlier one's, which may still fail. Said not delivered,
        // so that a caller keeping what was told never keeps more than was.
        NotifierLane.Outcome.notify(listener, false);
        return false;
      }
      if (decision.verdict() == EpisodeFilter.Verdict.COLLAPSED) {
        deduplicated.increment();
        LOG.debug("Collapsed {} {} alert for service {}{} into the flapping digest: '{}'", alert.severity(),
            alert.type(), alert.service(), keyPart(alert), alert.title());
        NotifierLane.Outcome.notify(listener, false);
        return false;
      }
      Alert send = decision.alert();
      if (decision.verdict() == EpisodeFilter.Verdict.FLAPPING) {
        if (timeFlapWindow(decision.key())) {
          LOG.info("{} alerts for service {}{} are flapping: further changes are summed up every {} until it settles",
              alert.type(), alert.service(), keyPart(alert), episodes.flapWindow());
        } else {
          // No window, so nothing will be summed up: the alert must not say that it will be.
          send = decision.untimed();
        }
      }
      outcome = listener == null ? null : new NotifierLane.Outcome(listener, lanes.size());
      if (!offer(send, outcome)) {
        // Nobody will hear of it (the lanes told the outcome so): do not let it silence the next one.
        decision.admitted().revert();
        return false;
      }
      return true;
    } catch (RuntimeException e) {
      LOG.error("Alert dispatcher failed to queue {} {} alert for service {}{}: '{}'", alert.severity(), alert.type(),
          alert.service(), keyPart(alert), alert.title(), e);
      if (outcome != null) {
        outcome.giveUp();
      } else {
        NotifierLane.Outcome.notify(listener, false);
      }
      return false;
    }
  }

  private boolean offer(Alert alert, NotifierLane.Outcome outcome) {
    boolean queued = false;
    for (NotifierLane lane : lanes) {
      queued |= lane.offer(alert, outcome);
    }
    if (queued) {
      dispatched.increment();
    }
    return queued;
  }

  /**
   * Sends a flapping key's digest or settled message at the end of its window.
   *
   * @return {@code false} if the scheduler refused the timer: the key then no longer flaps
   */
  private boolean timeFlapWindow(Object key) {
    try {
      shared.settings.scheduler().schedule(() -> endFlapWindow(key, false), episodes.flapWindow());
      return true;
    } catch (RuntimeException e) {
      // No timer: say now what there is to say and stop collapsing, rather than collapse for good.
      LOG.warn("Alert scheduler refused the flapping window's timer; the key is judged as usual again", e);
      endFlapWindow(key, true);
      return false;
    }
  }

  private void endFlapWindow(Object key, boolean stop) {
    try {
      EpisodeFilter.WindowEnd end = episodes.windowEnded(key, stop || shared.closing);
      if (end.alert() != null && !shared.closing) {
        offer(end.alert(), null);
      }
      if (end.again() && !shared.closing) {
        timeFlapWindow(key);
      }
    } catch (RuntimeException e) {
      LOG.error("Alert dispatcher failed to end a flapping window", e);
    }
  }

  /**
   * Returns the counters so far.
   *
   * @return a snapshot
   */
  public DispatcherStats stats() {
    return new DispatcherStats(dispatched.sum(), shared.delivered.sum(), deduplicated.sum(), shared.dropped.sum(),
        shared.failed.sum(), shared.retries.sum());
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
    shared.awaitIdle(Objects.requireNonNull(timeout, "timeout").toNanos());
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
    // What flapping keys collapsed in their current window is said now, not lost with the timer.
    for (Object key : episodes.flappingKeys()) {
      endFlapWindow(key, true);
    }
    shared.closing = true;
    for (NotifierLane lane : lanes) {
      lane.retryWaitingNow();
    }
    try {
      flush(closeTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> lost = new ArrayList<>();
    shared.abandoning = true;
    for (NotifierLane lane : lanes) {
      int n = lane.abandon();
      boolean sending = lane.isSending();
      if (n > 0 || sending) {
        lost.add(lane.name + ": " + n + " dropped" + (sending ? ", 1 still sending" : ""));
      }
    }
    if (!lost.isEmpty()) {
      LOG.warn("Alert dispatcher closed with deliveries not made within {}: {}", closeTimeout, lost);
    }
    for (NotifierLane lane : lanes) {
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
    for (NotifierLane lane : lanes) {
      names.add(lane.name);
    }
    return "AlertDispatcher[notifiers=" + names + ", " + stats() + "]";
  }

  private static String keyPart(Alert alert) {
    return NotifierLane.keyPart(alert);
  }

  private static String laneName(Notifier n, int index, int count) {
    if (n instanceof SanitizingNotifier) {
      return ((SanitizingNotifier) n).label(); // the config's type: unique among the configured ones
    }
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
    private Integer flapReopens;
    private Duration flapWindow;

    private Builder() {}

    /**
     * Sets when an alert key counts as flapping: once it has reopened (a non-resolution alert
     * after a resolution) {@code reopens} times within {@code window}, its alerts are collapsed
     * into one digest per window ("Flapping: reopened X times in Y min, last state: ...") and a
     * final message when a whole window passes without a change. Default 3 reopens within 10
     * minutes; {@code flapping(0, Duration.ZERO)} turns it off (every change is sent).
     *
     * @param reopens at least 1, or 0 for off
     * @param window positive (any value when off)
     * @return this builder
     */
    public Builder flapping(int reopens, Duration window) {
      requireUnset(this.flapReopens, "flapping");
      if (reopens < 0) {
        throw new IllegalArgumentException("flapping reopens must be 0 (off) or more, got " + reopens);
      }
      Objects.requireNonNull(window, "window");
      if (reopens > 0 && (window.isZero() || window.isNegative())) {
        throw new IllegalArgumentException("flapping window must be positive, got " + window);
      }
      this.flapReopens = reopens;
      this.flapWindow = window;
      return this;
    }

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
     * default 15 minutes, zero turns de-duplication off (the collapsing of flapping keys is set
     * apart, with {@link #flapping}).
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
