package dev.runaway.monitor;

/**
 * Polls one service's own usage or billing API.
 *
 * <p>Lifecycle: created once by its {@link DetectorProvider}; {@link #poll(PollContext)} is
 * called by the monitor every {@code monitoring_interval}, never concurrently with itself (polls
 * of one detector never overlap), possibly from different threads; {@link #close()} is called
 * once when the monitor closes. A detector that throws is reported as one {@code SERVICE_STATUS}
 * alert and polled again next round; it never stops the other detectors.
 */
public interface Detector extends AutoCloseable {

  /**
   * Returns the name of the service this detector reports on (the config's service name).
   *
   * @return the service name
   */
  String service();

  /**
   * Reports the service's usage from {@code ctx.since()} to {@code ctx.now()}.
   *
   * <p>What a detector remembers between polls (cursors, rows already counted) should change only
   * when the poll returns its report: a poll that throws or is interrupted (the monitor's poll
   * timeout, or close) is retried with the same {@code since} and must count that usage again. A
   * report returned after the poll timeout is still counted.
   *
   * @param ctx the span to report and the monitor's settings
   * @return the usage
   * @throws PollException when the service refused or failed in a known way (with the wait it
   *     asked for, if any)
   * @throws InterruptedException if the monitor is closing
   * @throws Exception for anything else
   */
  UsageReport poll(PollContext ctx) throws Exception;

  /** Releases resources; the default does nothing. */
  @Override
  default void close() {}
}
