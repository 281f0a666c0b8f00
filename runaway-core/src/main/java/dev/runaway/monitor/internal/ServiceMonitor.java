package dev.runaway.monitor.internal;

import dev.runaway.Budget;
import dev.runaway.ServiceSnapshot;
import dev.runaway.alert.Alert;
import dev.runaway.alert.internal.DeliveryListener;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.internal.BudgetThresholds;
import dev.runaway.internal.Durations;
import dev.runaway.internal.GuardAlerts;
import dev.runaway.internal.ResumedMeters;
import dev.runaway.internal.Snapshots;
import dev.runaway.internal.WarnOnce;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.MeterEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's state for one service: its detector, the span of the next poll, the account-wide
 * ledger account and burn-rate meter, the failure episode, and the link to the guard's breaker.
 *
 * <p>Thread-safe. A poll starts only after winning {@link #inFlight}, so polls of one service
 * never overlap; what a poll's outcome changes is changed under this object's lock, which the
 * timeout and status readers share. Alerts are handed to a sink that never blocks.
 */
public final class ServiceMonitor {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceMonitor.class);
  private static final long UNSET = Long.MIN_VALUE;
  /** How long before the poll a report may start: the longest budget window, {@code Budget.MAX_WINDOW}. */
  static final Duration MAX_REPORT_AGE = dev.runaway.Budget.MAX_WINDOW;
  /** How far after the poll's time a report may start: a service's clock ahead of ours. */
  static final Duration MAX_REPORT_SKEW = Duration.ofMinutes(5);
  /** Rate-limited polls in a row after which the service counts as failing. */
  static final int RATE_LIMITS_BEFORE_ALERT = 3;
  /**
   * The units the account-wide meter counts as calls, the first a report has: API requests,
   * workflow runs created (a workflow that triggers itself), payment transactions, and build
   * minutes when nothing else counts calls (GitHub billing alone).
   */
  static final List<String> CALL_UNITS = List.of("requests", "runs.created", "transactions", "minutes");

  private final String name;
  private final String type;
  private final Detector detector;
  private final MonitorShared shared;
  private final MonitorAccount account;
  private final BurnRateMeter meter;
  private final BudgetThresholds thresholds;
  /**
   * Per budget, the highest 80%/100% alert delivered since the budget was last armed: what the
   * state file keeps ({@link KeptBudgetAlerts}). Set when every notifier has the alert (on a
   * delivery thread), and from the state file at a restart; {@code null} while none was delivered.
   */
  private final AtomicReferenceArray<Told> told;
  /**
   * Per budget, how often it re-armed (its use fell below 40%): an alert raised before the last
   * re-arm is not kept, even if its delivery ends after it. Changed by polls only.
   */
  private final AtomicIntegerArray armings;
  /** The state file the raised alerts are kept in, or {@code null}. */
  private final PersistentLedger store;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final AtomicLong polls = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong skippedRounds = new AtomicLong();
  private final WarnOnce accountingFailed = new WarnOnce(LOG);
  private final WarnOnce wrongService = new WarnOnce(LOG);
  private final WarnOnce closeFailed = new WarnOnce(LOG);
  private final WarnOnce tripFailed = new WarnOnce(LOG);
  private final WarnOnce executorRefused = new WarnOnce(LOG);
  private volatile long nextAllowed = UNSET;
  private volatile PollAttempt current;

  // Guarded by this.
  private final UsageAccounting accounting = new UsageAccounting();
  private boolean attempted;
  private Instant lastEnd;
  private Instant lastPoll;
  private Instant lastSuccess;
  private String lastError;
  private MonitorStatus.Health health = MonitorStatus.Health.PENDING;
  private Instant failingSince;
  private long failedInEpisode;
  private int alertedLevel;
  private int rateLimitsInARow;
  /** While a runaway episode is open: the breaker detail to trip with on every poll. */
  private volatile String runawayEpisode;
  /**
   * How many times the service was resumed ({@link #resetEpisode}). A resume only counts here; the
   * poll applies it in {@link #checkThresholds}, so that a resume from another thread during a check
   * is either seen by the whole check or applies to what the check found, never half of each.
   */
  private final AtomicLong resumes = new AtomicLong();
  /**
   * The {@link #resumes} count at the start of the last check that found a budget used up, or
   * {@link #UNSET} when it found none: the monitor's own breaker is open for a budget while this is
   * the current count, so a resume closes it at once, also while a check is running.
   */
  private volatile long budgetOpenAt = UNSET;
  // Changed by checkThresholds only (one poll at a time, under this object's lock).
  /** The {@link #resumes} count the budgets in {@link #resumedBudgets} account for. */
  private long resumesApplied;
  /** Per budget: whether it was used up at the last check. */
  private final boolean[] usedUpAtLastCheck;
  /**
   * Per budget: used up at a resume and not under its limit since. Such a budget neither holds the
   * breaker open nor trips an attached guard's until it has recovered, as a resumed service is not
   * stopped again for it before then; another budget used up later opens the breaker as usual.
   */
  private final boolean[] resumedBudgets;
  /** While a runaway episode is open: its evidence, the burn rate as a multiple of the baseline. */
  private volatile double runawayRatio = Double.NaN;
  /** The emergency stops of the monitor, or {@code null}. */
  private volatile EmergencyStops stops;

  /**
   * Creates the state of one service.
   *
   * @param name the service
   * @param type its detector type
   * @param detector its detector
   * @param budgets its account-wide budgets from {@code cost_thresholds}
   * @param ledger the monitor's own ledger
   * @param shared what the services share
   */
  public ServiceMonitor(String name, String type, Detector detector, List<Budget> budgets, BudgetLedger ledger,
      MonitorShared shared) {
    this(name, type, detector, budgets, ledger, shared, null, List.of());
  }

  /**
   * Creates the state of one service whose meter's baseline and raised budget alerts are kept in
   * a state file, so that a restarted monitor resumes the baseline instead of starting a new
   * warm-up and does not raise an 80% or 100% alert again in the window it was raised and
   * delivered in ({@link KeptBudgetAlerts}).
   *
   * @param name the service
   * @param type its detector type
   * @param detector its detector
   * @param budgets its account-wide budgets from {@code cost_thresholds}
   * @param ledger the monitor's own ledger
   * @param shared what the services share
   * @param baselines where the meter's baseline and the raised alerts are saved to, or {@code null}
   * @param raised this service's alerts restored from that file ({@link KeptBudgetAlerts#restore})
   */
  public ServiceMonitor(String name, String type, Detector detector, List<Budget> budgets, BudgetLedger ledger,
      MonitorShared shared, PersistentLedger baselines, List<KeptBudgetAlerts.Entry> raised) {
    this.name = name;
    this.type = type;
    this.detector = detector;
    this.shared = shared;
    this.account = new MonitorAccount(ledger, name, budgets);
    this.meter = newMeter(name, shared, baselines);
    this.thresholds = new BudgetThresholds(budgets);
    this.told = new AtomicReferenceArray<>(budgets.size());
    this.armings = new AtomicIntegerArray(budgets.size());
    this.usedUpAtLastCheck = new boolean[budgets.size()];
    this.resumedBudgets = new boolean[budgets.size()];
    this.store = baselines;
    restoreRaised(raised);
  }

  /**
   * A budget alert every notifier accepted.
   *
   * @param percent 80 or 100
   * @param raisedWall when it was raised, wall-clock nanoseconds since the epoch
   * @param arming the budget's {@link #armings} when it was raised
   */
  private record Told(int percent, long raisedWall, int arming) {

    /** The one to keep of two: the later arming's, else the higher level. */
    static Told keep(Told current, Told other) {
      if (current == null || other.arming > current.arming) {
        return other;
      }
      return other.arming == current.arming && other.percent > current.percent ? other : current;
    }
  }

  /**
   * Marks the alerts delivered before a restart, in the window that is still current, as raised
   * (and as delivered: the file keeps no other).
   */
  private void restoreRaised(List<KeptBudgetAlerts.Entry> raised) {
    Instant now = shared.ticker().instant();
    List<Budget> budgets = account.budgets();
    for (KeptBudgetAlerts.Entry e : raised) {
      for (int i = 0; i < budgets.size(); i++) {
        if (e.holdsFor(budgets.get(i), now)) {
          thresholds.restoreRaised(i, e.percent());
          told.accumulateAndGet(i, new Told(e.percent(), e.raisedWall(), 0), Told::keep);
          LOG.info("Service {}: its {}% alert of the {} was raised at {} and delivered before the restart; it is not"
              + " raised again in this window", name, e.percent(), budgets.get(i).describe(), Instant.ofEpochSecond(0,
              e.raisedWall()));
        }
      }
    }
  }

  /**
   * Adds this service's 80%/100% alerts that were delivered, are still raised (the budget did not
   * re-arm since) and whose window is still current, for the state file. An alert raised and not
   * delivered (yet, or ever: given up, dropped at close) is not added, so that a monitor that stops
   * before it is delivered raises it again after a restart. Called on the flusher thread.
   *
   * @param now the wall clock now
   * @param out where to add them
   */
  void raisedAlerts(Instant now, List<KeptBudgetAlerts.Entry> out) {
    List<Budget> budgets = account.budgets();
    for (int i = 0; i < budgets.size(); i++) {
      // The level first, then the arming: a re-arm and a new raise between the two reads show as
      // a new arming, never as the new level with the old arming's delivered alert.
      int level = thresholds.raised(i);
      int arming = armings.get(i);
      Told t = told.get(i);
      if (level != 0 && t != null && t.arming() == arming
          && KeptBudgetAlerts.sameWindow(budgets.get(i), t.raisedWall(), now)) {
        out.add(new KeptBudgetAlerts.Entry(name, PersistentLedger.spec(budgets.get(i)), thresholds.limit(i),
            t.percent(), t.raisedWall()));
      }
    }
  }

  /** The meter, resumed from its saved baseline when there is one (as the guard's meters are). */
  private static BurnRateMeter newMeter(String name, MonitorShared shared, PersistentLedger store) {
    if (store == null) {
      return BurnRateMeter.create(shared.detection(), shared.ticker());
    }
    // A changed monitoring_interval changes the bucket: an old baseline does not fit.
    return ResumedMeters.create(store, name, null, shared.detection(), shared.ticker(), 1, e -> LOG.warn(
        "Service {}: the saved account-wide baseline in {} cannot be used ({}); it is learned afresh", name,
        store.file(), e.getMessage()));
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
   * Attaches the monitor's emergency stops, fired when this service's breaker opens.
   *
   * @param stops the stops
   */
  public void emergencyStops(EmergencyStops stops) {
    this.stops = stops;
  }

  /**
   * Resets the monitor's own breaker for this service after a resume: ends the runaway episode (the
   * next runaway is a new episode) and lets the budgets used up at the resume hold it open no
   * longer, each until it has recovered; a budget used up later opens it as usual. Takes no lock (a
   * resume seen by another service's poll may call it, and waiting for this service's poll could
   * deadlock two polls): the resume is counted, and the breaker reads as closed from then on; the
   * poll applies it to the budgets at its next check, or to what a check under way finds.
   *
   * @return whether the breaker was open
   */
  public boolean resetEpisode() {
    boolean runaway = runawayEpisode != null;
    runawayEpisode = null;
    runawayRatio = Double.NaN;
    long before = resumes.getAndIncrement();
    return runaway || budgetOpenAt == before;
  }

  // ---------------------------------------------------------------- starting a poll

  /**
   * Starts a poll unless one is still running or the service may not be polled yet (self rate
   * limit, or a wait the service asked for). Skips are counted and logged at DEBUG.
   *
   * @return the attempt, or {@code null} if skipped
   */
  PollAttempt tryStart() {
    if (!inFlight.compareAndSet(false, true)) {
      long n = skippedRounds.incrementAndGet();
      LOG.debug("Service {}: the previous poll is still running; this round skips it ({} skipped so far)", name, n);
      return null;
    }
    long now = shared.ticker().nanoTime();
    long next = nextAllowed;
    if (next != UNSET && now - next < 0) {
      inFlight.set(false);
      LOG.debug("Service {}: not polled before {} (rate limit or the service's Retry-After)", name,
          Duration.ofNanos(next - now));
      return null;
    }
    nextAllowed = now + shared.minSpacing().toNanos();
    Instant nowI = shared.ticker().instant();
    Instant since;
    boolean first;
    synchronized (this) {
      first = !attempted;
      attempted = true;
      if (lastEnd == null) {
        // Failed polls do not move the start: once one works it covers everything since the first.
        lastEnd = nowI.minus(shared.interval());
      }
      since = lastEnd;
      Instant floor = nowI.minus(shared.maxLookback());
      if (since.isBefore(floor)) {
        LOG.debug("Service {}: last successful poll ended at {}; this poll looks back {} only", name, since,
            shared.maxLookback());
        since = floor;
      }
      if (since.isAfter(nowI)) {
        since = nowI;
      }
    }
    PollAttempt a = new PollAttempt(PollContext.of(since, nowI, shared.interval(), shared.ticker(), first), now);
    current = a;
    return a;
  }

  /**
   * Runs a started poll on the current thread and accounts for its outcome.
   *
   * @param a the attempt from {@link #tryStart()}
   */
  void run(PollAttempt a) {
    a.bind(Thread.currentThread());
    UsageReport report = null;
    try {
      if (!a.running()) {
        return;
      }
      try {
        report = detector.poll(a.ctx);
      } catch (Throwable t) {
        if (a.end(PollAttempt.DONE)) {
          failed(a, t, false);
        } else {
          LOG.debug("Service {}: a poll that had timed out or was cancelled ended with {}", name,
              shared.secrets().describe(t));
        }
        // Not rethrown, VirtualMachineError included: an OutOfMemoryError from one detector's huge
        // allocation (now garbage), a StackOverflowError from a deep document or a LinkageError from
        // a broken plug-in is that service's failure, reported above. Rethrowing ended this thread
        // with an unredacted stack trace on stderr and, on an inline executor, broke the whole round.
        return;
      }
      if (!a.end(PollAttempt.DONE) && !a.timedOut()) {
        LOG.debug("Service {}: the result of a poll cancelled by close() is discarded", name);
        report = null;
        return;
      }
      // A poll that timed out and still returned is counted: its detector has already committed
      // what it reports (cursors, seen rows), so discarding it would lose that spend for good. No
      // other poll of this service ran meanwhile (it stays busy) and since has not moved, so it is
      // counted once; its timeout was reported as a failure already.
      if (report == null) {
        failed(a, new PollException(PollException.Kind.BAD_RESPONSE, "the detector returned no report", null, null),
            false);
        return;
      }
      PollException implausible = implausibleWindow(report, a.ctx.now());
      if (implausible != null) {
        failed(a, implausible, false);
        report = null;
        return;
      }
      if (!succeeded(a, report)) {
        report = null;
      }
    } finally {
      a.unbind();
      a.cancelTimeout();
      current = null;
      inFlight.set(false);
      a.done.complete(report);
    }
  }

  /**
   * Ends a poll that ran too long: reports it as a failure and interrupts it. The service stays
   * busy, and is skipped by later rounds, until the detector actually returns.
   *
   * @param a the attempt
   */
  void timedOut(PollAttempt a) {
    if (!a.end(PollAttempt.TIMED_OUT)) {
      return;
    }
    try {
      failed(a, null, true);
    } finally {
      a.interrupt();
      a.done.complete(null);
    }
  }

  /**
   * Gives up a started poll that the executor refused (shut down or saturated): the service is
   * released and polled again next round.
   *
   * @param a the attempt
   * @param e the refusal
   */
  void rejected(PollAttempt a, RuntimeException e) {
    if (a.end(PollAttempt.CANCELLED)) {
      a.cancelTimeout();
      current = null;
      nextAllowed = UNSET;
      inFlight.set(false);
      a.done.complete(null);
      if (!shared.closed().get()) {
        executorRefused.log("Service {}: the poll executor refused a poll; it is tried again next round: {}", name,
            e.toString());
      }
    }
  }

  /** Interrupts a running poll because the monitor closes; nothing is reported. */
  void cancel() {
    PollAttempt a = current;
    if (a != null && a.end(PollAttempt.CANCELLED)) {
      a.interrupt();
      a.done.complete(null);
    }
  }

  /** Closes the detector; a failure is logged, never thrown. */
  void closeDetector() {
    try {
      detector.close();
    } catch (Throwable t) {
      closeFailed.log("Detector of service {} failed to close: {}", name, shared.secrets().describe(t));
    }
  }

  // ---------------------------------------------------------------- outcomes

  /**
   * A report's quantities must be finite numbers, and it must start within {@link #MAX_REPORT_AGE}
   * before the poll and not after it (give or take {@link #MAX_REPORT_SKEW}). Its span is spread over the meter's buckets one by one, so a
   * detector's report from 1970 held the poll thread for hours (every service stopped), and one
   * dated a year ahead moved the meter's clock there, so its baseline was "learned" at once.
   */
  private static PollException implausibleWindow(UsageReport report, Instant now) {
    for (Map.Entry<String, Double> u : report.units().entrySet()) {
      Double v = u.getValue();
      if (v == null || !Double.isFinite(v)) {
        // Counted as 0 before, in silence: a detector that computes NaN has a bug worth an alert.
        return new PollException(PollException.Kind.BAD_RESPONSE, "the detector reported " + v + " " + u.getKey()
            + " for " + report.from() + " to " + report.to() + "; a quantity must be a finite number, so the report is"
            + " not counted", null, null);
      }
    }
    String why;
    if (report.from().isAfter(now.plus(MAX_REPORT_SKEW))) {
      why = "after the poll's time " + now;
    } else if (report.from().isBefore(now.minus(MAX_REPORT_AGE))) {
      why = "more than " + MAX_REPORT_AGE.toDays() + " days before the poll's time " + now;
    } else {
      return null;
    }
    return new PollException(PollException.Kind.BAD_RESPONSE, "the detector reported usage from " + report.from()
        + " to " + report.to() + ", " + why + "; a report must start within the last " + MAX_REPORT_AGE.toDays()
        + " days and not after the poll (" + MAX_REPORT_SKEW.toMinutes() + " minutes of clock skew allowed), so it"
        + " is not counted", null, null);
  }

  private boolean succeeded(PollAttempt a, UsageReport report) {
    if (shared.closed().get()) {
      return false;
    }
    if (!report.service().equals(name)) {
      wrongService.log("Detector of service {} reported usage under the name '{}'; it is counted for {}", name,
          report.service(), name);
    }
    polls.incrementAndGet();
    Instant since = a.ctx.since();
    Instant now = a.ctx.now();
    synchronized (this) {
      UsageDelta delta;
      try {
        delta = accounting.accept(report, since, now);
      } catch (RuntimeException e) {
        accountingFailed.log("Service {}: a report could not be accounted for: {}", name, e.toString());
        return false;
      }
      if (!delta.cumulative() && report.to().isAfter(since) && !report.to().isAfter(now)) {
        lastEnd = report.to();
      } else {
        lastEnd = now;
      }
      lastPoll = now;
      lastSuccess = now;
      lastError = null;
      health = MonitorStatus.Health.OK;
      rateLimitsInARow = 0;
      if (failingSince != null) {
        if (alertedLevel > 0) {
          Duration down = Duration.between(failingSince, now);
          LOG.info("Service {}: usage polling works again after {} and {} failed polls", name, Durations.human(down),
              failedInEpisode);
          raise(GuardAlerts.serviceRecovered(name, type, down, failedInEpisode, now));
        }
        failingSince = null;
        failedInEpisode = 0;
        alertedLevel = 0;
      }
      try {
        account(report, delta);
      } catch (RuntimeException e) {
        accountingFailed.log("Service {}: account-wide accounting failed: {}", name, e.toString());
      }
    }
    return true;
  }

  private void account(UsageReport report, UsageDelta delta) {
    long now = shared.ticker().nanoTime();
    double calls = 0;
    for (String unit : CALL_UNITS) {
      if (report.units().containsKey(unit)) {
        calls = delta.unit(unit);
        break;
      }
    }
    // An empty span (a report with from == to) carries nothing a rate can be judged on; its spend
    // still counts against the budgets.
    long judged = delta.costNanos();
    if (report.units().containsKey(UsageReport.DETECTION_COST_UNIT)) {
      double usd = delta.unit(UsageReport.DETECTION_COST_UNIT);
      // A unit is a double by the SPI's design; it is only judged by the meter, never budgeted.
      long nanos = Double.isFinite(usd) && usd > 0 ? (long) Math.min(Long.MAX_VALUE / 2.0, Math.rint(usd * 1e9)) : 0;
      judged = Math.max(judged, nanos);
    }
    MeterEvent event = delta.to().isAfter(delta.from())
        ? meter.observe(delta.from(), delta.to(), calls, judged) : MeterEvent.NONE;
    long span = Duration.between(delta.from(), delta.to()).toNanos();
    account.recordOver(delta.costNanos(), span, now);
    long resumed = resumes.get();
    checkThresholds(now, resumed);
    String episode = runawayEpisode; // read once: a resume on another thread may end it meanwhile
    if (event != MeterEvent.NONE) {
      onEvent(event, report);
    } else if (episode != null && resumes.get() == resumed) {
      // Still the same runaway: a breaker that let trial calls through in the meantime opens again.
      tripGuard(episode);
      fireStops(EmergencyStops.Trigger.RUNAWAY, runawayRatio, episode);
    }
  }

  /**
   * Checks the budgets: alerts at 80% and 100%, and opens the breaker (and fires the stops) for a
   * used-up budget that was not used up at a resume. Called by the poll under this object's lock.
   *
   * @param now the ticker's time
   * @param resumed the {@link #resumes} count read before the check: resumes up to it apply to what
   *     the previous check found used up, later ones to what this check finds
   */
  private void checkThresholds(long now, long resumed) {
    List<Budget> budgets = account.budgets();
    boolean wasResumed = false;
    if (resumed != resumesApplied) {
      resumesApplied = resumed;
      for (int i = 0; i < budgets.size(); i++) {
        resumedBudgets[i] |= usedUpAtLastCheck[i];
      }
    }
    for (boolean r : resumedBudgets) {
      wasResumed |= r;
    }
    boolean anyUsedUp = false;
    boolean anyOver = false;
    for (int i = 0; i < budgets.size(); i++) {
      long used = account.used(i, now);
      long limit = thresholds.limit(i);
      boolean wasRaised = thresholds.raised(i) != 0;
      int percent = thresholds.crossed(i, used);
      if (wasRaised && thresholds.raised(i) == 0) {
        armings.incrementAndGet(i); // re-armed: what was delivered before is no longer kept
      }
      String detail = null;
      boolean over = used >= limit;
      boolean newlyUsedUp = over && !usedUpAtLastCheck[i];
      usedUpAtLastCheck[i] = over;
      if (over) {
        anyOver = true;
      } else {
        resumedBudgets[i] = false; // recovered: it opens the breaker again once used up again
      }
      if (over && !resumedBudgets[i]) {
        // Every poll while the budget is used up: a breaker that let trial calls through opens again.
        // Before the alert, so that its facts show the breaker this poll opens (they said CLOSED).
        detail = GuardAlerts.monitorBudgetDetail(name, budgets.get(i), used);
        tripGuard(detail);
        budgetOpenAt = resumed;
        if (newlyUsedUp && wasResumed) {
          budgetAfterResume(); // not the budget the resume was for: its stop may fire
        }
      }
      if (percent != 0) {
        Told raised = new Told(percent, PersistentLedger.epochNanos(shared.ticker().instant()), armings.get(i));
        raiseKept(GuardAlerts.threshold(snapshot(), budgets.get(i), used, percent, "account-wide", refusal()), i,
            raised);
      }
      if (detail != null) {
        if (!anyUsedUp) {
          fireStops(EmergencyStops.Trigger.BUDGET, Double.NaN, detail);
        }
        anyUsedUp = true;
      }
    }
    if (!anyUsedUp) {
      budgetOpenAt = UNSET;
    }
    EmergencyStops es = stops;
    if (!anyOver && es != null) {
      es.budgetClear(name);
    }
  }

  /** A budget other than those used up at a resume is used up: the resume no longer holds back the stop. */
  private void budgetAfterResume() {
    EmergencyStops es = stops;
    if (es != null) {
      es.budgetUsedUpAfterResume(name);
    }
  }

  /**
   * What follows a runaway or a used-up budget of this service: an attached guard's breaker
   * refuses calls, else the service's emergency stop acts, else the monitor only alerts.
   */
  private GuardAlerts.Refusal refusal() {
    if (!shared.detection().breakerEnabled()) {
      return GuardAlerts.Refusal.ALERT_ONLY;
    }
    if (shared.guard() != null && shared.guard().services().contains(name)) {
      return GuardAlerts.Refusal.CALLS_REFUSED;
    }
    EmergencyStops es = stops;
    return es != null && es.configured(name) ? GuardAlerts.Refusal.EMERGENCY_STOP : GuardAlerts.Refusal.ALERT_ONLY;
  }

  /** The monitor's breaker for this service opened (or stays open): emergency stops may fire. */
  private void fireStops(EmergencyStops.Trigger trigger, double ratio, String detail) {
    EmergencyStops es = stops;
    if (es == null || !shared.detection().breakerEnabled()) {
      return;
    }
    try {
      es.onTrip(name, trigger, ratio, detail);
    } catch (RuntimeException e) {
      tripFailed.log("Service {}: the emergency stop could not be fired: {}", name, e.toString());
    }
  }

  /** The evidence of a runaway: the larger of the cost and call rates as multiples of their baselines. */
  private static double evidence(ServiceSnapshot s) {
    double cost = s.rateRatio();
    double calls = Double.isNaN(s.baselineCallsPerMinute()) ? Double.NaN
        : s.baselineCallsPerMinute() <= 0 ? (s.callsPerMinute() > 0 ? Double.POSITIVE_INFINITY : 0)
        : s.callsPerMinute() / s.baselineCallsPerMinute();
    if (Double.isNaN(cost)) {
      return calls;
    }
    return Double.isNaN(calls) ? cost : Math.max(cost, calls);
  }

  private void onEvent(MeterEvent event, UsageReport report) {
    ServiceSnapshot s = snapshot();
    Alert alert = GuardAlerts.usage(s, event, shared.detection(), "account-wide", refusal());
    raise(event == MeterEvent.RESOLVED ? alert : withTopContributor(alert, report));
    if (event.isRunaway()) {
      String episode = GuardAlerts.monitorRunawayDetail(s, event, shared.detection().breakerMultiplier());
      double ratio = evidence(s);
      runawayRatio = ratio;
      runawayEpisode = episode;
      tripGuard(episode);
      fireStops(EmergencyStops.Trigger.RUNAWAY, ratio, episode);
    } else if (event == MeterEvent.RESOLVED) {
      runawayEpisode = null;
      runawayRatio = Double.NaN;
      EmergencyStops es = stops;
      if (es != null) {
        es.episodeEnded(name);
      }
    }
  }

  /**
   * Names the largest item of the poll that raised the alert (a model, project or API key, a SKU,
   * a workflow, a bucket), so the alert says what runs away, not only that something does.
   */
  static Alert withTopContributor(Alert alert, UsageReport report) {
    UsageItem top = null;
    for (UsageItem item : report.items()) {
      if (item.cost().nanos() > 0 && (top == null || item.cost().compareTo(top.cost()) > 0)) {
        top = item;
      }
    }
    if (top == null || report.cost().nanos() <= 0) {
      return alert;
    }
    long share = Math.round(100.0 * top.cost().nanos() / report.cost().nanos());
    String text = top.name() + " (" + top.cost() + " of " + report.cost() + " in the last poll, "
        + Math.min(100, share) + "%)";
    Map<String, String> facts = new LinkedHashMap<>(alert.facts());
    facts.put("top_contributor", top.name());
    facts.put("top_contributor_cost", top.cost().toString());
    return new Alert(alert.type(), alert.severity(), alert.service(), alert.key(), alert.title(),
        alert.detail() + " Largest contributor: " + text + ".", alert.time(), facts);
  }

  private void tripGuard(String detail) {
    if (!shared.detection().breakerEnabled() || shared.guard() == null
        || !shared.guard().services().contains(name)) {
      return;
    }
    try {
      if (shared.guard().breaker(name).trip(TripReason.MONITOR, detail)) {
        LOG.warn("Service {}: opened the guard's circuit breaker: {}", name, detail);
      }
    } catch (RuntimeException e) {
      tripFailed.log("Service {}: the guard's breaker could not be tripped: {}", name, e.toString());
    }
  }

  private void failed(PollAttempt a, Throwable t, boolean timedOut) {
    if (shared.closed().get()) {
      return;
    }
    polls.incrementAndGet();
    failures.incrementAndGet();
    String kind;
    String problem;
    Duration retryAfter = null;
    if (timedOut) {
      kind = "TIMEOUT";
      problem = "The poll of " + name + " did not finish within " + Durations.human(shared.pollTimeout())
          + " and was interrupted (the monitor's poll timeout: by default the monitoring_interval, at most 1 minute):"
          + " its usage API answers too slowly, or one poll reads too many pages or endpoints (max_pages; each"
          + " request waits up to timeout_seconds).";
    } else if (t instanceof PollException) {
      PollException pe = (PollException) t;
      kind = pe.kind().name();
      retryAfter = pe.retryAfter().orElse(null);
      problem = shared.secrets().describe(t);
    } else {
      kind = t instanceof InterruptedException ? "INTERRUPTED" : "ERROR";
      problem = shared.secrets().describe(t);
    }
    if (retryAfter != null && !retryAfter.isNegative()) {
      long until = shared.ticker().nanoTime() + retryAfter.toNanos();
      long next = nextAllowed;
      if (next == UNSET || until - next > 0) {
        nextAllowed = until;
      }
    }
    boolean rateLimited = "RATE_LIMITED".equals(kind);
    boolean critical = "UNAUTHORIZED".equals(kind);
    synchronized (this) {
      lastPoll = a.ctx.now();
      lastError = problem + (retryAfter != null ? " (asked to wait " + Durations.human(retryAfter) + ")" : "");
      if (failingSince == null) {
        failingSince = a.ctx.now();
      }
      failedInEpisode++;
      rateLimitsInARow = rateLimited ? rateLimitsInARow + 1 : 0;
      boolean failing = !rateLimited || rateLimitsInARow >= RATE_LIMITS_BEFORE_ALERT;
      if (!failing) {
        if (health != MonitorStatus.Health.FAILING) {
          health = MonitorStatus.Health.RATE_LIMITED;
        }
        LOG.debug("Service {}: rate limited: {}", name, lastError);
        return;
      }
      health = MonitorStatus.Health.FAILING;
      int level = critical ? 2 : 1;
      if (level > alertedLevel) {
        alertedLevel = level;
        LOG.warn("Service {}: usage polling failed ({}): {} [other services are polled as usual;"
            + " further failures of this episode are logged at DEBUG]", name, kind.toLowerCase(Locale.ROOT), lastError);
        raise(GuardAlerts.serviceDown(name, type, kind, problem, critical, retryAfter, a.ctx.now()));
      } else {
        LOG.debug("Service {}: usage polling failed again ({}): {}", name, kind, lastError);
      }
    }
  }

  private void raise(Alert alert) {
    raise(alert, null);
  }

  /** Hands an alert to the dispatcher, telling {@code listener} (if any) whether it was delivered. */
  private void raise(Alert alert, DeliveryListener listener) {
    try {
      if (listener == null) {
        shared.alerts().accept(alert);
      } else {
        shared.alerts().accept(alert, listener);
      }
    } catch (Throwable t) {
      accountingFailed.log("Service {}: an alert could not be handed to the dispatcher: {}", name, t.toString());
    }
  }

  /**
   * Raises a budget's 80% or 100% alert, kept in the state file only once every notifier has it
   * ({@link #raisedAlerts}): a monitor that stops before (a crash, a deploy while Telegram is down)
   * raises it again after the restart, instead of restoring it as told and never sending it.
   */
  private void raiseKept(Alert alert, int budget, Told raised) {
    raise(alert, delivered -> delivered(budget, raised, delivered));
  }

  /** What became of a budget alert: kept once delivered. On a delivery thread; must not block. */
  private void delivered(int budget, Told raised, boolean delivered) {
    if (!delivered) {
      LOG.debug("Service {}: its {}% alert of the {} did not reach every notifier; it is not kept in the state file,"
          + " so a restarted monitor raises it again", name, raised.percent(), account.budgets().get(budget).describe());
      return;
    }
    told.accumulateAndGet(budget, raised, Told::keep);
    if (store != null) {
      store.flushSoon(); // a monitor that dies right after (a crash loop) still knows it was told
    }
  }

  // ---------------------------------------------------------------- views

  /**
   * Returns the account-wide snapshot.
   *
   * @return the snapshot
   */
  public ServiceSnapshot snapshot() {
    long now = shared.ticker().nanoTime();
    return Snapshots.of(name, null, shared.ticker().instant(), account, now, meter.snapshot(now), breakerState());
  }

  private CircuitBreaker.State breakerState() {
    if (shared.guard() != null && shared.guard().services().contains(name)) {
      return shared.guard().breaker(name).state();
    }
    if (!shared.detection().breakerEnabled()) {
      return CircuitBreaker.State.DISABLED;
    }
    // No guard attached: the monitor's own breaker, the one its emergency stops fire on, is open
    // while a runaway episode lasts or a budget is used up (the status page said CLOSED beside a
    // "the monitor's breaker opened" stop alert).
    boolean budgetOpen = budgetOpenAt != UNSET && budgetOpenAt == resumes.get();
    return runawayEpisode != null || budgetOpen ? CircuitBreaker.State.OPEN : CircuitBreaker.State.CLOSED;
  }

  /**
   * Returns how polling stands.
   *
   * @return the status
   */
  public MonitorStatus status() {
    long now = shared.ticker().nanoTime();
    long next = nextAllowed;
    Instant nextAt = next == UNSET || next - now <= 0 ? null : shared.ticker().instant().plusNanos(next - now);
    synchronized (this) {
      return new MonitorStatus(name, type, health, lastPoll, lastSuccess, lastError, nextAt, inFlight.get(),
          polls.get(), failures.get(), skippedRounds.get());
    }
  }

  @Override
  public String toString() {
    return "ServiceMonitor[" + name + ", type=" + type + "]";
  }
}
