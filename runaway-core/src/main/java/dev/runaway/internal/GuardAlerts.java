package dev.runaway.internal;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ServiceSnapshot;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Builds the alerts the guard and the monitor raise, with the figures behind them as facts. */
public final class GuardAlerts {

  private GuardAlerts() {}

  /**
   * A budget passed a share of its limit.
   *
   * @param snapshot the service's snapshot at the time
   * @param budget the budget
   * @param used spent plus reserved
   * @param percent the threshold crossed, 80 or 100 (see the other overload)
   * @param scope who is watching ("this process", "account-wide")
   * @return the alert
   */
  public static Alert threshold(ServiceSnapshot snapshot, Budget budget, long used, int percent, String scope) {
    return threshold(snapshot, budget, used, percent, scope, Refusal.CALLS_REFUSED);
  }

  /** What follows a used-up budget or a runaway where it is seen. */
  public enum Refusal {
    /** A guard refuses the calls: the guard's own budgets, or a monitor with a guard attached. */
    CALLS_REFUSED,
    /** A monitor without a guard, whose service has an emergency stop ({@code on_runaway}). */
    EMERGENCY_STOP,
    /** A monitor without a guard and without an emergency stop: it only alerts. */
    ALERT_ONLY
  }

  /**
   * A budget passed a share of its limit, saying what follows where it is seen.
   *
   * @param snapshot the service's snapshot at the time
   * @param budget the budget
   * @param used spent plus reserved
   * @param percent the threshold crossed, 80 or 100; 100 also for a call refused while the budget
   *     still has a little left (the title then says "too low for the next call"). The alert's
   *     {@code percent} fact is the share really used, not this threshold
   * @param scope who is watching ("this process", "account-wide")
   * @param refusal what follows a used-up budget here
   * @return the alert
   */
  public static Alert threshold(ServiceSnapshot snapshot, Budget budget, long used, int percent, String scope,
      Refusal refusal) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("budget", budget.describe());
    facts.put("spent", money(used / 1e9));
    facts.put("limit", budget.limit().toString());
    // The share really used: a refusal below the limit said 100 beside "$0.75 of $1.00 used".
    facts.put("percent", Long.toString(percentOf(used, budget.limit().nanos())));
    facts.put("scope", scope);
    addRates(facts, snapshot);
    // At 100% a call was refused; the budget may still have a little left that the call needed more than.
    boolean full = used >= budget.limit().nanos();
    String title = (percent < 100 ? percent + "% of budget used: " : full ? "Budget exhausted: "
        : "Budget too low for the next call: ") + who(snapshot) + " " + budget.describe();
    String detail = money(used / 1e9) + " of " + budget.limit() + " used (" + scope + ")."
        + (percent < 100 ? "" : refusal != Refusal.CALLS_REFUSED ? unrefused(refusal)
            : full ? " Calls that need more are refused until spend rolls off."
            : " Calls that need more than the " + money((budget.limit().nanos() - used) / 1e9)
                + " left are refused until spend rolls off.");
    if (percent >= 100 && refusal != Refusal.CALLS_REFUSED) {
      // A notifier's default next step for a used-up budget is "calls may be refused": not here.
      facts.put("action", (refusal == Refusal.EMERGENCY_STOP ? "The emergency stop's own alert says what it did."
          + " Find" : "Nothing here refuses its calls: find") + " what spends on " + who(snapshot)
          + " and stop it; raise the budget only if this spend is expected.");
    }
    return new Alert(AlertType.COST_THRESHOLD, percent >= 100 ? Severity.CRITICAL : Severity.WARNING,
        snapshot.service(), snapshot.key(), title, detail, snapshot.time(), facts);
  }

  /** What a monitor without a guard says instead of "calls are refused". */
  private static String unrefused(Refusal refusal) {
    // The monitor's own breaker shows OPEN on its status page, but it guards no call: say what acts.
    return refusal == Refusal.EMERGENCY_STOP
        ? " Nothing here refuses an application's calls (no guard attached); the service's emergency stop (on_runaway)"
            + " applies as its on_runaway policy allows (min_ratio, on_budget): its own alert says what it did."
        : " Nothing here refuses an application's calls (no guard attached): stop the caller.";
  }

  /**
   * A call refused because its own estimate is larger than a budget's whole limit: raised once per
   * budget (per key for a per-key budget), not a 100% alert, since the money was not spent. The
   * {@code percent} fact is the share really used.
   *
   * @param snapshot the service's snapshot at the time
   * @param budget the budget
   * @param used spent plus reserved
   * @param requested the refused call's estimate, above the limit
   * @param scope who is watching ("this process")
   * @return the alert
   */
  public static Alert callLargerThanBudget(ServiceSnapshot snapshot, Budget budget, long used, long requested,
      String scope) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("budget", budget.describe());
    facts.put("spent", money(used / 1e9));
    facts.put("limit", budget.limit().toString());
    facts.put("percent", Long.toString(percentOf(used, budget.limit().nanos())));
    facts.put("requested", Cost.ofNanos(requested).toString());
    facts.put("scope", scope);
    String title = "One call costs more than the whole budget: " + who(snapshot) + " " + budget.describe();
    String detail = "A call expecting " + Cost.ofNanos(requested) + " was refused: that is more than the whole "
        + budget.limit() + " limit, so it can never be admitted (" + money(used / 1e9) + " of " + budget.limit()
        + " used, " + percentOf(used, budget.limit().nanos()) + "%, " + scope + "). Raise the budget above "
        + Cost.ofNanos(requested) + " or lower the call's estimate (for an LLM call, its max tokens).";
    return new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, snapshot.service(), snapshot.key(), title, detail,
        snapshot.time(), facts);
  }

  /**
   * The share of a limit used, in whole percent rounded down, in integer arithmetic.
   *
   * @param used nano-dollars used
   * @param limit the limit in nano-dollars
   * @return the percent; 0 when nothing is used or the limit is not positive
   */
  public static long percentOf(long used, long limit) {
    if (limit <= 0 || used <= 0) {
      return 0;
    }
    return used <= Long.MAX_VALUE / 100 ? used * 100 / limit : used / Math.max(1, limit / 100);
  }

  /**
   * A burn-rate event of a meter: a spike, a runaway, or the end of an episode.
   *
   * @param snapshot the service's snapshot
   * @param event the event
   * @param detection the meter's settings (its spike and breaker multipliers, and whether rises no
   *     higher than the service's usual peaks are alerted)
   * @param scope who is watching
   * @param breakerOpens whether a runaway opens a breaker here (breakers enabled, and for the
   *     monitor, a guard attached that guards this service)
   * @return the alert
   */
  public static Alert usage(ServiceSnapshot snapshot, MeterEvent event, DetectionSettings detection, String scope,
      boolean breakerOpens) {
    return usage(snapshot, event, detection, scope, breakerOpens ? Refusal.CALLS_REFUSED : Refusal.ALERT_ONLY);
  }

  /**
   * A burn-rate event of a meter, saying what follows a runaway where it is seen.
   *
   * @param snapshot the service's snapshot
   * @param event the event
   * @param detection the meter's settings (its spike and breaker multipliers, and whether rises no
   *     higher than the service's usual peaks are alerted)
   * @param scope who is watching
   * @param refusal what follows a runaway here: a breaker that opens, an emergency stop, or nothing
   * @return the alert
   */
  public static Alert usage(ServiceSnapshot snapshot, MeterEvent event, DetectionSettings detection, String scope,
      Refusal refusal) {
    double spikeMultiplier = detection.spikeMultiplier();
    double breakerMultiplier = detection.breakerMultiplier();
    Map<String, String> facts = new LinkedHashMap<>();
    addRates(facts, snapshot);
    facts.put("scope", scope);
    String channel = event == MeterEvent.CALL_SPIKE || event == MeterEvent.CALL_RUNAWAY ? "call rate" : "spend rate";
    if (event == MeterEvent.RESOLVED) {
      facts.put("resolved", "true");
      return new Alert(AlertType.USAGE_SPIKE, Severity.INFO, snapshot.service(), snapshot.key(),
          "Usage back to normal: " + who(snapshot), "The spike episode is over (" + scope + ").", snapshot.time(),
          facts);
    }
    boolean runaway = event.isRunaway();
    facts.put("threshold_multiplier", fmt(runaway ? breakerMultiplier : spikeMultiplier));
    // The multiplier fact is the alerted channel's, as in the title; a call alert keeps the spend
    // ratio apart, so the title and the facts never show two different figures for one word.
    String ratio = ratioText(snapshot, event);
    if (ratio.endsWith("x")) {
      String spend = facts.put("multiplier", ratio);
      if (spend != null && (event == MeterEvent.CALL_SPIKE || event == MeterEvent.CALL_RUNAWAY)) {
        facts.put("spend_multiplier", spend);
      }
    }
    String title = (runaway ? "Runaway: " : "Usage spike: ") + who(snapshot) + " " + channel + " "
        + ratioText(snapshot, event) + " baseline";
    // A spike episode is also opened by the sustained-rise test, below the spike multiplier (a 2.6x
    // alert read "above 3.0x the learned baseline" beside its own 2.6x; nu34 trial): say both ways in.
    // After a week of history a rise must also pass the service's usual-peak bar, which may be far
    // above the spike multiple: "a spike alerts at 3.0x" alone read as if 3x were the bar in force.
    // The meter does not say which bar was in force, so the text says how the bars are set (1.25:
    // BurnRateMeter.USUAL_PEAK_MARGIN; two days: BurnRateMeter.TOLD_NANOS).
    String detail = !runaway
        ? channel + " well above the learned baseline (" + scope + "): a spike alerts at " + fmt(spikeMultiplier)
            + "x within a minute, a rise held for several minutes lower."
            + (detection.alertOnUsualPeaks() ? "" : " Once the service has a week of history, only a rise above"
                + " 1.25x its usual peak (the second-highest day of the last 7) is alerted, and for two days after"
                + " an alert only one above 1.25x the rise alerted, where such a bar is the higher one.")
        : channel + " above " + fmt(breakerMultiplier) + "x the learned baseline (" + scope + ")."
            + (refusal == Refusal.CALLS_REFUSED ? " The circuit breaker opens."
            : refusal == Refusal.EMERGENCY_STOP ? unrefused(refusal)
            : " No breaker is opened here (breakers disabled or no guard attached): stop the caller.");
    if (runaway && refusal != Refusal.CALLS_REFUSED) {
      // The meter's breaker may read OPEN, but it guards no call here: there is nothing to reset.
      facts.put("action", "Find the loop or retry storm calling " + who(snapshot) + " and stop it"
          + (refusal == Refusal.EMERGENCY_STOP ? "; the emergency stop's own alert says what it did." : ":"
          + " nothing here refuses its calls."));
    }
    return new Alert(AlertType.USAGE_SPIKE, runaway ? Severity.CRITICAL : Severity.WARNING, snapshot.service(),
        snapshot.key(), title, detail, snapshot.time(), facts);
  }

  /**
   * A breaker changed state.
   *
   * @param t the transition
   * @param service the service the breaker belongs to (a key's breaker is named {@code service[key]})
   * @param key the key whose breaker it is, or {@code null}
   * @param snapshot the snapshot after the transition, or {@code null}
   * @return the alert
   */
  public static Alert breaker(StateTransition t, String service, String key, ServiceSnapshot snapshot) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("breaker", t.to().name());
    facts.put("from", t.from().name());
    if (t.reason() != null) {
      facts.put("trip_reason", t.reason().name());
    }
    if (snapshot != null) {
      addRates(facts, snapshot);
      // The breaker this alert is about: a key's snapshot gives the service's state while the
      // service's breaker is open ("breaker=OPEN" beside a key's CLOSED -> FORCED_OPEN).
      facts.put("breaker", t.to().name());
    }
    boolean open = t.to() == CircuitBreaker.State.OPEN || t.to() == CircuitBreaker.State.FORCED_OPEN;
    if (!open && t.to() == CircuitBreaker.State.CLOSED) {
      facts.put("resolved", "true");
    }
    Severity severity = open ? Severity.CRITICAL : Severity.INFO;
    // A key's breaker is named "openai[t1]": the alert names the service and the key apart, or it
    // read "openai[t1] [t1]" and said to call guard.breaker("openai[t1]"), which has no such service.
    String who = service + (key == null ? "" : " [" + key + "]");
    String title = open ? "Circuit breaker OPEN: " + who + " calls are refused"
        : "Circuit breaker " + t.to() + ": " + who;
    boolean judged = t.reason() != null && t.reason() != TripReason.FAILURES && t.reason() != TripReason.MANUAL;
    String sep = t.detail().isEmpty() || t.detail().endsWith(".") ? " " : ". ";
    // How to close it by hand, named: "a manual reset" left the reader to find the method (nu30 trial).
    String byHand = " To close it by hand: " + resetHint(service, key) + "; with the standalone monitor: runaway-monitor"
        + " resume " + service + ".";
    String detail = t.detail() + (!open ? ""
        : t.to() == CircuitBreaker.State.FORCED_OPEN ? sep + "Calls fail fast until a manual reset." + byHand
        : judged ? sep + "Calls fail fast. The breaker judges the caller, not the API: it closes only once the"
            + " caller's attempts (refused ones counted) have stayed under the breaker threshold for the"
            + " confirmation period; meanwhile paced trial calls go through, and a re-trip doubles the wait."
            + byHand
        : sep + "Calls fail fast until the breaker lets trial calls through." + byHand);
    return new Alert(AlertType.CIRCUIT_BREAKER, severity, service, key, title, detail, t.time(), facts);
  }

  /**
   * The code that closes a service's or a key's breaker by hand.
   *
   * @param service the service
   * @param key the key, or {@code null} for the service's own breaker
   * @return like {@code guard.breaker("openai").reset()}
   */
  public static String resetHint(String service, String key) {
    return key == null ? "guard.breaker(\"" + service + "\").reset()"
        : "guard.service(\"" + service + "\").forKey(\"" + key + "\").breaker().reset()";
  }

  /**
   * A change of a service's or key's breaker that was restored from the state file at this process's start
   * and has not opened again here: its open period began in an earlier process, whose spend and
   * call rates this one never saw. The alert leaves the rate figures out (this process's, such as
   * {@code $0.00/h} at the close, would read as the episode's) and says where the breaker came from.
   *
   * @param t the transition
   * @param service the service the breaker belongs to
   * @param key the key whose breaker it is, or {@code null}
   * @param restored the breaker as the earlier process saved it
   * @return the alert
   */
  public static Alert restoredBreaker(StateTransition t, String service, String key, SavedBreakers.Entry restored) {
    Alert a = breaker(t, service, key, null);
    Map<String, String> facts = new LinkedHashMap<>(a.facts());
    facts.put("restored_from", "state file");
    facts.put(restored.openedAtKnown() ? "opened_at" : "opened_by",
        Instant.ofEpochSecond(0, restored.openedAtWall()).toString());
    String sep = a.detail().isEmpty() || a.detail().endsWith(".") ? " " : ". ";
    return new Alert(a.type(), a.severity(), a.service(), a.key(), a.title(), a.detail() + sep + "The breaker was "
        + restored.whenOpened() + " by an earlier process and restored from the state file when this one"
        + " started; the rates of that episode are not known here, so none is given.", a.time(), facts);
  }

  /**
   * A service's usage API stopped working: the one {@code SERVICE_STATUS} alert of a failure
   * episode. {@code CRITICAL} when a person must fix a credential, {@code WARNING} otherwise.
   *
   * @param service the service
   * @param type the detector type, such as {@code openai}
   * @param kind what kind of failure, such as {@code UNAUTHORIZED} or {@code TIMEOUT}
   * @param problem what happened and what to do; must already be free of secrets
   * @param critical whether a person must act (a refused credential)
   * @param retryAfter the wait the service asked for, or {@code null}
   * @param time when the failure was seen
   * @return the alert
   */
  public static Alert serviceDown(String service, String type, String kind, String problem, boolean critical,
      Duration retryAfter, Instant time) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("status", "failing");
    facts.put("kind", kind);
    facts.put("detector", type);
    facts.put("scope", "account-wide");
    if (retryAfter != null) {
      facts.put("retry_after", Durations.human(retryAfter));
    }
    // A notifier's default next step ("check its credentials and status page") fits one kind only.
    facts.put("action", "Spend on " + service + " is not watched until this recovers: " + switch (kind) {
      case "UNAUTHORIZED" -> "check the credential the alert names (its value, its permissions); a new value is read"
          + " when the monitor restarts.";
      case "RATE_LIMITED" -> "the monitor waits as the service asks and polls again; if this lasts, something else"
          + " may be using up the same rate limit.";
      case "BAD_RESPONSE" -> "check that base_url points at the service's API (a proxy or a login page answers with"
          + " something else); the monitor keeps polling.";
      case "MISCONFIGURED" -> "fix the setting the alert names and restart the monitor.";
      default -> "check the service's status page; the monitor keeps polling and says when it works again.";
    });
    String title = "Usage monitoring of " + service + " is failing: " + kind.toLowerCase(Locale.ROOT).replace('_', ' ');
    // The problem is often a clause ("... (HTTP 500: ...)", "...; retry in 20 s"): end its sentence.
    String stated = problem.strip();
    boolean ended = stated.endsWith(".") || stated.endsWith("!") || stated.endsWith("?");
    String detail = stated + (ended ? "" : ".")
        + " Until it works again the monitor does not see this service's account-wide spend;"
        + " budgets and breakers of the other services are unaffected.";
    return new Alert(AlertType.SERVICE_STATUS, critical ? Severity.CRITICAL : Severity.WARNING, service, null, title,
        detail, time, facts);
  }

  /**
   * A configured service that is not polled at all (a missing credential, a detector that could
   * not be created): the one {@code SERVICE_STATUS} alert of the monitor's run.
   *
   * @param service the service
   * @param type the detector type
   * @param reason why, short, for the title ("missing credential GITHUB_TOKEN")
   * @param detail why in full and what to do; must already be free of secrets
   * @param time when polling began
   * @return the alert
   */
  public static Alert serviceNotMonitored(String service, String type, String reason, String detail, Instant time) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("status", "not_monitored");
    facts.put("detector", type);
    facts.put("scope", "account-wide");
    facts.put("action", "Spend on " + service + " is not watched until this is fixed and the monitor restarted.");
    return new Alert(AlertType.SERVICE_STATUS, Severity.WARNING, service, null,
        "Usage monitoring of " + service + " is off: " + reason,
        "Service " + service + " (type " + type + ") is not polled: " + detail + " Until then the monitor does not"
            + " see this service's account-wide spend.", time, facts);
  }

  /**
   * A service's usage API works again after a failure episode: the one resolution alert.
   *
   * @param service the service
   * @param type the detector type
   * @param downFor how long it failed
   * @param failedPolls how many polls failed in the episode
   * @param time when it worked again
   * @return the alert
   */
  public static Alert serviceRecovered(String service, String type, Duration downFor, long failedPolls, Instant time) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("status", "ok");
    facts.put("detector", type);
    facts.put("scope", "account-wide");
    facts.put("down_for", Durations.human(downFor));
    facts.put("failed_polls", Long.toString(failedPolls));
    facts.put("resolved", "true");
    return new Alert(AlertType.SERVICE_STATUS, Severity.INFO, service, null,
        "Usage monitoring of " + service + " works again",
        "The usage API answered after " + Durations.human(downFor) + " and " + failedPolls + " failed poll"
            + (failedPolls == 1 ? "" : "s") + "; spend in the gap is picked up where the source allows.",
        time, facts);
  }

  /**
   * Says why the monitor trips a guard's breaker on an account-wide runaway, for the breaker's
   * detail and the {@link dev.runaway.CircuitOpenException} that callers see.
   *
   * @param snapshot the monitor's account-wide snapshot
   * @param event the runaway event
   * @param breakerMultiplier the configured breaker multiplier
   * @return the detail
   */
  public static String monitorRunawayDetail(ServiceSnapshot snapshot, MeterEvent event, double breakerMultiplier) {
    boolean calls = event == MeterEvent.CALL_RUNAWAY;
    return "the usage monitor sees " + snapshot.service() + "'s account-wide "
        + (calls ? "call rate " + fmt(snapshot.callsPerMinute()) + "/min" : "spend rate "
            + usdPerHour(snapshot.costPerHour()))
        + " above " + fmt(breakerMultiplier) + "x its baseline (" + ratioText(snapshot, event) + ")";
  }

  /**
   * Says why the monitor trips a guard's breaker on an account-wide budget that is used up.
   *
   * @param service the service
   * @param budget the budget
   * @param used the account-wide spend in its window
   * @return the detail
   */
  public static String monitorBudgetDetail(String service, Budget budget, long used) {
    return "the usage monitor sees " + service + "'s account-wide " + budget.describe() + " used up: "
        + money(used / 1e9) + " of " + budget.limit();
  }

  /**
   * The alert without the rate facts of its snapshot, for a key whose rates are not measured (a
   * key with per-key budgets but no per-key detection has no meter): its snapshot reads
   * {@code $0.00/h}, which beside "$0.30 of $0.30 used" in under a second read as the key's rate.
   *
   * @param a the alert
   * @return the alert without {@code rate}, {@code calls_per_minute}, {@code projected_hour},
   *     {@code projected_day}, {@code baseline} and {@code multiplier}
   */
  public static Alert withoutRates(Alert a) {
    Map<String, String> facts = new LinkedHashMap<>(a.facts());
    facts.keySet().removeAll(RATE_FACTS);
    return new Alert(a.type(), a.severity(), a.service(), a.key(), a.title(), a.detail(), a.time(), facts);
  }

  /** The facts {@link #addRates} derives from the meter's rates (what {@link #withoutRates} leaves out). */
  private static final java.util.List<String> RATE_FACTS = java.util.List.of("rate", "baseline", "multiplier",
      "calls_per_minute", "projected_hour", "projected_day");

  private static void addRates(Map<String, String> facts, ServiceSnapshot s) {
    facts.put("rate", usdPerHour(s.costPerHour()));
    if (s.baselineReady()) {
      facts.put("baseline", usdPerHour(s.baselineCostPerHour()));
      double ratio = s.rateRatio();
      if (Double.isFinite(ratio)) {
        facts.put("multiplier", fmt(ratio) + "x");
      }
    }
    if (Double.isFinite(s.callsPerMinute())) {
      facts.put("calls_per_minute", fmt(s.callsPerMinute()));
    }
    facts.put("projected_hour", money(s.projectedHour().toDouble()));
    facts.put("projected_day", money(s.projectedDay().toDouble()));
    Duration tte = s.timeToExhaustion();
    if (tte != null) {
      facts.put("time_to_exhaustion", Durations.human(tte));
    }
    facts.put("breaker", s.breakerState().name());
  }

  private static String ratioText(ServiceSnapshot s, MeterEvent e) {
    boolean calls = e == MeterEvent.CALL_SPIKE || e == MeterEvent.CALL_RUNAWAY;
    double cur = calls ? s.callsPerMinute() : s.costPerHour();
    double base = calls ? s.baselineCallsPerMinute() : s.baselineCostPerHour();
    if (!(base > 0) || !Double.isFinite(cur)) {
      return "far above";
    }
    return fmt(cur / base) + "x";
  }

  static String who(ServiceSnapshot s) {
    return s.service() + (s.key() == null ? "" : " [" + s.key() + "]");
  }

  /**
   * Formats dollars per hour.
   *
   * @param usdPerHour the rate
   * @return like {@code $12.50/h}
   */
  public static String usdPerHour(double usdPerHour) {
    if (!Double.isFinite(usdPerHour)) {
      return "n/a";
    }
    return money(usdPerHour) + "/h";
  }

  /**
   * Formats an estimated amount of dollars for people: whole cents from $1 ({@code $12.55}),
   * four significant digits below ({@code $0.004250}) so small rates stay readable. Exact
   * ledger amounts use {@link Cost#toString()} instead.
   *
   * @param usd the amount
   * @return the text
   */
  public static String money(double usd) {
    if (!Double.isFinite(usd)) {
      return "n/a";
    }
    double clamped = Math.max(-9.0e9, Math.min(9.0e9, usd));
    java.math.BigDecimal v = java.math.BigDecimal.valueOf(clamped);
    if (Math.abs(clamped) >= 1 || clamped == 0) {
      v = v.setScale(2, java.math.RoundingMode.HALF_UP);
    } else {
      v = v.round(new java.math.MathContext(4, java.math.RoundingMode.HALF_UP)).stripTrailingZeros();
      if (v.scale() < 2) {
        v = v.setScale(2, java.math.RoundingMode.UNNECESSARY);
      }
    }
    return (v.signum() < 0 ? "-$" : "$") + v.abs().toPlainString();
  }

  static String fmt(double d) {
    if (!Double.isFinite(d)) {
      return "n/a";
    }
    return d >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.1f", d);
  }

  /**
   * The time an alert carries.
   *
   * @param now the wall clock
   * @return the instant
   */
  static Instant at(Instant now) {
    return now;
  }
}
