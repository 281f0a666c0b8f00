package dev.runaway.providers.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a message at WARN the first time for a key and at DEBUG afterwards, so a recurring
 * problem (an unknown model, an unreadable result type) is reported without flooding the log.
 *
 * <p>Thread-safe; remembers at most a few thousand keys, then stays at DEBUG.
 */
public final class WarnOnce {

  private static final int LIMIT = 4096;

  private final Logger log;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /**
   * Creates a reporter.
   *
   * @param log the logger
   */
  public WarnOnce(Logger log) {
    this.log = log;
  }

  /**
   * Logs {@code format} with {@code args}: WARN the first time {@code key} is seen, DEBUG after.
   *
   * @param key what the message is about
   * @param format an SLF4J format
   * @param args its arguments
   * @return {@code true} if it was logged at WARN
   */
  public boolean warn(String key, String format, Object... args) {
    boolean first = seen.size() < LIMIT && seen.add(key);
    if (first) {
      log.warn(format, args);
    } else if (log.isDebugEnabled()) {
      log.debug(format, args);
    }
    return first;
  }
}
