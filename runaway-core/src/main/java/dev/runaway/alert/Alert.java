package dev.runaway.alert;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something a person should know about a service: a budget threshold, a usage spike, a breaker
 * that changed state, a usage API that failed.
 *
 * <p>{@code facts} holds the figures behind the alert with stable names (for example
 * {@code spent}, {@code limit}, {@code rate}, {@code baseline}, {@code multiplier},
 * {@code projected_hour}, {@code projected_day}, {@code time_to_exhaustion}, {@code breaker},
 * {@code resolved}), in insertion order. No alert ever holds a secret.
 *
 * <p><b>Size.</b> An alert is capped so that one built from hostile or runaway input (a 1 MB key,
 * a server's whole error page) stays a readable message, a log line of bounded length and a few
 * Telegram parts: {@code service} and {@code key} at {@value #MAX_NAME_CHARS} characters,
 * {@code title} at {@value #MAX_TITLE_CHARS}, {@code detail} at {@value #MAX_DETAIL_CHARS}, at most
 * {@value #MAX_FACTS} facts with names of {@value #MAX_FACT_NAME_CHARS} and values of
 * {@value #MAX_FACT_VALUE_CHARS} characters. A longer field is cut and ends with
 * {@code "... [N more characters]"}; dropped facts are counted in a last fact {@code truncated}.
 * These limits are fixed.
 *
 * @param type what the alert is about
 * @param severity how urgent it is
 * @param service the service concerned
 * @param key the key (tenant, user) concerned, or {@code null} for the whole service
 * @param title one line for people
 * @param detail more lines for people, may be empty
 * @param time when it was raised
 * @param facts the figures behind it
 */
public record Alert(AlertType type, Severity severity, String service, String key, String title, String detail,
    Instant time, Map<String, String> facts) {

  /** The most characters kept of {@code service} and {@code key}. */
  public static final int MAX_NAME_CHARS = 200;
  /** The most characters kept of {@code title}. */
  public static final int MAX_TITLE_CHARS = 300;
  /** The most characters kept of {@code detail}. */
  public static final int MAX_DETAIL_CHARS = 12_000;
  /** The most facts kept. */
  public static final int MAX_FACTS = 24;
  /** The most characters kept of a fact's name. */
  public static final int MAX_FACT_NAME_CHARS = 64;
  /** The most characters kept of a fact's value. */
  public static final int MAX_FACT_VALUE_CHARS = 300;

  /** Validates the fields, caps their sizes (see the class comment) and copies the facts. */
  public Alert {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(time, "time");
    service = cap(service, MAX_NAME_CHARS);
    key = key == null ? null : cap(key, MAX_NAME_CHARS);
    title = cap(title, MAX_TITLE_CHARS);
    detail = detail == null ? "" : cap(detail, MAX_DETAIL_CHARS);
    facts = facts == null ? Map.of() : java.util.Collections.unmodifiableMap(capFacts(facts));
  }

  private static java.util.LinkedHashMap<String, String> capFacts(Map<String, String> facts) {
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    int dropped = 0;
    for (Map.Entry<String, String> e : facts.entrySet()) {
      if (out.size() >= MAX_FACTS - 1 && facts.size() > MAX_FACTS) {
        dropped++;
        continue;
      }
      String name = e.getKey() == null ? null : cap(e.getKey(), MAX_FACT_NAME_CHARS);
      out.put(name, e.getValue() == null ? null : cap(e.getValue(), MAX_FACT_VALUE_CHARS));
    }
    if (dropped > 0) {
      out.put("truncated", dropped + " more facts");
    }
    return out;
  }

  /** Cuts a text to {@code max} characters, the marker included, never between a surrogate pair. */
  private static String cap(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int keep = max - 32;
    if (Character.isHighSurrogate(s.charAt(keep - 1))) {
      keep--;
    }
    return s.substring(0, keep) + "... [" + (s.length() - keep) + " more characters]";
  }
}
