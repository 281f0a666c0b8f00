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
   * @throws Exception if delivery failed; the dispatcher retries with backoff unless
   *     {@link #retryable(Exception)} says retrying cannot help
   */
  void send(Alert alert) throws Exception;

  /**
   * Says whether sending the same alert again may succeed after {@link #send(Alert)} failed with
   * {@code failure}. When it returns {@code false} (a rejected credential, a destination that
   * refuses the bot, a malformed request) the dispatcher gives up at once: one ERROR naming the
   * failure, and the alert is counted as undelivered and named in the next report of undelivered
   * alerts, instead of being retried with backoff. Called by the dispatcher on the sending
   * thread, right after {@code send} threw; it must not throw.
   *
   * @param failure what {@code send} threw
   * @return {@code true} (the default) to retry with backoff, {@code false} if retrying cannot help
   */
  default boolean retryable(Exception failure) {
    return true;
  }

  /** Releases resources; the default does nothing. */
  @Override
  default void close() {}
}
