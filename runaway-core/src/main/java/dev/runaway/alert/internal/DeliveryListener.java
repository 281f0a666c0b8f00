package dev.runaway.alert.internal;

/**
 * Hears once what became of one dispatched alert: whether every notifier it was queued for
 * accepted it ({@link dev.runaway.alert.Notifier#send} returned), or not. Given to
 * {@link AlertDispatcher#dispatch(dev.runaway.alert.Alert, DeliveryListener)} by a caller that
 * must not record an alert as told before it was (the monitor's kept budget alerts).
 *
 * <p>Called exactly once per dispatch, except for a send that never returns (a notifier that
 * ignores the send timeout's interrupt): then it is not called at all, which a caller must read as
 * "not delivered". It runs on whatever thread settled the alert (a delivery thread, the thread
 * closing the dispatcher, or the dispatching thread for an alert no queue took); it must be quick,
 * must not block and should not throw (what it throws is logged at DEBUG and ignored).
 */
@FunctionalInterface
public interface DeliveryListener {

  /**
   * Says what became of the alert.
   *
   * @param delivered {@code true} if every notifier it was queued for accepted it; {@code false} if
   *     any of them did not: its queue was full, its delivery was given up (attempts exhausted, a
   *     failure the notifier calls permanent) or dropped at close, or the alert was suppressed as
   *     a duplicate, collapsed into a flapping digest, or dispatched to a closed dispatcher
   */
  void settled(boolean delivered);
}
