package dev.runaway.alert.internal;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.StateTransition;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Turns circuit breaker state changes into {@link AlertType#CIRCUIT_BREAKER} alerts, so that the
 * guard and the monitor word them alike. Register it as a breaker listener that dispatches:
 * {@code breaker.onStateChange(t -> dispatcher.dispatch(BreakerAlerts.alertFor(t)))}.
 *
 * <p>Severities are chosen for the dispatcher's episodes: opening is CRITICAL; half-open is INFO
 * (suppressed inside the episode); closing is INFO with {@code resolved=true} (the episode's one
 * resolution); disabling is WARNING. Facts: {@code breaker} (the new state), {@code from},
 * {@code reason} when the breaker opened, {@code resolved} when it closed.
 *
 * <p>Stateless and thread-safe.
 */
public final class BreakerAlerts {

  private BreakerAlerts() {}

  /**
   * Returns the alert for one state change; the breaker's name is the alert's service.
   *
   * @param t the state change
   * @return the alert
   */
  public static Alert alertFor(StateTransition t) {
    Objects.requireNonNull(t, "t");
    String service = t.breaker();
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("breaker", t.to().name());
    facts.put("from", t.from().name());
    if (t.reason() != null) {
      facts.put("reason", t.reason().name());
    }
    Severity severity;
    String title;
    switch (t.to()) {
      case OPEN:
        severity = Severity.CRITICAL;
        title = "Circuit breaker for " + service + " opened" + (t.reason() == null ? "" : " (" + t.reason() + ")")
            + ": calls are refused";
        break;
      case FORCED_OPEN:
        severity = Severity.CRITICAL;
        title = "Circuit breaker for " + service + " forced open: calls are refused until it is reset";
        break;
      case HALF_OPEN:
        severity = Severity.INFO;
        title = "Circuit breaker for " + service + " half-open: letting trial calls through";
        break;
      case CLOSED:
        severity = Severity.INFO;
        title = "Circuit breaker for " + service + " closed: calls flow again";
        facts.put("resolved", "true");
        break;
      case DISABLED:
        severity = Severity.WARNING;
        title = "Circuit breaker for " + service + " disabled: calls are not protected until it is reset";
        break;
      default:
        throw new IllegalArgumentException("unknown state " + t.to());
    }
    return new Alert(AlertType.CIRCUIT_BREAKER, severity, service, null, title, t.detail(), t.time(), facts);
  }
}
