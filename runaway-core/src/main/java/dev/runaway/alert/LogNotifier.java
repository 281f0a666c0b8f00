package dev.runaway.alert;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Notifier} that writes each alert as one log line through SLF4J: at WARN for
 * {@link Severity#WARNING} and {@link Severity#CRITICAL}, at INFO for {@link Severity#INFO}.
 *
 * <p>The line holds the type, severity, service, key, title and facts, for example
 * {@code USAGE_SPIKE CRITICAL service=openai key=tenant-42: Spend at 12x baseline [spent=$1.20, baseline=$0.10]}.
 * Line breaks inside values are replaced by spaces so that one alert stays one line. The
 * {@code detail} is left out; the facts carry the figures.
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
