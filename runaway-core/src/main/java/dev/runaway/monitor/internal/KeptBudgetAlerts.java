package dev.runaway.monitor.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.internal.PersistentLedger;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor state file's {@value #SECTION} section: which account-wide 80% and 100% budget
 * alerts were raised and delivered, per service and budget, and when they were raised. A restarted
 * monitor (a cron job, a crash loop, a deploy) reads the services' cumulative figures again, since
 * spend is not saved for it; with this section it does not raise those alerts again in the window
 * they were raised in.
 *
 * <p><b>Delivered, not only raised.</b> An alert is kept only once every notifier it was sent to
 * accepted it (the log notifier, when it is one of them, at once; {@code DeliveryListener}), and
 * the file is written soon after. Until then the section holds the level delivered before it, if
 * any (an 80% alert delivered and a 100% one still being retried: the 80%). So a monitor that stops
 * before an alert was delivered (killed or crashed while the notifier is down and the dispatcher
 * retries, or stopped by a deploy with the alert still queued) raises it again after the restart:
 * at least once, a duplicate being possible (a crash after the delivery and before the next write,
 * a send that completes after the stop), a loss not. A delivery that is abandoned is not kept
 * either: retries exhausted, a failure the notifier calls permanent, dropped at a full queue or at
 * close, or suppressed by the dispatcher as a duplicate of an earlier alert. The running monitor
 * does not raise it again for that (its level stays raised in memory until the budget re-arms; the
 * dispatcher's ERROR and its later report of undelivered alerts name it); a restart does.
 *
 * <p><b>Windows.</b> An alert belongs to the window it was raised in: for a calendar-day budget the
 * day in its zone, for a sliding budget the window's length from when it was raised. A restarted
 * monitor restores an alert only while that window lasts and only for a budget of the same window
 * and limit (a changed limit alerts afresh); the next window alerts again, and so does a budget
 * that re-armed (its use fell below 40%, {@code BudgetThresholds}), since a re-armed budget is
 * not saved.
 *
 * <p><b>Versions.</b> A section of its own, so that releases that do not know it skip it (as they
 * skip every unknown section) and a file without it (an older release's, or one written before any
 * alert) restores nothing. The section starts with its version; one this release does not read is
 * skipped with one warning, like one that cannot be decoded.
 *
 * <p>Stateless; thread-safe.
 */
public final class KeptBudgetAlerts {

  private static final Logger LOG = LoggerFactory.getLogger(KeptBudgetAlerts.class);
  /** The section's name in the monitor's state file. */
  public static final String SECTION = "budget-alerts";
  static final int VERSION = 1;

  private KeptBudgetAlerts() {}

  /**
   * One raised alert as written.
   *
   * @param service the service
   * @param window the budget's window ({@link PersistentLedger#spec})
   * @param limit the budget's limit in nano-dollars
   * @param percent the highest alert raised and delivered, 80 or 100
   * @param raisedWall when it was raised, on the wall clock, in nanoseconds since the epoch
   */
  public record Entry(String service, String window, long limit, int percent, long raisedWall) {

    /**
     * Whether this is an alert of the given budget raised in the window {@code now} is in.
     *
     * @param budget the budget
     * @param now the wall clock now
     * @return whether the alert still holds for it
     */
    boolean holdsFor(Budget budget, Instant now) {
      return window.equals(PersistentLedger.spec(budget)) && limit == budget.limit().nanos()
          && sameWindow(budget, raisedWall, now);
    }
  }

  /**
   * Whether an alert raised at {@code raisedWall} is of the window {@code now} is in: the same
   * calendar day in the budget's zone, or less than a sliding window's length ago.
   *
   * @param budget the budget
   * @param raisedWall when the alert was raised, nanoseconds since the epoch
   * @param now the wall clock now
   * @return whether it is the same window
   */
  static boolean sameWindow(Budget budget, long raisedWall, Instant now) {
    Instant raised = Instant.ofEpochSecond(0, raisedWall);
    if (budget.isCalendarDay()) {
      return LocalDate.ofInstant(raised, budget.zone().orElseThrow()).equals(
          LocalDate.ofInstant(now, budget.zone().orElseThrow()));
    }
    long ago = PersistentLedger.epochNanos(now) - raisedWall;
    return ago >= 0 && ago < budget.window().toNanos();
  }

  /**
   * Reads the alerts saved in the state file, by service. A section that cannot be read is
   * reported once at WARN and restores nothing (alerts of this window may be raised once more).
   *
   * @param store the monitor's state file, or {@code null} without {@code state_dir}
   * @return the saved alerts by service; empty when there are none
   */
  public static Map<String, List<Entry>> restore(PersistentLedger store) {
    byte[] section = store == null ? null : store.restoredSection(SECTION).orElse(null);
    if (section == null) {
      return Map.of();
    }
    try {
      Map<String, List<Entry>> out = new LinkedHashMap<>();
      for (Entry e : decode(section)) {
        out.computeIfAbsent(e.service(), s -> new ArrayList<>()).add(e);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      LOG.warn("The budget alerts saved in state file {} are skipped ({}): an 80% or 100% alert raised before the"
          + " restart may be raised once more.", store.file(), e.getMessage() == null ? e.toString() : e.getMessage());
      return Map.of();
    }
  }

  /**
   * Saves the services' delivered alerts with every write of the state file (the bytes change only
   * when an alert is delivered, re-armed or leaves its window).
   *
   * @param store the monitor's state file, or {@code null}
   * @param monitors the services
   * @param ticker the monitor's ticker
   */
  public static void keep(PersistentLedger store, List<ServiceMonitor> monitors, Ticker ticker) {
    if (store == null || !store.isPersistent()) {
      return;
    }
    List<ServiceMonitor> services = List.copyOf(monitors);
    store.writeSection(SECTION, () -> {
      Instant now = ticker.instant();
      List<Entry> raised = new ArrayList<>();
      for (ServiceMonitor m : services) {
        m.raisedAlerts(now, raised);
      }
      return raised.isEmpty() ? null : encode(raised);
    });
  }

  static byte[] encode(List<Entry> entries) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(VERSION);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeUTF(e.service());
        out.writeUTF(e.window());
        out.writeLong(e.limit());
        out.writeByte(e.percent());
        out.writeLong(e.raisedWall());
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Entry> decode(byte[] section) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(section));
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("its '" + SECTION + "' section is version " + version + ", written by another release"
          + " of Runaway Guard; this release reads version " + VERSION);
    }
    int n = in.readInt();
    if (n < 0 || n > section.length) {
      throw new IOException("its '" + SECTION + "' section has an impossible count " + n);
    }
    List<Entry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Entry(in.readUTF(), in.readUTF(), in.readLong(), in.readByte(), in.readLong()));
    }
    return out;
  }
}
