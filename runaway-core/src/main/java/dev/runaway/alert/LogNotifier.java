package dev.runaway.alert;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Notifier} that writes each alert as one log line through SLF4J: at WARN for
 * {@link Severity#WARNING} and {@link Severity#CRITICAL}, at INFO for {@link Severity#INFO}.
 *
 * <p>The line holds the type, severity, service, key, title, facts and detail, for example
 * {@code CIRCUIT_BREAKER CRITICAL service=openai: Circuit breaker OPEN: openai calls are refused
 * [breaker=OPEN, ...] - Calls fail fast. ... To close it by hand: guard.breaker("openai").reset(); ...}.
 * Line breaks inside values are replaced by spaces so that one alert stays one line. The detail
 * comes last, after {@code " - "}: it says what to do (how to close a breaker, how to undo an
 * action), and the log is where alerts go when no notifier is configured.
 *
 * <p>This is where alerts go when no notifier is configured; add it explicitly to keep a log
 * record besides other notifiers, or name it {@code "log": {}} in the config's
 * {@code notifications}. Logger name: {@code dev.runaway.alert.LogNotifier}.
 *
 * <p>Stateless and thread-safe.
 */
public final class LogNotifier implements Notifier {

  private static final Logger LOG = LoggerFactory.getLogger(LogNotifier.class);

  /** Creates a log notifier. */
  public LogNotifier() {}

  /**
   * Logs the alert as one line.
   *
   * @param alert the alert
   */
  @Override
  public void send(Alert alert) {
    String line = format(alert);
    if (alert.severity() == Severity.INFO) {
      LOG.info("{}", line);
    } else {
      LOG.warn("{}", line);
    }
  }

  /**
   * Formats an alert as the one line this notifier logs.
   *
   * @param alert the alert
   * @return the line
   */
  public static String format(Alert alert) {
    StringBuilder sb = new StringBuilder(128);
    sb.append(alert.type()).append(' ').append(alert.severity()).append(" service=").append(oneLine(alert.service()));
    if (alert.key() != null) {
      sb.append(" key=").append(oneLine(alert.key()));
    }
    sb.append(": ").append(oneLine(alert.title()));
    if (!alert.facts().isEmpty()) {
      sb.append(" [");
      boolean first = true;
      for (Map.Entry<String, String> e : alert.facts().entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        sb.append(oneLine(e.getKey())).append('=').append(oneLine(e.getValue()));
      }
      sb.append(']');
    }
    if (alert.detail() != null && !alert.detail().isBlank()) {
      sb.append(" - ").append(oneLine(alert.detail()));
    }
    return sb.toString();
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "null";
    }
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
  }

  @Override
  public String toString() {
    return "LogNotifier";
  }
}
