package dev.runaway.monitor.internal;

import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.internal.AlertSink;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A notifier that hands alerts to a monitor's alerting once the monitor is built: what a guard
 * built before the monitor (the fleet breaker's) reports then reaches the monitor's notifiers,
 * with the monitor's de-duplication and retries. Before it is bound, and once the monitor is closed,
 * an alert goes to the log.
 *
 * <p>Thread-safe: the target is published through a volatile field.
 */
public final class AlertRelay implements Notifier {

  private static final Logger LOG = LoggerFactory.getLogger(AlertRelay.class);

  private volatile AlertSink target;

  /**
   * Binds the relay to the monitor's alerting; later alerts go there.
   *
   * @param sink the monitor's alert sink
   */
  public void bind(AlertSink sink) {
    this.target = Objects.requireNonNull(sink, "sink");
  }

  /**
   * Unbinds the relay if it is bound to {@code sink}; later alerts go to the log.
   *
   * @param sink the sink the monitor is closing
   */
  public void unbind(AlertSink sink) {
    if (target == sink) {
      target = null;
    }
  }

  @Override
  public void send(Alert alert) {
    AlertSink t = target;
    if (t != null) {
      t.accept(alert);
    } else {
      LOG.warn("Alert raised while the monitor is not built or closed, logged only: {} {} service={}: {}", alert.type(),
          alert.severity(), alert.service(), alert.title());
    }
  }

  @Override
  public String toString() {
    return "monitor alerting" + (target == null ? " (not built yet)" : "");
  }
}
