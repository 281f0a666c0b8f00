package dev.runaway.examples.monitor;

import dev.runaway.Budget;
import dev.runaway.ServiceSnapshot;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The compact status table {@code start} prints after each round: per service its health, spend
 * this hour and day against the budgets, the burn rate against its baseline, the breaker's state
 * and the last error.
 */
final class StatusTable {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final String[] HEADER = {"SERVICE", "TYPE", "STATE", "HOUR", "DAY", "RATE / BASELINE", "BREAKER",
      "LAST ERROR"};
  private static final int MAX_ERROR = 90;

  private StatusTable() {}

  /** Prints the table of every configured service, skipped ones included. */
  static void print(PrintWriter out, RunawayMonitor monitor, Instant now, int round) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (MonitorStatus s : monitor.status().values()) {
      ServiceSnapshot snap = null;
      if (s.health() != MonitorStatus.Health.SKIPPED) {
        try {
          snap = monitor.snapshot(s.service());
        } catch (IllegalArgumentException e) {
          snap = null;
        }
      }
      rows.add(row(s, snap));
    }
    out.printf(Locale.ROOT, "Round %d at %s%n", round, TIME.format(now));
    int[] widths = new int[HEADER.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder("  ");
      for (int i = 0; i < r.length; i++) {
        sb.append(i == r.length - 1 ? r[i] : pad(r[i], widths[i] + 2));
      }
      out.println(sb.toString().stripTrailing());
    }
    out.flush();
  }

  static String[] row(MonitorStatus s, ServiceSnapshot snap) {
    String hour = "-";
    String day = "-";
    String rate = "-";
    String breaker = "-";
    if (snap != null) {
      hour = window(snap, Duration.ofHours(1));
      day = window(snap, Duration.ofDays(1));
      rate = rate(snap);
      breaker = snap.breakerState().name();
    }
    String error = s.lastError() == null ? "-" : oneLine(s.lastError());
    return new String[] {s.service(), s.type(), s.health().name(), hour, day, rate, breaker, error};
  }

  /** Spend in the budget window of that length, against its limit; "-" without such a budget. */
  static String window(ServiceSnapshot snap, Duration length) {
    for (ServiceSnapshot.WindowSnapshot w : snap.windows()) {
      Budget b = w.budget();
      if (b.window().equals(length)) {
        return Dollars.of(w.spent().plus(w.reserved())) + " / " + Dollars.of(b.limit())
            + String.format(Locale.ROOT, " (%.0f%%)", 100 * w.fraction());
      }
    }
    return "-";
  }

  static String rate(ServiceSnapshot snap) {
    String now = Dollars.perHour(snap.costPerHour());
    if (!snap.baselineReady()) {
      return now + " (baseline warming up)";
    }
    double ratio = snap.rateRatio();
    String x = Double.isInfinite(ratio) ? "new" : String.format(Locale.ROOT, "%.1fx", ratio);
    return now + " / " + Dollars.perHour(snap.baselineCostPerHour()) + " (" + x + ")";
  }

  private static String oneLine(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ');
    return one.length() <= MAX_ERROR ? one : one.substring(0, MAX_ERROR - 3) + "...";
  }

  private static String pad(String s, int width) {
    StringBuilder sb = new StringBuilder(s);
    while (sb.length() < width) {
      sb.append(' ');
    }
    return sb.toString();
  }
}
