package dev.runaway.internal;

import dev.runaway.alert.Alert;

/** Where the guard and monitor hand alerts over; never blocks and never throws. */
public interface AlertSink extends AutoCloseable {

  /**
   * Hands an alert over for delivery.
   *
   * @param alert the alert
   */
  void accept(Alert alert);

  /** Delivers what is pending within a bound and releases resources. */
  @Override
  void close();
}
