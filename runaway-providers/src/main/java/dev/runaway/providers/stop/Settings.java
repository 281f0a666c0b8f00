package dev.runaway.providers.stop;

import dev.runaway.config.ServiceSettings;
import dev.runaway.config.SettingsReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one action's settings through the core {@link SettingsReader}, so errors are located at
 * {@code services.<name>.on_runaway.actions[i].<key>} with the file's line and a did-you-mean,
 * like every provider's and notifier's settings. Immutable.
 */
final class Settings {

  private final ServiceSettings service;
  private final SettingsReader reader;

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
    Set<String> allowed = new java.util.HashSet<>(keys);
    allowed.add("type");
    this.reader = service.reader().nested(path, values).allowOnly(allowed);
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
   * Returns the reader of the action's settings.
   *
   * @return the reader
   */
  public SettingsReader reader() {
    return reader;
  }

  /**
   * Returns an optional non-blank string.
   *
   * @param key the key
   * @return the value or {@code null}
   */
  public String string(String key) {
    String v = reader.string(key).orElse(null);
    if (v != null && v.isBlank()) {
      throw reader.error(key, "must be a non-blank string");
    }
    return v;
  }

  /**
   * Returns a required string.
   *
   * @param key the key
   * @param hint what it is
   * @return the value
   */
  public String require(String key, String hint) {
    return reader.requireString(key, hint);
  }

  /**
   * Returns a list of strings.
   *
   * @param key the key
   * @return the list, empty if absent
   */
  public List<String> strings(String key) {
    return reader.stringList(key);
  }

  /**
   * Returns an object's entries.
   *
   * @param key the key
   * @return the entries, empty if absent
   */
  public Map<String, Object> map(String key) {
    return reader.object(key).values();
  }

  /**
   * Creates an error at a key.
   *
   * @param key the key
   * @param problem what is wrong
   * @return the exception
   */
  public RuntimeException error(String key, String problem) {
    return reader.error(key, problem);
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
