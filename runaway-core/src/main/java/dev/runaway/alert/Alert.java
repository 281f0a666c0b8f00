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

  /** Validates and copies the facts. */
  public Alert {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(title, "title");
    detail = detail == null ? "" : detail;
    Objects.requireNonNull(time, "time");
    facts = facts == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(facts));
  }
}
