package dev.runaway.telegram.internal;

import static dev.runaway.telegram.internal.Html.escape;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Renders an {@link Alert} as a Telegram message in HTML parse mode, laid out for a phone: what
 * and how bad first, then the figures, then what to do.
 *
 * <pre>
 * 🔴 CRITICAL · Usage spike
 * openai · key tenant-42 · this process
 *
 * Spend far above baseline
 * detail lines
 *
 * 📈 Rate $12.40/h vs baseline $2.00/h (×6.2; alerts at ×3)
 * 📞 Calls 1200/min
 * 💰 Spent $48.00 of $100.00 (48%)
 * 🧾 Daily budget ($100.00 per sliding 24h)
 * 🔮 Projected $297.60 this hour · $1,190.40 today
 * ⏳ Budget runs out in 4m 12s
 * ⛔ Breaker CLOSED → OPEN · BURN_RATE
 * • Requests: 1200
 *
 * 👉 Find the loop or retry storm calling openai (key tenant-42) and stop it.
 * 2026-01-05 00:00:00 UTC
 * </pre>
 *
 * <p>Every string from the alert is escaped; the only tags used are {@code <b>}, {@code <i>} and
 * {@code <code>}. Facts with the well-known names of {@link Alert}, and those the guard adds
 * ({@code percent}, {@code budget}, {@code scope}, {@code from}, {@code calls_per_minute},
 * {@code threshold_multiplier}), get their places; any other fact is listed by a readable form of
 * its name. A fact named {@code action} replaces the
 * suggested next step.
 *
 * <p>Immutable and thread-safe.
 */
public final class AlertFormatter {

  private static final Set<String> KNOWN = Set.of("spent", "limit", "percent", "budget", "rate", "baseline",
      "multiplier", "threshold_multiplier", "calls_per_minute", "projected_hour", "projected_day",
      "time_to_exhaustion", "breaker", "from", "trip_reason", "scope", "resolved", "action");

  private final DateTimeFormatter timeFormat;
  private final ZoneId zone;

  /**
   * Creates a formatter that shows times in {@code zone}.
   *
   * @param zone the zone for the alert's time
   */
  public AlertFormatter(ZoneId zone) {
    // A numeric offset, not a short zone name: CLDR names ("CET") differ between JDK releases.
    this.zone = Objects.requireNonNull(zone, "zone");
    this.timeFormat = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(zone);
  }

  /**
   * Formats an alert.
   *
   * @param alert the alert
   * @return the message in HTML parse mode
   */
  public String format(Alert alert) {
    Map<String, String> facts = new LinkedHashMap<>();
    alert.facts().forEach((k, v) -> {
      if (k != null && v != null && !v.isBlank()) {
        facts.put(k, v.strip());
      }
    });
    boolean resolved = isTrue(facts.get("resolved"));
    StringBuilder sb = new StringBuilder(256);

    sb.append(icon(alert.severity(), resolved)).append(" <b>")
        .append(resolved ? "RESOLVED" : alert.severity().name()).append("</b> · ")
        .append(typeLabel(alert.type())).append('\n');
    sb.append("<b>").append(escape(alert.service())).append("</b>");
    if (alert.key() != null && !alert.key().isBlank()) {
      sb.append(" · key <code>").append(escape(alert.key())).append("</code>");
    }
    if (facts.containsKey("scope")) {
      sb.append(" · ").append(escape(facts.get("scope")));
    }
    sb.append("\n\n<b>").append(escape(alert.title())).append("</b>");
    if (!alert.detail().isBlank()) {
      sb.append('\n').append(escape(alert.detail().strip()));
    }

    StringBuilder figures = new StringBuilder();
    rate(figures, facts);
    if (facts.containsKey("calls_per_minute")) {
      line(figures, "📞 Calls <b>" + escape(facts.get("calls_per_minute")) + "</b>/min");
    }
    spent(figures, facts);
    projection(figures, facts);
    if (facts.containsKey("time_to_exhaustion")) {
      line(figures, "⏳ Budget runs out in <b>" + escape(facts.get("time_to_exhaustion")) + "</b>");
    }
    breaker(figures, facts);
    for (Map.Entry<String, String> e : facts.entrySet()) {
      if (!KNOWN.contains(e.getKey())) {
        line(figures, "• " + escape(label(e.getKey())) + ": " + escape(e.getValue()));
      }
    }
    if (figures.length() > 0) {
      sb.append("\n\n").append(figures);
    }

    sb.append("\n\n👉 ").append(escape(nextStep(alert, facts, resolved)));
    java.time.ZoneOffset offset = zone.getRules().getOffset(alert.time());
    String suffix = offset.getTotalSeconds() == 0 ? " UTC" : " UTC" + offset.getId();
    sb.append("\n<i>").append(escape(timeFormat.format(alert.time()) + suffix)).append("</i>");
    return sb.toString();
  }

  private static void rate(StringBuilder out, Map<String, String> f) {
    String rate = f.get("rate");
    String baseline = f.get("baseline");
    String multiplier = f.get("multiplier");
    if (rate == null && baseline == null && multiplier == null) {
      if (f.containsKey("threshold_multiplier")) {
        line(out, "📈 Alerts at " + times(f.get("threshold_multiplier")) + " the baseline");
      }
      return;
    }
    StringBuilder sb = new StringBuilder("📈 ");
    if (rate != null) {
      sb.append("Rate <b>").append(escape(rate)).append("</b>");
      if (baseline != null) {
        sb.append(" vs baseline ").append(escape(baseline));
      }
    } else if (baseline != null) {
      sb.append("Baseline ").append(escape(baseline));
    } else {
      sb.append("Above baseline");
    }
    String threshold = f.get("threshold_multiplier");
    if (multiplier != null || threshold != null) {
      sb.append(" (");
      if (multiplier != null) {
        sb.append(times(multiplier));
      }
      if (threshold != null) {
        sb.append(multiplier != null ? "; " : "").append("alerts at ").append(times(threshold));
      }
      sb.append(')');
    }
    line(out, sb.toString());
  }

