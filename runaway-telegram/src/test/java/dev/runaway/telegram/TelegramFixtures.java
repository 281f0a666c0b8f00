package dev.runaway.telegram;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared fixtures: a sentinel token, alerts, a recording sleeper, and an independent HTML reader. */
public final class TelegramFixtures {

  /** A sentinel token: if it shows up anywhere but the request path, a test fails. */
  static final String TOKEN = "7000000001:SENTINEL_tok3n-Leak_Check_AAHdqTcvCH1vGWJxfSeofSAs0K5";

  static final String CHAT = "-1001234567890";

  private TelegramFixtures() {}

  /** A sleeper that records every wait and moves the manual ticker instead of sleeping. */
  static final class VirtualSleeper implements TelegramNotifier.Sleeper {
    final ManualTicker ticker;
    final List<Duration> waits = new CopyOnWriteArrayList<>();

    VirtualSleeper(ManualTicker ticker) {
      this.ticker = ticker;
    }

    @Override
    public void sleep(Duration duration) {
      waits.add(duration);
      ticker.advance(duration);
    }
  }

  /**
   * An alert's facts in the order given, as the formatter meets them.
   *
   * @param keysAndValues a fact's name, then its value, and so on
   * @return a map keeping that order
   */
  public static Map<String, String> facts(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("facts come in name-value pairs; got " + keysAndValues.length + " strings");
    }
    Map<String, String> facts = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      facts.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return facts;
  }

  static Alert spike() {
    Map<String, String> facts = facts(
        "spent", "$48.00",
        "limit", "$100.00",
        "rate", "$12.40/h",
        "baseline", "$2.00/h",
        "multiplier", "6.2",
        "projected_hour", "$297.60",
        "projected_day", "$1,190.40",
        "time_to_exhaustion", "4m 12s",
        "breaker", "OPEN",
        "trip_reason", "BURN_RATE",
        "requests_per_minute", "1200");
    return new Alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, "openai", "tenant-42", "Spend far above baseline",
        "gpt-4o calls jumped in the last 5 minutes", Instant.parse("2026-01-05T10:15:30Z"), facts);
  }

  static Alert info(String title) {
    return new Alert(AlertType.SERVICE_STATUS, Severity.INFO, "github_actions", null, title, "",
        Instant.parse("2026-01-05T10:15:30Z"), Map.of("resolved", "true"));
  }

  static Alert withDetail(String detail) {
    return new Alert(AlertType.COST_THRESHOLD, Severity.WARNING, "openai", null, "80% of the daily budget", detail,
        Instant.parse("2026-01-05T10:15:30Z"), Map.of("spent", "$80.00", "limit", "$100.00"));
  }

  private static final Pattern TAG = Pattern.compile("<(/?)([a-zA-Z-]+)[^>]*>");
  private static final Pattern ENTITY = Pattern.compile("&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);");

  /**
   * The text Telegram shows for an HTML message: tags removed, entities decoded. Written apart
   * from the production tokenizer on purpose, so a bug there cannot hide here.
   */
  static String visibleText(String html) {
    String noTags = TAG.matcher(html).replaceAll("");
    Matcher m = ENTITY.matcher(noTags);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String e = m.group(1);
      String rep = switch (e) {
        case "lt" -> "<";
        case "gt" -> ">";
        case "amp" -> "&";
        case "quot" -> "\"";
        default -> new String(Character.toChars(e.startsWith("#x")
            ? Integer.parseInt(e.substring(2), 16) : Integer.parseInt(e.substring(1))));
      };
      m.appendReplacement(sb, Matcher.quoteReplacement(rep));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Returns the tag names used, and fails if tags are not properly nested and closed. */
  static List<String> balancedTags(String html) {
    Deque<String> open = new ArrayDeque<>();
    List<String> names = new ArrayList<>();
    Matcher m = TAG.matcher(html);
    while (m.find()) {
      String name = m.group(2).toLowerCase(java.util.Locale.ROOT);
      names.add(name);
      if (m.group(1).isEmpty()) {
        open.push(name);
      } else if (open.isEmpty() || !open.pop().equals(name)) {
        throw new AssertionError("unbalanced </" + name + "> in: " + html);
      }
    }
    if (!open.isEmpty()) {
      throw new AssertionError("unclosed " + open + " in: " + html);
    }
    return names;
  }
}
