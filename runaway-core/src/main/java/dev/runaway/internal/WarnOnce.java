package dev.runaway.internal;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Logs a recurring problem at WARN the first time and at DEBUG afterwards, so a failing piece of
 * user code is reported without flooding the log. The one helper for this across the modules.
 *
 * <p>Two forms: {@link #log} warns once for the whole instance; {@link #warn} warns once per key
 * (an unknown model, a notifier), remembering at most {@value #KEY_LIMIT} keys, after which
 * new keys stay at DEBUG so a stream of distinct keys cannot grow memory without bound. The WARN
 * line ends with a suffix saying further occurrences go to DEBUG (by default
 * {@value #DEFAULT_SUFFIX}); the DEBUG lines carry the message alone.
 *
 * <p>Thread-safe.
 */
public final class WarnOnce {

  /** The suffix of the first (WARN) line unless another is given. */
  public static final String DEFAULT_SUFFIX = " (further occurrences are logged at DEBUG)";
  /** How many keys {@link #warn} remembers. */
  public static final int KEY_LIMIT = 4096;

  private final Logger log;
  private final String suffix;
  private final AtomicBoolean warned = new AtomicBoolean();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /**
   * Creates one for a logger, with the {@linkplain #DEFAULT_SUFFIX default suffix}.
   *
   * @param log the logger
   */
  public WarnOnce(Logger log) {
    this(log, DEFAULT_SUFFIX);
  }

  /**
   * Creates one for a logger with the suffix of its WARN line.
   *
   * @param log the logger
   * @param warnSuffix appended to the format of the WARN line, e.g. {@code " (further failures at DEBUG)"}
   */
  public WarnOnce(Logger log, String warnSuffix) {
    this.log = Objects.requireNonNull(log, "log");
    this.suffix = Objects.requireNonNull(warnSuffix, "warnSuffix");
  }

  /**
   * Logs the problem: WARN the first time this instance logs, DEBUG after.
   *
   * @param format an SLF4J format
   * @param args its arguments (a trailing Throwable is logged as such)
   */
  public void log(String format, Object... args) {
    emit(warned.compareAndSet(false, true), format, args);
  }

  /**
   * Logs the problem: WARN the first time {@code key} is seen, DEBUG after.
   *
   * @param key what the message is about
   * @param format an SLF4J format
   * @param args its arguments (a trailing Throwable is logged as such)
   * @return {@code true} if it was logged at WARN
   */
  public boolean warn(String key, String format, Object... args) {
    boolean first = seen.size() < KEY_LIMIT && seen.add(key);
    emit(first, format, args);
    return first;
  }

  /**
   * Marks {@code key} as seen, for a message the caller logs itself (once, with no DEBUG repeats).
   *
   * @param key what the message is about
   * @return {@code true} the first time, {@code false} after (and once the key limit is reached)
   */
  public boolean firstTime(String key) {
    return seen.size() < KEY_LIMIT && seen.add(key);
  }

  private void emit(boolean first, String format, Object... args) {
    if (first) {
      log.warn(format + suffix, args);
    } else if (log.isDebugEnabled()) {
      log.debug(format, args);
    }
  }
}
