package dev.runaway.alert;

/**
 * Delivers alerts to people: Telegram, the log, a pager, a chat webhook.
 *
 * <p>Lifecycle: created once, then {@link #send(Alert)} is called by the alert dispatcher on its
 * own thread, one alert at a time per notifier, never on the thread of a guarded call. It may
 * block (the dispatcher bounds how long it waits). {@link #close()} is called once when the guard
 * or monitor that owns the notifier closes.
 */
@FunctionalInterface
public interface Notifier extends AutoCloseable {

  /**
   * Delivers one alert, returning once it has been accepted by the destination.
   *
   * @param alert the alert
   * @throws Exception if delivery failed; the dispatcher retries with backoff
   */
  void send(Alert alert) throws Exception;

  /** Releases resources; the default does nothing. */
  @Override
  default void close() {}
}