  private static String times(String multiplier) {
    String m = multiplier.strip();
    if (m.endsWith("x") || m.endsWith("×")) {
      m = m.substring(0, m.length() - 1).strip();
    }
    return "×" + escape(m);
  }

  private static void spent(StringBuilder out, Map<String, String> f) {
    String spent = f.get("spent");
    String limit = f.get("limit");
    String percent = f.get("percent");
    String share = percent == null ? "" : " (" + escape(percent.endsWith("%") ? percent : percent + "%") + ")";
    if (spent != null) {
      line(out, "💰 Spent <b>" + escape(spent) + "</b>" + (limit != null ? " of " + escape(limit) : "") + share);
    } else if (limit != null) {
      line(out, "💰 Budget " + escape(limit) + share);
    }
    if (f.containsKey("budget")) {
      line(out, "🧾 " + escape(label(f.get("budget"))));
    }
  }

  private static void projection(StringBuilder out, Map<String, String> f) {
    String hour = f.get("projected_hour");
    String day = f.get("projected_day");
    if (hour == null && day == null) {
      return;
    }
    StringBuilder sb = new StringBuilder("🔮 Projected ");
    if (hour != null) {
      sb.append("<b>").append(escape(hour)).append("</b> this hour");
    }
    if (day != null) {
      sb.append(hour != null ? " · " : "").append("<b>").append(escape(day)).append("</b> today");
    }
    line(out, sb.toString());
  }

  private static void breaker(StringBuilder out, Map<String, String> f) {
    String breaker = f.get("breaker");
    String reason = f.get("trip_reason");
    if (breaker == null && reason == null) {
      return;
    }
    StringBuilder sb = new StringBuilder(isOpen(breaker) ? "⛔ " : "🔌 ");
    sb.append("Breaker ");
    if (f.containsKey("from") && breaker != null) {
      sb.append(escape(f.get("from"))).append(" → ");
    }
    sb.append("<b>").append(escape(breaker != null ? breaker : "tripped")).append("</b>");
    if (reason != null) {
      sb.append(" · ").append(escape(reason));
    }
    line(out, sb.toString());
  }

  private static String nextStep(Alert alert, Map<String, String> facts, boolean resolved) {
    if (facts.containsKey("action")) {
      return facts.get("action");
    }
    if (resolved) {
      return "No action needed.";
    }
    String who = alert.service() + (alert.key() != null && !alert.key().isBlank() ? " (key " + alert.key() + ")" : "");
    String breaker = facts.get("breaker");
    return switch (alert.type()) {
      case CIRCUIT_BREAKER -> {
        if (isOpen(breaker)) {
          yield "Calls to " + who + " are refused. Find what ran away, then reset the breaker.";
        }
        if (breaker != null && breaker.equalsIgnoreCase("HALF_OPEN")) {
          yield "Trial calls to " + who + " are let through: check that spend stays normal.";
        }
        if (breaker != null && breaker.equalsIgnoreCase("CLOSED")) {
          yield "Calls to " + who + " flow again. No action needed unless it trips again.";
        }
        yield "Check the breaker of " + who + ".";
      }
      case USAGE_SPIKE -> isOpen(breaker)
          ? "The breaker is open. Find the loop or retry storm calling " + who + " before resetting it."
          : "Find the loop or retry storm calling " + who + " and stop it.";
      case COST_THRESHOLD -> alert.facts().containsKey("requested")
          ? "One call to " + who + " costs more than its whole budget and is always refused: raise the budget"
              + " or lower the call's estimate (max tokens)."
          : alert.severity() == Severity.CRITICAL
          ? "Budget reached: calls to " + who + " may be refused. Raise it only if this spend is expected."
          : "Check that this spend on " + who + " is expected before the budget runs out.";
      case SERVICE_STATUS -> "Spend on " + alert.service()
          + " is not watched until this recovers: check its credentials and status page.";
    };
  }

  private static boolean isOpen(String breaker) {
    return breaker != null && (breaker.equalsIgnoreCase("OPEN") || breaker.equalsIgnoreCase("FORCED_OPEN"));
  }

  private static boolean isTrue(String v) {
    return v != null && (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
  }

  private static void line(StringBuilder out, String line) {
    if (out.length() > 0) {
      out.append('\n');
    }
    out.append(line);
  }

  private static String icon(Severity severity, boolean resolved) {
    if (resolved) {
      return "✅";
    }
    return switch (severity) {
      case CRITICAL -> "🔴";
      case WARNING -> "🟠";
      case INFO -> "🔵";
    };
  }

  private static String typeLabel(AlertType type) {
    return switch (type) {
      case COST_THRESHOLD -> "Budget threshold";
      case USAGE_SPIKE -> "Usage spike";
      case CIRCUIT_BREAKER -> "Circuit breaker";
      case SERVICE_STATUS -> "Service status";
    };
  }

  /** {@code tokens.input} or {@code error_rate} becomes {@code Tokens input}, {@code Error rate}. */
  static String label(String name) {
    String spaced = name.contains(" ") ? name.strip() : name.replace('_', ' ').replace('.', ' ').strip();
    if (spaced.isEmpty()) {
      return name;
    }
    return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }
}
