package dev.runaway.monitor.internal;

import dev.runaway.config.ServiceSettings;
import dev.runaway.config.internal.DidYouMean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The validated {@code services.<name>.on_runaway} section: when a service's emergency actions
 * fire, and how they are retried. Immutable.
 *
 * @param autoConfirm {@code confirm: "auto"} (actions are called); {@code false} for
 *     {@code "dry_run"} (the default: the alert says what would have been done)
 * @param minRatio the least burn rate, as a multiple of the baseline, at which a runaway fires the
 *     actions (default 10): a marginal spike never pauses production
 * @param onBudget whether a used-up account-wide budget fires them (default {@code true})
 * @param timeout the time each action may take per attempt (default 30 s)
 * @param attempts attempts per action before it is reported failed (default 3)
 * @param backoff the wait after the first failed attempt, doubled after each (default 2 s)
 * @param actions the actions' settings, each with its {@code type}
 */
public record StopPolicy(boolean autoConfirm, double minRatio, boolean onBudget, Duration timeout, int attempts,
    Duration backoff, List<Map<String, Object>> actions) {

  /** The config key of the section. */
  public static final String KEY = "on_runaway";
  static final double DEFAULT_MIN_RATIO = 10.0;
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final int DEFAULT_ATTEMPTS = 3;
  static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(2);
  static final List<String> KEYS = List.of("confirm", "min_ratio", "on_budget", "timeout_seconds", "attempts",
      "retry_backoff_seconds", "actions");

  /**
   * Reads a service's section.
   *
   * @param s the service's settings
   * @return the policy, or {@code null} when the service has no {@code on_runaway} (off)
   * @throws dev.runaway.config.ConfigException naming the file, line and JSON path of what is wrong
   */
  @SuppressWarnings("unchecked")
  public static StopPolicy of(ServiceSettings s) {
    if (!s.values().containsKey(KEY)) {
      return null;
    }
    Map<String, Object> m = s.map(KEY);
    for (String k : m.keySet()) {
      if (!KEYS.contains(k)) {
        String hint = DidYouMean.suggest(k, KEYS).map(x -> "; did you mean '" + x + "'?").orElse(".");
        throw s.error(KEY + "." + k, "unknown key '" + k + "'" + hint + " Allowed keys here: " + String.join(", ", KEYS));
      }
    }
    Object confirm = m.getOrDefault("confirm", "dry_run");
    boolean auto;
    if ("auto".equals(confirm)) {
      auto = true;
    } else if ("dry_run".equals(confirm)) {
      auto = false;
    } else {
      String shown = confirm instanceof String ? "'" + confirm + "'" : "a " + confirm.getClass().getSimpleName();
      String hint = confirm instanceof String
          ? DidYouMean.suggest(((String) confirm).toLowerCase(Locale.ROOT), List.of("auto", "dry_run"))
              .map(x -> " (did you mean '" + x + "'?)").orElse("") : "";
      throw s.error(KEY + ".confirm", "must be \"auto\" (call the actions) or \"dry_run\" (only say what would be"
          + " done; the default), got " + shown + hint);
    }
    double minRatio = number(s, m, "min_ratio", DEFAULT_MIN_RATIO, 1.0, 1e9,
        "a multiple of the baseline burn rate greater than or equal to 1, such as 10");
    Object ob = m.getOrDefault("on_budget", Boolean.TRUE);
    if (!(ob instanceof Boolean)) {
      throw s.error(KEY + ".on_budget", "must be true or false");
    }
    double timeout = number(s, m, "timeout_seconds", DEFAULT_TIMEOUT.toSeconds(), 1, 3600,
        "a number of seconds from 1 to 3600, such as 30");
    double attempts = number(s, m, "attempts", DEFAULT_ATTEMPTS, 1, 10, "a whole number from 1 to 10, such as 3");
    if (attempts != Math.rint(attempts)) {
      throw s.error(KEY + ".attempts", "must be a whole number from 1 to 10, got " + attempts);
    }
    double backoff = number(s, m, "retry_backoff_seconds", DEFAULT_BACKOFF.toSeconds(), 0, 600,
        "a number of seconds from 0 to 600, such as 2");
    Object raw = m.get("actions");
    if (!(raw instanceof List) || ((List<?>) raw).isEmpty()) {
      throw s.error(KEY + ".actions", "is required: a non-empty list of actions such as"
          + " [{\"type\": \"webhook\", \"url\": \"https://...\"}]");
    }
    List<Map<String, Object>> actions = new ArrayList<>();
    List<?> list = (List<?>) raw;
    for (int i = 0; i < list.size(); i++) {
      Object a = list.get(i);
      if (!(a instanceof Map) || !(((Map<?, ?>) a).get("type") instanceof String)) {
        throw s.error(KEY + ".actions[" + i + "]", "must be an object with a \"type\", such as"
            + " {\"type\": \"command\", \"argv\": [\"kubectl\", \"scale\", \"--replicas=0\", \"deploy/app\"]}");
      }
      actions.add((Map<String, Object>) a);
    }
    return new StopPolicy(auto, minRatio, (Boolean) ob, Duration.ofMillis(Math.round(timeout * 1000)),
        (int) attempts, Duration.ofMillis(Math.round(backoff * 1000)), List.copyOf(actions));
  }

  private static double number(ServiceSettings s, Map<String, Object> m, String key, double def, double min,
      double max, String rule) {
    Object v = m.get(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Number)) {
      throw s.error(KEY + "." + key, "must be " + rule);
    }
    double d = ((Number) v).doubleValue();
    if (!(d >= min && d <= max)) {
      throw s.error(KEY + "." + key, "must be " + rule + ", got " + d);
    }
    return d;
  }
}
