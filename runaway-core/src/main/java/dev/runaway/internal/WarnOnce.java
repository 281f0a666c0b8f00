package dev.runaway.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Logs a recurring problem at WARN the first time and at DEBUG afterwards, so a failing piece of
 * user code is reported without flooding the log.
 *
 * <p>Thread-safe.
 */
public final class WarnOnce {

  private final Logger log;
  private final AtomicBoolean warned = new AtomicBoolean();

  /**
   * Creates one for a logger.
   *
   * @param log the logger
   */
  public WarnOnce(Logger log) {
    this.log = log;
  }

  /**
   * Logs the problem.
   *
   * @param format an SLF4J format
   * @param args its arguments (a trailing Throwable is logged as such)
   */
  public void log(String format, Object... args) {
    if (warned.compareAndSet(false, true)) {
      log.warn(format + " (further occurrences are logged at DEBUG)", args);
    } else if (log.isDebugEnabled()) {
      log.debug(format, args);
    }
  }
}
