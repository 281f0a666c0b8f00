package dev.runaway.breaker.internal;

import static dev.runaway.breaker.CircuitBreaker.State.CLOSED;
import static dev.runaway.breaker.CircuitBreaker.State.DISABLED;
import static dev.runaway.breaker.CircuitBreaker.State.FORCED_OPEN;
import static dev.runaway.breaker.CircuitBreaker.State.HALF_OPEN;
import static dev.runaway.breaker.CircuitBreaker.State.OPEN;

import dev.runaway.Ticker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import dev.runaway.internal.Durations;
import dev.runaway.internal.WarnOnce;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker's state machine.
 *
 * <p>The whole state (state, trip reason and detail, when it opened, consecutive failures,
 * half-open permits and results, transition number) is one immutable {@link Snapshot} held in a
 * single {@link AtomicReference} and replaced by compare-and-set. Every operation reads the
 * snapshot, decides against the {@link #LEGAL table of legal transitions}, and tries to install
 * its successor; only the thread whose CAS succeeded publishes the transition, after the CAS, so a
 * storm of concurrent trips causes exactly one transition and one listener call. No user code
 * ever runs inside the CAS loop.
 *
 * <p>Listeners see transitions in the order they happened: each transition carries a sequence
 * number, and a single drainer at a time delivers them in that order (a transition made
 * concurrently with another may therefore be delivered by the other thread, just after).
 *
 * <p>Known limit shared with other breakers: {@link #onSuccess()} and {@link #onFailure(Throwable)}
 * carry no permit, so a call admitted while closed that completes during half-open counts as a
 * trial result; results beyond the permits issued in half-open are ignored.
 *
 * <p><b>Spend trips judge the caller.</b> A breaker created with a {@link CallerGate} (a guard's)
 * treats trips for {@link TripReason#BURN_RATE}, {@link TripReason#CALL_RATE},
 * {@link TripReason#BUDGET} and {@link TripReason#MONITOR} differently from failures: it stays
 * open for its wait (doubled for each re-trip within {@link CircuitBreakerConfig#maxWaitInOpenState()}
 * of the last close, up to that cap), then half-open lets one trial call through per
 * {@link CircuitBreakerConfig#trialInterval()}, and it closes only when the gate says that the
 * caller's attempt rate has stayed under the threshold for the confirmation period. Trial
 * results do not close or re-open it. Without a gate, or for {@link TripReason#FAILURES} and
 * manual trips, half-open is the error-based one: it closes when the trial calls succeed.
 *
 * <p>Thread-safe and lock-free; {@link #tryAcquirePermission()} is one volatile read and no
 * allocation when the breaker is closed or disabled.
 */
public final class DefaultCircuitBreaker implements CircuitBreaker {

  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

  /** Which state may follow which. Anything not listed is refused (a no-op). */
  static final Map<State, Set<State>> LEGAL;

  static {
    Map<State, Set<State>> t = new EnumMap<>(State.class);
    t.put(CLOSED, EnumSet.of(OPEN, FORCED_OPEN, DISABLED));
    t.put(OPEN, EnumSet.of(HALF_OPEN, CLOSED, FORCED_OPEN, DISABLED));
    t.put(HALF_OPEN, EnumSet.of(OPEN, CLOSED, FORCED_OPEN, DISABLED));
    t.put(FORCED_OPEN, EnumSet.of(CLOSED));
    t.put(DISABLED, EnumSet.of(CLOSED, FORCED_OPEN));
    for (Map.Entry<State, Set<State>> e : t.entrySet()) {
      e.setValue(Collections.unmodifiableSet(e.getValue()));
    }
    LEGAL = Collections.unmodifiableMap(t);
  }

  /**
   * Whether the state machine allows {@code from -> to}.
   *
   * @param from the state before
   * @param to the state after
   * @return whether the transition is legal
   */
  static boolean isLegal(State from, State to) {
    return LEGAL.get(from).contains(to);
  }

  private final String name;
  private final CircuitBreakerConfig config;
  private final Ticker ticker;
  private final long waitNanos;
  private final AtomicReference<Snapshot> ref;
  /** "Read the ticker yourself": the caller passed no clock reading. */
  private static final long NO_TIME = Long.MIN_VALUE;
  private final List<Consumer<StateTransition>> listeners = new CopyOnWriteArrayList<>();

  /** Published transitions not yet delivered, by sequence number. */
  private final ConcurrentSkipListMap<Long, StateTransition> undelivered = new ConcurrentSkipListMap<>();
  /** Work-in-progress counter of the drain loop: only the thread that raises it from 0 drains. */
  private final AtomicInteger drainWip = new AtomicInteger();
  /** Next sequence number to deliver; only read and written by the current drainer. */
  private long nextToDeliver = 1;
  private final WarnOnce listenerFailed = new WarnOnce(LOG, " (further failures at DEBUG)");
  /** Judges the caller during spend trips; {@code null} for a standalone breaker. */
  private final CallerGate gate;
  private final long maxWaitNanos;
  private final long trialNanos;

  /**
   * Creates a breaker in state {@link State#CLOSED}.
   *
   * @param name the breaker's name, usually the service
   * @param config its configuration
   * @param ticker its source of time
   */
  public DefaultCircuitBreaker(String name, CircuitBreakerConfig config, Ticker ticker) {
    this(name, config, ticker, null);
  }

  /**
   * Creates a breaker in state {@link State#CLOSED} whose spend trips judge the caller.
   *
   * @param name the breaker's name, usually the service
   * @param config its configuration
   * @param ticker its source of time
   * @param gate tells whether the caller has calmed down, or {@code null} for error-based
   *     half-open only
   */
  public DefaultCircuitBreaker(String name, CircuitBreakerConfig config, Ticker ticker, CallerGate gate) {
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.waitNanos = config.waitInOpenState().toNanos();
    this.maxWaitNanos = Math.max(waitNanos, config.maxWaitInOpenState().toNanos());
    this.trialNanos = config.trialInterval().toNanos();
    this.gate = gate;
    this.ref = new AtomicReference<>(Snapshot.INITIAL);
  }

  /** Whether a trip for this reason judges the caller rather than trial results. */
  private boolean judged(TripReason reason) {
    return gate != null && reason != null && reason != TripReason.FAILURES && reason != TripReason.MANUAL;
  }

  /**
   * Lets the breaker see time pass while no call arrives: moves a due open breaker to half-open
   * and closes a spend trip whose caller has calmed down. Called by the guard's clock.
   */
  public void refresh() {
    current();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public State state() {
    return current().state;
  }

  @Override
  public boolean tryAcquirePermission() {
    return tryAcquirePermission(NO_TIME);
  }

  /**
   * {@link #tryAcquirePermission()} with the caller's clock reading, so that a guarded call that
   * has read the clock once does not read it again here (an open breaker compares its wait with
   * the time; a closed one never reads it).
   *
   * @param now the ticker's reading, taken by the caller just before
   * @return whether the call may proceed
   */
  public boolean tryAcquirePermission(long now) {
    Snapshot s = ref.get();
    State st = s.state;
    if (st == CLOSED || st == DISABLED) {
      return true;
    }
    // Apart, so that the closed breaker's check stays small enough to be inlined into every call.
    return acquireNotClosed(s, now);
  }

  private boolean acquireNotClosed(Snapshot s, long now) {
    State st = s.state;
    if (st == OPEN) {
      s = openToHalfOpenIfDue(s, now);
      if (s.state != HALF_OPEN) {
        return false;
      }
    } else if (st == FORCED_OPEN) {
      return false;
    }
    // Half-open: hand out at most the configured number of trial permits, never more.
    while (true) {
      if (s.state == CLOSED || s.state == DISABLED) {
        return true;
      }
      if (s.state != HALF_OPEN) {
        return false;
      }
      if (judged(s.reason)) {
        if (now == NO_TIME) {
          now = ticker.nanoTime();
        }
        s = closeIfQuiet(s, now);
        if (s.state != HALF_OPEN) {
          continue;
        }
        // Paced trials: one per interval, whatever their results.
        if (s.lastTrialNanos != Long.MIN_VALUE && now - s.lastTrialNanos < trialNanos) {
          return false;
        }
        if (ref.compareAndSet(s, s.withTrialAt(now))) {
          return true;
        }
      } else {
        if (s.issued >= config.permittedCallsInHalfOpenState()) {
          return false;
        }
        if (ref.compareAndSet(s, s.withIssued(s.issued + 1))) {
          return true;
        }
      }
      s = ref.get();
    }
  }

  /**
   * Gives a half-open trial permit back, so that a trial call refused after its permission (by a
   * budget, say) does not hold the breaker half-open forever. One volatile read when closed.
   */
  @Override
  public void releasePermission() {
    Snapshot s = ref.get();
    // Outstanding permits are those issued whose outcome is not in; failures re-open at once.
    // Paced trials of a spend trip hold no permit count: a refused trial simply used its turn.
    while (s.state == HALF_OPEN && !judged(s.reason) && s.issued > s.succeeded) {
      if (ref.compareAndSet(s, s.withIssued(s.issued - 1))) {
        return;
      }
      s = ref.get();
    }
  }

  @Override
  public void onSuccess() {
    Snapshot s = ref.get();
    if (s.state == CLOSED && s.failures == 0) {
      return; // every call of a healthy service: a read, no write
    }
    successNotQuiet(s);
  }

  private void successNotQuiet(Snapshot s) {
    while (true) {
      switch (s.state) {
        case CLOSED:
          if (s.failures == 0 || ref.compareAndSet(s, s.withFailures(0))) {
            return;
          }
          break;
        case HALF_OPEN:
          if (judged(s.reason) || s.succeeded >= s.issued) {
            return; // a spend trip's trials prove nothing; or not a result of a trial we admitted
          }
          int succeeded = s.succeeded + 1;
          if (succeeded >= config.permittedCallsInHalfOpenState()) {
            Snapshot next = s.closedAt(ticker.nanoTime());
            if (ref.compareAndSet(s, next)) {
              publish(s, next, null, succeeded + " trial call" + (succeeded == 1 ? "" : "s") + " succeeded");
              return;
            }
          } else if (ref.compareAndSet(s, s.withSucceeded(succeeded))) {
            return;
          }
          break;
        default:
          return; // OPEN, FORCED_OPEN, DISABLED: outcomes do not matter
      }
      s = ref.get();
    }
  }

  @Override
  public void onFailure(Throwable failure) {
    String what = failure == null ? "unknown failure" : failure.getClass().getName();
    Snapshot s = current();
    while (true) {
      switch (s.state) {
        case CLOSED: {
          int threshold = config.failureThreshold();
          if (threshold == 0) {
            return;
          }
          int failures = s.failures + 1;
          if (failures >= threshold) {
            String detail = failures + " consecutive call" + (failures == 1 ? "" : "s") + " failed, the last with " + what;
            Snapshot next = s.reopen(TripReason.FAILURES, detail, ticker.nanoTime(), waitNanos);
            if (ref.compareAndSet(s, next)) {
              publish(s, next, TripReason.FAILURES, detail);
              return;
            }
          } else if (ref.compareAndSet(s, s.withFailures(failures))) {
            return;
          }
          break;
        }
        case HALF_OPEN: {
          if (s.issued == 0 || judged(s.reason)) {
            return; // a late result of an earlier call; or a spend trip, which judges the caller
          }
          Snapshot next = s.reopen(s.reason, s.detail, ticker.nanoTime(), waitNanos);
          if (ref.compareAndSet(s, next)) {
            publish(s, next, s.reason, "a trial call failed (" + what + "), open again: " + s.detail);
            return;
          }
          break;
        }
        default:
          return;
      }
      s = ref.get();
    }
  }

  @Override
  public boolean trip(TripReason reason, String detail) {
    Objects.requireNonNull(reason, "reason");
    String d = detail == null ? "" : detail;
    Snapshot s = current();
    while (isLegal(s.state, OPEN)) {
      long now = ticker.nanoTime();
      long wait = waitNanos;
      int retrips = 0;
      if (judged(reason)) {
        // A re-trip soon after the last close (or while half-open) means the caller came back:
        // wait twice as long as last time, up to the cap.
        boolean again = s.state == HALF_OPEN
            || s.lastClosedNanos != Long.MIN_VALUE && now - s.lastClosedNanos < maxWaitNanos;
        retrips = again ? Math.min(s.retrips + 1, 30) : 0;
        wait = (long) Math.min((double) maxWaitNanos, (double) waitNanos * (1L << retrips));
      }
      String why = retrips == 0 ? d : d + (d.isEmpty() || d.endsWith(".") ? " " : ". ")
          + "Re-tripped " + retrips + (retrips == 1 ? " time" : " times") + " soon after closing: open for "
          + Durations.human(wait) + ".";
      Snapshot next = s.open(reason, why, now, wait, retrips);
      if (ref.compareAndSet(s, next)) {
        publish(s, next, reason, why);
        return true;
      }
      s = current();
    }
    return false;
  }

  @Override
  public void forceOpen(String why) {
    String d = why == null ? "" : why;
    Snapshot s = current();
    while (isLegal(s.state, FORCED_OPEN)) {
      Snapshot next = new Snapshot(FORCED_OPEN, TripReason.MANUAL, d, ticker.nanoTime(), 0, 0, 0, s.seq + 1,
          waitNanos, s.retrips, s.lastClosedNanos, Long.MIN_VALUE);
      if (ref.compareAndSet(s, next)) {
        publish(s, next, TripReason.MANUAL, d);
        return;
      }
      s = ref.get();
    }
    LOG.debug("Circuit breaker {}: forceOpen ignored in state {}", name, s.state);
  }

  @Override
  public void reset() {
    Snapshot s = ref.get();
    while (true) {
      if (s.state == CLOSED) {
        // Already closed: forget the failure history, which is not a state change.
        if (s.failures == 0 || ref.compareAndSet(s, s.withFailures(0))) {
          return;
        }
      } else {
        // A manual reset forgets the backoff: the operator has decided.
        Snapshot next = new Snapshot(CLOSED, null, "", 0, 0, 0, 0, s.seq + 1, waitNanos, 0, Long.MIN_VALUE,
            Long.MIN_VALUE);
        if (ref.compareAndSet(s, next)) {
          publish(s, next, null, "reset");
          return;
        }
      }
      s = ref.get();
    }
  }

  @Override
  public void disable() {
    Snapshot s = ref.get();
    while (isLegal(s.state, DISABLED)) {
      Snapshot next = new Snapshot(DISABLED, null, "", 0, 0, 0, 0, s.seq + 1, waitNanos, 0, Long.MIN_VALUE,
          Long.MIN_VALUE);
      if (ref.compareAndSet(s, next)) {
        publish(s, next, null, "disabled");
        return;
      }
      s = ref.get();
    }
    if (s.state != DISABLED) {
      LOG.debug("Circuit breaker {}: disable ignored in state {} (only reset() leaves it)", name, s.state);
    }
  }

  @Override
  public void onStateChange(Consumer<StateTransition> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public Optional<TripReason> tripReason() {
    Snapshot s = current();
    return isOpenish(s.state) ? Optional.ofNullable(s.reason) : Optional.empty();
  }

  @Override
  public Optional<String> tripDetail() {
    Snapshot s = current();
    return isOpenish(s.state) ? Optional.of(s.detail) : Optional.empty();
  }

  @Override
  public Optional<Duration> retryAfter() {
    Snapshot s = current();
    switch (s.state) {
      case OPEN:
        if (!config.automaticHalfOpen()) {
          return Optional.empty();
        }
        long remaining = s.waitNanos - (ticker.nanoTime() - s.openedAtNanos);
        return Optional.of(Duration.ofNanos(Math.max(0, remaining)));
      case FORCED_OPEN:
        return Optional.empty();
      case HALF_OPEN:
        if (judged(s.reason) && s.lastTrialNanos != Long.MIN_VALUE) {
          long next = trialNanos - (ticker.nanoTime() - s.lastTrialNanos);
          return Optional.of(Duration.ofNanos(Math.max(0, next)));
        }
        return Optional.of(Duration.ZERO);
      default:
        return Optional.of(Duration.ZERO);
    }
  }

  /**
   * What a state file keeps of an open breaker, so that a restarted process does not start with
   * it closed: see {@link #persisted(long)} and {@link #restore}.
   *
   * @param state {@link State#OPEN}, {@link State#HALF_OPEN} or {@link State#FORCED_OPEN}
   * @param reason why it opened
   * @param detail what tripped it, for people
   * @param waitNanos the wait of this open period (longer after re-trips)
   * @param retrips spend re-trips in a row, for the backoff
   * @param remainingNanos until calls are let through again: the rest of the open wait, or while
   *     a spend trip is half-open, until its next paced trial call; 0 when due
   */
  public record Persisted(State state, TripReason reason, String detail, long waitNanos, int retrips,
      long remainingNanos) {}

  /**
   * Returns what a state file keeps of this breaker: its open period when it is open, forced open,
   * or half-open on a spend trip, for any reason but {@link TripReason#FAILURES} (which judges the
   * API, and a restart is as good a trial as any); else {@code null}. No state change.
   *
   * @param now the ticker's reading
   * @return the state to keep, or {@code null}
   */
  public Persisted persisted(long now) {
    // A plain read: the flusher that asks must not make transitions (and raise alerts) itself. An
    // open breaker already due is saved with nothing left, and half-opens at its next use.
    Snapshot s = ref.get();
    if (s.reason == null || s.reason == TripReason.FAILURES) {
      return null;
    }
    switch (s.state) {
      case OPEN:
        return new Persisted(OPEN, s.reason, s.detail, s.waitNanos, s.retrips,
            Math.min(s.waitNanos, Math.max(0, s.waitNanos - (now - s.openedAtNanos))));
      case FORCED_OPEN:
        return new Persisted(FORCED_OPEN, s.reason, s.detail, s.waitNanos, s.retrips, 0);
      case HALF_OPEN:
        long next = judged(s.reason) && s.lastTrialNanos != Long.MIN_VALUE
            ? Math.min(trialNanos, Math.max(0, trialNanos - (now - s.lastTrialNanos))) : 0;
        return new Persisted(HALF_OPEN, s.reason, s.detail, s.waitNanos, s.retrips, next);
      default:
        return null;
    }
  }

  /**
   * Puts a breaker that has never changed state back into a state kept by {@link #persisted}, as
   * of {@code now}: open for {@code remainingNanos} more (a half-open spend trip: its next trial
   * call after that long), with the saved reason and detail. It is not a transition: listeners
   * are not called and no alert is raised (the trip was announced by the process that made it).
   *
   * @param saved the saved state
   * @param remainingNanos what is left of its wait, at most the saved wait
   * @param now the ticker's reading
   * @return whether it was restored (false when the breaker has changed state meanwhile)
   */
  public boolean restore(Persisted saved, long remainingNanos, long now) {
    Objects.requireNonNull(saved, "saved");
    Snapshot s = ref.get();
    if (s != Snapshot.INITIAL && (s.state != CLOSED || s.seq != 0)) {
      return false;
    }
    long wait = Math.max(1, saved.waitNanos());
    long left = Math.max(0, Math.min(remainingNanos, wait));
    Snapshot next;
    switch (saved.state()) {
      case OPEN:
        next = new Snapshot(OPEN, saved.reason(), saved.detail(), now - (wait - left), 0, 0, 0, s.seq, wait,
            saved.retrips(), Long.MIN_VALUE, Long.MIN_VALUE);
        break;
      case FORCED_OPEN:
        next = new Snapshot(FORCED_OPEN, saved.reason(), saved.detail(), now, 0, 0, 0, s.seq, wait, saved.retrips(),
            Long.MIN_VALUE, Long.MIN_VALUE);
        break;
      case HALF_OPEN:
        long trialLeft = Math.max(0, Math.min(remainingNanos, trialNanos));
        next = new Snapshot(HALF_OPEN, saved.reason(), saved.detail(), now - wait, 0, 0, 0, s.seq, wait,
            saved.retrips(), Long.MIN_VALUE, trialLeft == 0 ? Long.MIN_VALUE : now - (trialNanos - trialLeft));
        break;
      default:
        return false;
    }
    return ref.compareAndSet(s, next);
  }

  /**
   * Returns an object that stands for the breaker's current state and changes (by identity) with
   * every change of it, trial permits included: a refusal built for one token can be shown again
   * while the token is the same. Compare with {@code ==}; one volatile read.
   *
   * @return the token
   */
  public Object stateToken() {
    return ref.get();
  }

  /**
   * Builds the exception for a call this breaker just refused, from one reading of its state and
   * the caller's clock reading (no clock read, no state change).
   *
   * @param service the service
   * @param key the refused call's key, or {@code null}
   * @param now the ticker's reading
   * @param slackNanos added to the retry-after, for an exception that will be shown again for up to
   *     that long (a retry-after may be late, never early)
   * @return the exception
   */
  public dev.runaway.CircuitOpenException refusal(String service, String key, long now, long slackNanos) {
    Snapshot s = ref.get();
    Duration retry;
    switch (s.state) {
      case OPEN:
        retry = config.automaticHalfOpen()
            ? Duration.ofNanos(Math.max(0, s.waitNanos - (now - s.openedAtNanos)) + slackNanos) : null;
        break;
      case FORCED_OPEN:
        retry = null;
        break;
      case HALF_OPEN:
        retry = judged(s.reason) && s.lastTrialNanos != Long.MIN_VALUE
            ? Duration.ofNanos(Math.max(0, trialNanos - (now - s.lastTrialNanos)) + slackNanos)
            : Duration.ofNanos(slackNanos);
        break;
      default:
        retry = Duration.ZERO;
    }
    boolean openish = isOpenish(s.state);
    return new dev.runaway.CircuitOpenException(service, key, s.state, openish ? s.reason : null,
        openish ? s.detail : null, retry);
  }

  /** Shows the name and the state; reading it never changes the state. */
  @Override
  public String toString() {
    Snapshot s = ref.get();
    State shown = s.state == OPEN && isDue(s, NO_TIME) ? HALF_OPEN : s.state;
    return "CircuitBreaker[" + name + ", " + shown + (isOpenish(shown) && s.reason != null ? " (" + s.reason + ")" : "")
        + "]";
  }

  private static boolean isOpenish(State st) {
    return st == OPEN || st == HALF_OPEN || st == FORCED_OPEN;
  }

  /**
   * Reads the snapshot, first moving an open breaker whose wait has passed to half-open, and
   * closing a spend trip whose caller has calmed down.
   */
  private Snapshot current() {
    Snapshot s = ref.get();
    if (s.state == OPEN) {
      s = openToHalfOpenIfDue(s, NO_TIME);
    }
    if ((s.state == OPEN || s.state == HALF_OPEN) && judged(s.reason)) {
      s = closeIfQuiet(s, ticker.nanoTime());
    }
    return s;
  }

  /**
   * Closes a spend trip once the caller's attempt rate has stayed under the threshold for the
   * confirmation period; an open breaker waits out its wait first unless half-open is manual.
   */
  private Snapshot closeIfQuiet(Snapshot s, long now) {
    while ((s.state == HALF_OPEN || s.state == OPEN && config.automaticHalfOpen()) && judged(s.reason)
        && gate.quiet(now)) {
      if (s.state == OPEN && now - s.openedAtNanos < s.waitNanos) {
        return s;
      }
      Snapshot next = s.closedAt(now);
      if (ref.compareAndSet(s, next)) {
        publish(s, next, null, "the caller calmed down: " + gate.describe(now));
        return next;
      }
      s = ref.get();
    }
    return s;
  }

  private boolean isDue(Snapshot s, long now) {
    return config.automaticHalfOpen() && (now == NO_TIME ? ticker.nanoTime() : now) - s.openedAtNanos >= s.waitNanos;
  }

  /** Returns the snapshot after a due OPEN -> HALF_OPEN transition, made by whoever wins the CAS. */
  private Snapshot openToHalfOpenIfDue(Snapshot s, long now) {
    while (s.state == OPEN && isDue(s, now)) {
      Snapshot next = new Snapshot(HALF_OPEN, s.reason, s.detail, s.openedAtNanos, 0, 0, 0, s.seq + 1,
          s.waitNanos, s.retrips, s.lastClosedNanos, Long.MIN_VALUE);
      if (ref.compareAndSet(s, next)) {
        String waited = Durations.human(s.waitNanos);
        publish(s, next, null, judged(s.reason)
            ? "waited " + waited + " in open state; one trial call per "
                + Durations.human(trialNanos) + " until the caller calms down"
            : "waited " + waited + " in open state; letting " + config.permittedCallsInHalfOpenState()
                + " trial call(s) through");
        return next;
      }
      s = ref.get();
    }
    return s;
  }

  /** Called once by the thread whose CAS installed {@code to}; never inside a CAS loop's decision. */
  private void publish(Snapshot from, Snapshot to, TripReason reason, String detail) {
    StateTransition t = new StateTransition(name, from.state, to.state, reason, detail, ticker.instant());
    if (to.state == OPEN || to.state == FORCED_OPEN) {
      LOG.info("Circuit breaker {}: {} -> {} ({}: {})", name, from.state, to.state, reason, detail);
    } else {
      LOG.info("Circuit breaker {}: {} -> {} ({})", name, from.state, to.state, detail);
    }
    undelivered.put(to.seq, t);
    drain();
  }

  /**
   * Delivers published transitions in sequence order. One thread at a time drains; a thread that
   * finds the drain busy leaves its transition for the drainer, which loops until no work was
   * added meanwhile. A listener that changes the breaker therefore sees its own transition
   * delivered after it returns, not recursively.
   */
  private void drain() {
    if (drainWip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      Map.Entry<Long, StateTransition> head;
      while ((head = undelivered.firstEntry()) != null && head.getKey() == nextToDeliver) {
        undelivered.remove(head.getKey());
        nextToDeliver++;
        deliver(head.getValue());
      }
      missed = drainWip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void deliver(StateTransition t) {
    for (Consumer<StateTransition> listener : listeners) {
      try {
        listener.accept(t);
      } catch (Throwable e) {
        listenerFailed.log("Circuit breaker {}: a state change listener failed on {} -> {}", name, t.from(), t.to(), e);
      }
    }
  }

  /** The breaker's whole state, immutable; replaced as a unit by CAS. */
  private static final class Snapshot {
    static final Snapshot INITIAL = new Snapshot(CLOSED, null, "", 0, 0, 0, 0, 0, 0, 0, Long.MIN_VALUE,
        Long.MIN_VALUE);

    final State state;
    /** Why it opened (kept through half-open so that a failed trial re-opens with it). */
    final TripReason reason;
    final String detail;
    final long openedAtNanos;
    /** Consecutive failures while closed. */
    final int failures;
    /** Trial permits handed out while half-open. */
    final int issued;
    /** Trial calls that succeeded while half-open. */
    final int succeeded;
    /** Number of the transition that created this state; 0 for the initial state. */
    final long seq;
    /** How long this open period waits before half-open (longer after re-trips). */
    final long waitNanos;
    /** Spend re-trips in a row, each soon after the last close. */
    final int retrips;
    /** When the breaker last closed; {@code Long.MIN_VALUE} if never. */
    final long lastClosedNanos;
    /** When the last paced trial call of a spend trip was let through; {@code Long.MIN_VALUE} if none. */
    final long lastTrialNanos;

    Snapshot(State state, TripReason reason, String detail, long openedAtNanos, int failures, int issued,
        int succeeded, long seq, long waitNanos, int retrips, long lastClosedNanos, long lastTrialNanos) {
      this.state = state;
      this.reason = reason;
      this.detail = detail;
      this.openedAtNanos = openedAtNanos;
      this.failures = failures;
      this.issued = issued;
      this.succeeded = succeeded;
      this.seq = seq;
      this.waitNanos = waitNanos;
      this.retrips = retrips;
      this.lastClosedNanos = lastClosedNanos;
      this.lastTrialNanos = lastTrialNanos;
    }

    /** Closed now, remembering the re-trip count for the backoff. */
    Snapshot closedAt(long now) {
      return new Snapshot(CLOSED, null, "", 0, 0, 0, 0, seq + 1, waitNanos, retrips, now, Long.MIN_VALUE);
    }

    /** Opened now for a (possibly backed-off) wait. */
    Snapshot open(TripReason r, String d, long now, long wait, int retripCount) {
      return new Snapshot(OPEN, r, d, now, 0, 0, 0, seq + 1, wait, retripCount, lastClosedNanos, Long.MIN_VALUE);
    }

    /** Opened again for the plain wait (error-based breakers), keeping the backoff memory. */
    Snapshot reopen(TripReason r, String d, long now, long wait) {
      return new Snapshot(OPEN, r, d, now, 0, 0, 0, seq + 1, wait, retrips, lastClosedNanos, Long.MIN_VALUE);
    }

    Snapshot withFailures(int f) {
      return new Snapshot(state, reason, detail, openedAtNanos, f, issued, succeeded, seq, waitNanos, retrips,
          lastClosedNanos, lastTrialNanos);
    }

    Snapshot withIssued(int i) {
      return new Snapshot(state, reason, detail, openedAtNanos, failures, i, succeeded, seq, waitNanos, retrips,
          lastClosedNanos, lastTrialNanos);
    }

    Snapshot withSucceeded(int n) {
      return new Snapshot(state, reason, detail, openedAtNanos, failures, issued, n, seq, waitNanos, retrips,
          lastClosedNanos, lastTrialNanos);
    }

    Snapshot withTrialAt(long now) {
      return new Snapshot(state, reason, detail, openedAtNanos, failures, issued + 1, succeeded, seq, waitNanos,
          retrips, lastClosedNanos, now);
    }
  }
}
