package dev.runaway.internal;

import dev.runaway.alert.Alert;
import dev.runaway.alert.internal.DeliveryListener;

/** Where the guard and monitor hand alerts over; never blocks and never throws. */
public interface AlertSink extends AutoCloseable {

  /**
   * Hands an alert over for delivery.
   *
   * @param alert the alert
   */
  void accept(Alert alert);

  /**
   * Hands an alert over for delivery and tells {@code listener} once whether it was delivered
   * ({@link DeliveryListener}): for a caller that must not record an alert as told before it was.
   * A sink that cannot tell says "not delivered", after handing it over; the default does so.
   *
   * @param alert the alert
   * @param listener told once whether the alert was delivered
   */
  default void accept(Alert alert, DeliveryListener listener) {
    try {
      accept(alert);
    } finally {
      listener.settled(false);
    }
  }

  /** Delivers what is pending within a bound and releases resources. */
  @Override
  void close();
}
