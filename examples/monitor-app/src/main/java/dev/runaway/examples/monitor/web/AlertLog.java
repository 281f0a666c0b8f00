package dev.runaway.examples.monitor.web;

import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A notifier that keeps the last {@value #CAPACITY} alerts for the status page. Circuit breaker
 * alerts are the monitor's actions (it opened or closed a breaker) and are listed as such.
 *
 * <p>Thread-safe.
 */
public final class AlertLog implements Notifier {

  /** How many alerts are kept. */
  public static final int CAPACITY = 50;

  private final Deque<Alert> alerts = new ArrayDeque<>();

  /** Creates an empty log. */
  public AlertLog() {}

  @Override
  public synchronized void send(Alert alert) {
    alerts.addFirst(alert);
    while (alerts.size() > CAPACITY) {
      alerts.pollLast();
    }
  }

  /**
   * Returns the kept alerts, newest first.
   *
   * @return a copy
   */
  public synchronized List<Alert> recent() {
    return new ArrayList<>(alerts);
  }

  @Override
  public String toString() {
    return "AlertLog";
  }
}
