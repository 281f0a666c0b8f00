package dev.runaway.providers.stop.internal;

import dev.runaway.config.ServiceSettings;
import dev.runaway.config.internal.DidYouMean;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one action's settings, with errors located at {@code services.<name>.on_runaway.actions[i].<key>}.
 * Immutable.
 */
public final class Settings {

  private final ServiceSettings service;
  private final Map<String, Object> values;
  private final String path;

  /**
   * Wraps an action's settings and checks that only known keys are given.
   *
   * @param service the service's settings
   * @param values the action's settings
   * @param path the action's path relative to the service
   * @param keys the keys this action knows, {@code type} excluded
   */
  public Settings(ServiceSettings service, Map<String, Object> values, String path, List<String> keys) {
    this.service = service;
    this.values = values;
    this.path = path;
    List<String> allowed = new ArrayList<>(keys);
    allowed.add("type");
    for (String k : values.keySet()) {
      if (!allowed.contains(k)) {
        String hint = DidYouMean.suggest(k, allowed).map(x -> "; did you mean '" + x + "'?").orElse(".");
        throw service.error(path + "." + k, "unknown key '" + k + "'" + hint + " Allowed keys here: "
            + String.join(", ", allowed));
      }
    }
  }

  /**
   * Returns the service's settings.
   *
   * @return the settings
   */
  public ServiceSettings service() {
    return service;
  }

  /**
   * Returns an optional string.
   *
   * @param key the key
   * @return the value or {@code null}
   */
  public String string(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String) || ((String) v).isBlank()) {
      throw service.error(path + "." + key, "must be a non-blank string");
    }
    return (String) v;
  }

  /**
   * Returns a required string.
   *
   * @param key the key
   * @param hint what it is
   * @return the value
   */
  public String require(String key, String hint) {
    String v = string(key);
    if (v == null) {
      throw service.error(path + "." + key, "is required: " + hint);
    }
    return v;
  }

  /**
   * Returns a list of strings.
   *
   * @param key the key
   * @return the list, empty if absent
   */
  public List<String> strings(String key) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw service.error(path + "." + key, "must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      if (!(o instanceof String)) {
        throw service.error(path + "." + key, "must be a list of strings");
      }
      out.add((String) o);
    }
    return List.copyOf(out);
  }

  /**
   * Returns an object's entries.
   *
   * @param key the key
   * @return the entries, empty if absent
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> map(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map)) {
      throw service.error(path + "." + key, "must be an object");
    }
    return (Map<String, Object>) v;
  }

  /**
   * Creates an error at a key.
   *
   * @param key the key
   * @param problem what is wrong
   * @return the exception
   */
  public RuntimeException error(String key, String problem) {
    return service.error(path + "." + key, problem);
  }

  /**
   * Encodes one path segment.
   *
   * @param s the segment
   * @return it, percent-encoded
   */
  public static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
