package dev.runaway.alert.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import dev.runaway.internal.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
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
 * One notifier's delivery lane inside an {@link AlertDispatcher}: its bounded queue, the single
 * drainer on the executor, the send watchdog that interrupts a send past {@code sendTimeout},
 * retries with exponential backoff and jitter, the drop and failure warnings, and what is left at
 * close. A slow or blocked notifier delays only its own lane.
 *
 * <p>Its one job is getting admitted alerts to one notifier; which alerts are admitted is the
 * {@link EpisodeFilter}'s business.
 *
 * <p>Thread-safe: {@link #offer} may be called from any number of threads and never blocks; at
 * most one drainer runs at a time, so the notifier sees one alert at a time.
 */
final class NotifierLane {

  // The dispatcher's logger: what operators (and tests) watch for delivery messages.
  private static final Logger LOG = LoggerFactory.getLogger(AlertDispatcher.class);
  /** How often, at most, a full queue is reported at WARN. */
  private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** The dispatcher's delivery settings, defaults already applied; see {@link AlertDispatcher.Builder}. */
  record Settings(Ticker ticker, Executor executor, AlertScheduler scheduler, int maxQueue, int maxAttempts,
      long initialBackoffNanos, long maxBackoffNanos, Duration sendTimeout) {}

  /**
   * What the lanes of one dispatcher share: settings, threads, the counters behind
   * {@link DispatcherStats}, the count of unfinished deliveries {@link #awaitIdle} waits on, and
   * the closing flag. Thread-safe: counters are adders and atomics, settings final.
   */
  static final class Shared {
    final Settings settings;
    final LongAdder delivered = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retries = new LongAdder();
    /** Deliveries accepted and not finished (queued, being sent or awaiting a retry), for flush. */
    final AtomicLong outstanding = new AtomicLong();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    volatile boolean closing;
    /**
     * Set by close just before the lanes {@link #abandon} what is left. A delivery put in a queue
     * after that (a retry coming due while close abandons, an alert dispatched while close ran) is
     * abandoned by whoever put it there: it checks this after adding, close sets it before taking,
     * so one of them always sees the other's.
     */
    volatile boolean abandoning;

    Shared(Settings settings) {
      this.settings = settings;
    }

    /** Waits until no delivery is outstanding or {@code nanos} have passed. */
    void awaitIdle(long nanos) throws InterruptedException {
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

    void finished() {
      if (outstanding.decrementAndGet() == 0) {
        idleLock.lock();
        try {
          idle.signalAll();
        } finally {
          idleLock.unlock();
        }
      }
    }
  }


  /**
   * What a {@link DeliveryListener} of one dispatched alert waits for: one settlement from each
   * lane the alert was offered to (delivered, or not: dropped at a full queue, given up, abandoned
   * at close). The listener hears once, when the last lane has settled, whether every one of them
   * delivered it. A lane settles a delivery before it counts it as finished, so that
   * {@link Shared#awaitIdle} (flush, close) returns only after the listeners of what it waited for
   * have heard.
   *
   * <p>Thread-safe: lanes settle from their own threads.
   */
  static final class Outcome {
    private final DeliveryListener listener;
    private final AtomicInteger unsettled;
    private final AtomicBoolean told = new AtomicBoolean();
    /** Set before the count is lowered, so the lane that lowers it to zero sees every miss. */
    private volatile boolean missed;

    Outcome(DeliveryListener listener, int lanes) {
      this.listener = listener;
      this.unsettled = new AtomicInteger(lanes);
    }

    /** One lane's verdict; the last one tells the listener. */
    void settle(boolean delivered) {
      if (!delivered) {
        missed = true;
      }
      if (unsettled.decrementAndGet() == 0) {
        tell(!missed);
      }
    }

    /** Tells the listener "not delivered" now, whatever the lanes say later (they are not heard). */
    void giveUp() {
      missed = true;
      tell(false);
    }

    private void tell(boolean delivered) {
      if (told.compareAndSet(false, true)) {
        notify(listener, delivered);
      }
    }

    /** Calls a listener, if any, keeping what it throws away from the lanes. */
    static void notify(DeliveryListener listener, boolean delivered) {
      if (listener == null) {
        return;
      }
      try {
        listener.settled(delivered);
      } catch (Throwable e) {
        LOG.debug("A delivery listener failed", e);
      }
    }
  }

  /** One alert on its way to one notifier. */
  private static final class Delivery {
    final Alert alert;
    /** Who waits to hear whether it was delivered, or {@code null}. */
    final Outcome outcome;
    /** Attempts made so far; only touched by the lane's single drainer. */
    int attempts;
    volatile AlertScheduler.Scheduled retry;
    /**
     * Whether it waits for its retry and nobody has taken it back yet: the retry coming due, close's
     * last attempt and close's abandon may race for it, and only the one that clears this acts.
     */
    final AtomicBoolean waiting = new AtomicBoolean();

    Delivery(Alert alert, Outcome outcome) {
      this.alert = alert;
      this.outcome = outcome;
    }

    /** Tells the outcome, if any, what became of this delivery; called once, before finished(). */
    void settle(boolean delivered) {
      if (outcome != null) {
        outcome.settle(delivered);
      }
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

  final Notifier notifier;
  final String name;
  private final Shared shared;
  private final Ticker ticker;
  private final Executor executor;
  private final AlertScheduler scheduler;
  private final int maxQueue;
  private final int maxAttempts;
  private final Duration sendTimeout;
  private final LongAdder delivered;
  private final LongAdder dropped;
  private final LongAdder failed;
  private final LongAdder retries;
  private final AtomicLong outstanding;
  /**
   * Deliveries in the order they were raised. A delivery that failed waits for its retry out of the
   * queue, in {@link #awaitingRetry}, and goes back to its head: the lane sends nothing else
   * meanwhile, so a notifier that comes back after an outage gets its alerts in the order they were
   * raised (a budget's 80% before its 100%), not a later alert before an earlier one's retry.
   */
  final ConcurrentLinkedDeque<Delivery> queue = new ConcurrentLinkedDeque<>();
  /** Deliveries accepted and not finished: queued, being sent, or awaiting a retry. */
  final AtomicInteger pending = new AtomicInteger();
  /** The delivery waiting for its retry, at most one; while it waits the lane sends nothing. */
  final Set<Delivery> awaitingRetry = ConcurrentHashMap.newKeySet();
  final AtomicBoolean draining = new AtomicBoolean();
  final AtomicLong droppedHere = new AtomicLong();
  final AtomicLong lastDropWarnNanos = new AtomicLong();
  final AtomicBoolean failureWarned = new AtomicBoolean();
  final AtomicBoolean timeoutWarned = new AtomicBoolean();
  final AtomicBoolean rejectWarned = new AtomicBoolean();
  volatile InFlight inFlight;
  /** Alerts given up since the last report of them; guarded by itself. */
  private final Lost lost = new Lost();

  /**
   * What was given up while the notifier failed (Telegram down for minutes), so that it hears of
   * it once it works again: a given-up alert used to be an ERROR in the log only, unseen by people
   * who read the notifier. Bounded: a count, the worst severity, the first {@link #LOST_LINES}
   * alerts' one-line summaries.
   */
  private static final class Lost {
    int count;
    Instant first;
    Instant last;
    Severity worst = Severity.INFO;
    final List<String> lines = new ArrayList<>();
    boolean reportScheduled;
    /** Reports given up since the notifier last delivered something: what the next report waits on. */
    int reportsLost;
  }

  /** How many given-up alerts a report lists one by one; the rest are counted. */
  static final int LOST_LINES = 20;
  /** The service a report of undelivered alerts is about. */
  static final String LOST_REPORT_SERVICE = "runaway-guard";
  /** The fact of a report that counts the alerts it reports. */
  static final String LOST_REPORT_FACT = "undelivered_alerts";
  /** How long, at most, a report waits after reports were lost in a row (unless maxBackoff is longer). */
  static final long REPORT_BACKOFF_CAP_NANOS = TimeUnit.HOURS.toNanos(1);

  NotifierLane(Notifier notifier, String name, Shared shared) {
    this.notifier = notifier;
    this.name = name;
    this.shared = shared;
    this.ticker = shared.settings.ticker();
    this.executor = shared.settings.executor();
    this.scheduler = shared.settings.scheduler();
    this.maxQueue = shared.settings.maxQueue();
    this.maxAttempts = shared.settings.maxAttempts();
    this.sendTimeout = shared.settings.sendTimeout();
    this.delivered = shared.delivered;
    this.dropped = shared.dropped;
    this.failed = shared.failed;
    this.retries = shared.retries;
    this.outstanding = shared.outstanding;
  }

  /**
   * Queues an alert, or drops it if the queue is full.
   *
   * @param alert the alert
   * @param outcome told once whether this lane delivered it (a drop at once), or {@code null}
   * @return whether the queue took it
   */
  boolean offer(Alert alert, Outcome outcome) {
    int p;
    do {
      p = pending.get();
      if (p >= maxQueue) {
        drop(alert, p);
        if (outcome != null) {
          outcome.settle(false);
        }
        return false;
      }
    } while (!pending.compareAndSet(p, p + 1));
    outstanding.incrementAndGet();
    queue.add(new Delivery(alert, outcome));
    kickOrAbandon();
    return true;
  }

  /** After adding to the queue: drains it, or abandons it if close already abandoned the lane. */
  private void kickOrAbandon() {
    if (shared.abandoning) {
      int n = abandon();
      if (n > 0) {
        LOG.debug("Alert dispatcher is closed: dropped {} delivery to notifier {} queued while it closed", n, name);
      }
    } else {
      kick();
    }
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
      while (awaitingRetry.isEmpty() && (d = queue.poll()) != null) {
        attempt(d);
      }
    } finally {
      draining.set(false);
    }
    if (awaitingRetry.isEmpty() && !queue.isEmpty()) {
      kick(); // something arrived (or a retry came due) after the last poll, before draining was cleared
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
      d.settle(true);
      finished();
      synchronized (lost) {
        lost.reportsLost = 0; // it works: a report lost later is tried after maxBackoff again
      }
      reportLost(); // it works again: say now what it missed
      return;
    }
    Alert a = d.alert;
    boolean permanent = !retryable(failure);
    if (d.attempts >= maxAttempts || shared.closing || permanent) {
      failed.increment();
      d.settle(false);
      if (isReport(a) && !shared.closing) {
        giveUpReport(a, d.attempts, permanent, failure);
        return;
      }
      LOG.error("Gave up delivering {} {} alert for service {}{} to notifier {} after {} attempt{}{}: '{}'; "
          + "last error: {}", a.severity(), a.type(), a.service(), keyPart(a), name, d.attempts,
          d.attempts == 1 ? "" : "s", permanent ? " (the notifier says retrying cannot help)" : "", a.title(),
          failure.toString());
      LOG.debug("Last delivery error of notifier {}", name, failure);
      finished();
      if (!shared.closing) {
        recordLost(a); // a report lost while closing: reportLost sends none then anyway
      }
      return;
    }
    retries.increment();
    Duration delay = Duration.ofNanos(backoffNanos(d.attempts));
    if (failureWarned.compareAndSet(false, true)) {
      // "dispatcher's": a notifier's failure may count its own attempts ("failed after 5 attempts").
      LOG.warn("Notifier {} failed to deliver {} alert for service {}{} (dispatcher's attempt {} of {}), retrying in"
          + " {}: {} (further failures of this notifier at DEBUG)", name, a.type(), a.service(), keyPart(a),
          d.attempts, maxAttempts, Durations.human(delay), failure.toString());
    } else {
      LOG.debug("Notifier {} failed to deliver {} alert for service {}{} (dispatcher's attempt {} of {}), retrying"
          + " in {}", name, a.type(), a.service(), keyPart(a), d.attempts, maxAttempts, Durations.human(delay),
          failure);
    }
    d.waiting.set(true);
    awaitingRetry.add(d);
    if (shared.closing) {
      // Close began after the check above and may have missed it: its last attempt now, as close
      // gives every delivery waiting for a retry (a retry timer may never fire once it closed).
      requeue(d);
      return;
    }
    AlertScheduler.Scheduled retry = scheduleQuietly(() -> requeue(d), delay);
    if (retry == null) {
      requeue(d); // no scheduler to wait with: try again now rather than lose it
    } else {
      d.retry = retry;
    }
  }

  /**
   * Gives up a report of undelivered alerts: its alerts go into the next report, tried later at
   * growing intervals. The first report lost since the notifier last delivered says at ERROR
   * that alerts to it are being lost and why; the next ones go to DEBUG (each alert it cannot
   * take still has its own ERROR), so that a notifier refusing for good (a revoked token) does
   * not add an ERROR every {@code maxBackoff} for ever.
   */
  private void giveUpReport(Alert a, int attempts, boolean permanent, Throwable failure) {
    LOG.debug("Last delivery error of notifier {}", name, failure);
    finished();
    int streak = recordLost(a);
    String n = a.facts().get(LOST_REPORT_FACT);
    Duration next = Duration.ofNanos(reportDelayNanos(streak));
    if (streak == 1) {
      LOG.error("Alerts to notifier {} are being lost: the report of {} alert{} it could not take failed too "
          + "after {} attempt{}{}; last error: {}. Each alert it cannot take is logged at ERROR; the report is "
          + "tried again in {}, then at intervals doubling up to {} until it is delivered (further failures of "
          + "the report at DEBUG)", name, n, "1".equals(n) ? "" : "s", attempts, attempts == 1 ? "" : "s",
          permanent ? " (the notifier says retrying cannot help)" : "", failure.toString(), EpisodeFilter.human(next),
          EpisodeFilter.human(Duration.ofNanos(reportDelayCapNanos())));
    } else {
      LOG.debug("Report of {} undelivered alerts to notifier {} failed again ({} in a row); next try in {}: {}", n,
          name, streak, EpisodeFilter.human(next), failure.toString());
    }
  }

  private static boolean isReport(Alert a) {
    return LOST_REPORT_SERVICE.equals(a.service()) && a.facts().containsKey(LOST_REPORT_FACT);
  }

  /** The longest wait before a report is tried again: an hour, or maxBackoff if longer. */
  private long reportDelayCapNanos() {
    return Math.max(REPORT_BACKOFF_CAP_NANOS, shared.settings.maxBackoffNanos());
  }

  /** The wait before the next report: maxBackoff, doubled for each report lost in a row, capped. */
  private long reportDelayNanos(int reportsLost) {
    return doubled(shared.settings.maxBackoffNanos(), reportsLost, reportDelayCapNanos());
  }

  /** {@code base} doubled {@code times} times, at most {@code cap}. */
  private static long doubled(long base, int times, long cap) {
    long delay = base;
    for (int i = 0; i < times && delay < cap; i++) {
      delay = delay > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : delay * 2;
    }
    return Math.min(delay, cap);
  }

  /** Asks the notifier whether a failure is worth a retry; a notifier that cannot say gets retries. */
  private boolean retryable(Throwable failure) {
    if (!(failure instanceof Exception) || failure instanceof InterruptedException) {
      return true; // errors and the send timeout's interrupt are not the destination's verdict
    }
    try {
      return notifier.retryable((Exception) failure);
    } catch (Throwable e) {
      LOG.debug("Notifier {} failed to judge its failure; retrying it", name, e);
      return true;
    }
  }

  /**
   * Remembers a given-up alert, and schedules a report of it to this notifier after the longest
   * backoff, doubled for each report lost in a row up to an hour; it is sent sooner if a delivery
   * succeeds first.
   *
   * @return the reports lost in a row, this one included if {@code a} is a report
   */
  private int recordLost(Alert a) {
    boolean schedule;
    int streak;
    synchronized (lost) {
      String count = LOST_REPORT_SERVICE.equals(a.service()) ? a.facts().get(LOST_REPORT_FACT) : null;
      int n = 1;
      if (count != null) {
        try {
          n = Math.max(1, Integer.parseInt(count)); // a report that was lost too: its alerts are still unreported
        } catch (NumberFormatException e) {
          n = 1;
        }
      }
      lost.count = (int) Math.min(Integer.MAX_VALUE, (long) lost.count + n);
      Instant from = count != null ? instantFact(a, "first") : a.time();
      Instant to = count != null ? instantFact(a, "last") : a.time();
      lost.first = lost.first == null || from.isBefore(lost.first) ? from : lost.first;
      lost.last = lost.last == null || to.isAfter(lost.last) ? to : lost.last;
      if (a.severity().compareTo(lost.worst) > 0) {
        lost.worst = a.severity();
      }
      if (lost.lines.size() < LOST_LINES) {
        lost.lines.add(count != null ? "(" + n + " alert" + (n == 1 ? "" : "s") + " of an earlier report that could"
            + " not be delivered either)" : a.time().truncatedTo(ChronoUnit.SECONDS) + " " + a.severity() + " " + a.type() + " " + a.service()
            + keyPart(a) + ": " + a.title());
      }
      if (count != null) {
        lost.reportsLost++;
      }
      streak = lost.reportsLost;
      schedule = !lost.reportScheduled;
      lost.reportScheduled = true;
    }
    if (schedule && scheduleQuietly(this::reportLost, Duration.ofNanos(reportDelayNanos(streak))) == null) {
      synchronized (lost) {
        lost.reportScheduled = false; // no scheduler: the next successful delivery reports them
      }
    }
    return streak;
  }

  /** A report's own time span, or its time when the fact is unreadable. */
  private static Instant instantFact(Alert a, String fact) {
    try {
      String v = a.facts().get(fact);
      return v == null ? a.time() : Instant.parse(v);
    } catch (java.time.format.DateTimeParseException e) {
      return a.time();
    }
  }

  /** Queues one alert to this notifier naming the alerts given up since the last report, if any. */
  private void reportLost() {
    Alert report;
    synchronized (lost) {
      lost.reportScheduled = false;
      if (lost.count == 0 || shared.closing) {
        return;
      }
      int n = lost.count;
      StringBuilder detail = new StringBuilder("Each was retried and then given up while ").append(name)
          .append(" failed (each is also logged at ERROR). Not delivered:");
      lost.lines.forEach(l -> detail.append("\n- ").append(l));
      int listed = lost.lines.size();
      if (n > listed) {
        detail.append("\n... and ").append(n - listed).append(" more");
      }
      Map<String, String> facts = new LinkedHashMap<>();
      facts.put(LOST_REPORT_FACT, Integer.toString(n));
      facts.put("notifier", name);
      Instant first = lost.first.truncatedTo(ChronoUnit.SECONDS);
      Instant last = lost.last.truncatedTo(ChronoUnit.SECONDS);
      facts.put("first", first.toString());
      facts.put("last", last.toString());
      // The notifiers' advice for a SERVICE_STATUS alert is about a failing usage API; this one's is not.
      facts.put("action", "Check what these alerts name: they were raised while " + name + " could not deliver"
          + " them, and what they report may still be going on.");
      report = new Alert(AlertType.SERVICE_STATUS, lost.worst, LOST_REPORT_SERVICE, null,
          n + (n == 1 ? " alert" : " alerts") + " could not be delivered here earlier (" + first
              + (first.equals(last) ? "" : " to " + last) + ")", detail.toString(), ticker.instant(), facts);
      lost.count = 0;
      lost.first = null;
      lost.last = null;
      lost.worst = Severity.INFO;
      lost.lines.clear();
    }
    offer(report, null);
  }

  private void requeue(Delivery d) {
    // Taken back first: the retry coming due and close's last attempt may both requeue it, and a
    // copy put back by the one that then lost was sent a second time when the drainer took it first.
    if (!d.waiting.compareAndSet(true, false)) {
      return; // abandoned or already requeued
    }
    // At the head, ahead of what was raised after it. Put back before it leaves awaitingRetry, so
    // that a drain seeing awaitingRetry empty finds it first.
    queue.addFirst(d);
    awaitingRetry.remove(d);
    kickOrAbandon();
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

  /**
   * At close, after the wait: drops what is still queued or waiting, returns how many. Also run by
   * whoever queues a delivery once close has abandoned the lanes ({@link Shared#abandoning}); each
   * delivery is taken by one caller only (the queue's poll, the {@code waiting} flag).
   */
  int abandon() {
    int n = 0;
    Delivery d;
    while ((d = queue.poll()) != null) {
      n++;
      dropped.increment();
      droppedAtClose(d);
      d.settle(false);
      finished();
    }
    for (Delivery w : awaitingRetry) {
      if (w.waiting.compareAndSet(true, false) && awaitingRetry.remove(w)) {
        n++;
        dropped.increment();
        droppedAtClose(w);
        w.settle(false);
        finished();
      }
    }
    return n;
  }

  /**
   * One ERROR per alert lost at close, naming it as a give-up does: a count alone ("3 dropped")
   * left the user to guess which budget or breaker alert never reached the chat.
   */
  private void droppedAtClose(Delivery d) {
    Alert a = d.alert;
    LOG.error("Dropped {} {} alert for service {}{} to notifier {}: not delivered before the alert dispatcher"
        + " closed{}: '{}'", a.severity(), a.type(), a.service(), keyPart(a), name,
        d.attempts == 0 ? "" : " (after " + d.attempts + " failed attempt" + (d.attempts == 1 ? "" : "s") + ")",
        a.title());
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

  /** Whether a send is in progress (at close: reported as still sending). */
  boolean isSending() {
    return inFlight != null;
  }

  private void finished() {
    pending.decrementAndGet();
    shared.finished();
  }

  private long backoffNanos(int attempt) {
    long delay = doubled(shared.settings.initialBackoffNanos(), attempt - 1, shared.settings.maxBackoffNanos());
    long half = delay / 2;
    // Jitter spreads the retries of many dispatchers; never less than half the nominal delay.
    return delay - ThreadLocalRandom.current().nextLong(half + 1);
  }

  static String keyPart(Alert alert) {
    return alert.key() == null ? "" : " key " + alert.key();
  }
}
