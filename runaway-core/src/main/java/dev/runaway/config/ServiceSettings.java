package dev.runaway.config;

import dev.runaway.config.internal.SourcePosition;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The settings of one monitored service: its name (the key under {@code services} or
 * {@code cost_thresholds}), its {@code type} (which {@link dev.runaway.monitor.DetectorProvider}
 * handles it) and the provider-specific values ({@code base_url}, {@code org}, prices, ...).
 *
 * <p>Typed getters fail with a {@link ConfigException} naming the file, the JSON path
 * ({@code services.<name>.<key>}) and, for settings read from a file, the line and column of the
 * key (or of the service's entry when the key is absent), so a provider never has to format config
 * errors itself. Messages never quote a string value: any of them may be a credential.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ServiceSettings {

  private final String name;
  private final String type;
  private final Map<String, Object> values;
  private final Path file;
  private final SourcePosition position;
  private final Map<String, SourcePosition> keyPositions;

  private ServiceSettings(String name, String type, Map<String, Object> values, Path file, SourcePosition position,
      Map<String, SourcePosition> keyPositions) {
    this.name = name;
    this.type = type;
    this.values = values;
    this.file = file;
    this.position = position;
    this.keyPositions = keyPositions;
  }

  /** Settings read from a config file, remembering where the entry and each key are written. */
  static ServiceSettings located(String name, String type, Map<String, ?> values, Path file, SourcePosition position,
      Map<String, SourcePosition> keyPositions) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(values, "values");
    return new ServiceSettings(name, type, Collections.unmodifiableMap(new LinkedHashMap<>(values)), file,
        Objects.requireNonNull(position, "position"), Map.copyOf(keyPositions));
  }

  /**
   * Creates settings, for tests and programmatic setups.
   *
   * @param name the service's name
   * @param type the detector type, such as {@code openai}
   * @param values the provider-specific values (JSON-like: String, Number, Boolean, List, Map)
   * @return the settings
   */
  public static ServiceSettings of(String name, String type, Map<String, ?> values) {
    return of(name, type, values, null);
  }

  /**
   * Creates settings that came from a file, so errors can name it.
   *
   * @param name the service's name
   * @param type the detector type
   * @param values the provider-specific values
   * @param file the config file, or {@code null}
   * @return the settings
   */
  public static ServiceSettings of(String name, String type, Map<String, ?> values, Path file) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(values, "values");
    return new ServiceSettings(name, type, Collections.unmodifiableMap(new LinkedHashMap<>(values)), file,
        SourcePosition.UNKNOWN, Map.of());
  }

  /**
   * Returns the service's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the detector type.
   *
   * @return the type
   */
  public String type() {
    return type;
  }

  /**
   * Returns all values, unmodifiable.
   *
   * @return the values
   */
  public Map<String, Object> values() {
    return values;
  }

  /**
   * Returns the config file these settings came from, if any.
   *
   * @return the file
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * Returns the JSON path of a key, such as {@code services.openai.base_url}.
   *
   * @param key the key
   * @return the path
   */
  public String pathOf(String key) {
    return "services." + name + "." + key;
  }

  /**
   * Creates a config error located at one of these settings' keys: the key's line and column
   * when it is written in the file, else those of the service's entry.
   *
   * @param key the offending key
   * @param problem what is wrong and what is allowed; must not quote a credential
   * @return the exception, to throw
   */
  public ConfigException error(String key, String problem) {
    SourcePosition at = keyPositions.get(key);
    if (at == null) {
      // A nested key (on_runaway.confirm) is located at its section's key.
      int dot = key.indexOf('.');
      int bracket = key.indexOf('[');
      int cut = dot < 0 ? bracket : bracket < 0 ? dot : Math.min(dot, bracket);
      at = cut > 0 ? keyPositions.getOrDefault(key.substring(0, cut), position) : position;
    }
    return new ConfigException(file, pathOf(key), at.line(), at.column(), problem, null);
  }

  /**
   * Returns a string value.
   *
   * @param key the key
   * @return the value, or empty if absent
   * @throws ConfigException if the value is not a string
   */
  public Optional<String> string(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String)) {
      throw error(key, "must be a string, got " + describe(v));
    }
    return Optional.of((String) v);
  }

  /**
   * Returns a required string value.
   *
   * @param key the key
   * @param hint what the value is, for the error message ("your GitHub organisation's login")
   * @return the value
   * @throws ConfigException if absent, blank or not a string
   */
  public String requireString(String key, String hint) {
    String v = string(key).orElseThrow(() -> error(key, "is required: " + hint));
    if (v.isBlank()) {
      throw error(key, "must not be blank: " + hint);
    }
    return v;
  }

  /**
   * Returns a number.
   *
   * @param key the key
   * @return the value, or empty if absent
   * @throws ConfigException if the value is not a number
   */
  public OptionalDouble number(String key) {
    Object v = values.get(key);
    if (v == null) {
      return OptionalDouble.empty();
    }
    if (!(v instanceof Number)) {
      throw error(key, "must be a number, got " + describe(v));
    }
    double d = ((Number) v).doubleValue();
    if (!Double.isFinite(d)) {
      throw error(key, "must be a finite number, got " + v);
    }
    return OptionalDouble.of(d);
  }

  /**
   * Returns a non-negative number, or a default.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @return the value
   * @throws ConfigException if present and not a non-negative number
   */
  public double nonNegative(String key, double defaultValue) {
    OptionalDouble v = number(key);
    if (v.isPresent() && v.getAsDouble() < 0) {
      throw error(key, "must be zero or more, got " + v.getAsDouble());
    }
    return v.orElse(defaultValue);
  }

  /**
   * Returns a boolean, or a default.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @return the value
   * @throws ConfigException if present and not a boolean
   */
  public boolean bool(String key, boolean defaultValue) {
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Boolean)) {
      throw error(key, "must be true or false, got " + describe(v));
    }
    return (Boolean) v;
  }

  /**
   * Returns a list of strings.
   *
   * @param key the key
   * @return the list, empty if absent
   * @throws ConfigException if present and not a list of strings
   */
  public List<String> stringList(String key) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw error(key, "must be a list of strings, got " + describe(v));
    }
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      if (!(o instanceof String)) {
        throw error(key, "must be a list of strings, but holds " + describe(o));
      }
      out.add((String) o);
    }
    return List.copyOf(out);
  }

  /**
   * Returns a nested object.
   *
   * @param key the key
   * @return the object's entries, empty if absent
   * @throws ConfigException if present and not an object
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> map(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map)) {
      throw error(key, "must be an object, got " + describe(v));
    }
    return Collections.unmodifiableMap((Map<String, Object>) v);
  }

  /**
   * Returns {@code base_url}, or {@code defaultUrl} when absent. Every built-in provider accepts
   * {@code base_url} (proxies, GitHub Enterprise, tests).
   *
   * @param defaultUrl the service's public API root
   * @return the base URL, without a trailing slash
   * @throws ConfigException if {@code base_url} is not an absolute http(s) URL
   */
  public URI baseUrl(String defaultUrl) {
    String raw = string("base_url").orElse(defaultUrl);
    try {
      URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
      if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
          || uri.getHost() == null) {
        // Never quote the URL: it may carry a credential (user info, a query key).
        throw error("base_url", "must be an absolute http or https URL such as https://api.example.com");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw error("base_url", "must be an absolute http or https URL such as https://api.example.com, but it is"
          + " not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
    }
  }

  private static String describe(Object v) {
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Map) {
      return "an object";
    }
    return v.getClass().getSimpleName();
  }

  /** Returns the name, type and keys; values are left out because some name secrets. */
  @Override
  public String toString() {
    return "ServiceSettings[" + name + ", type=" + type + ", keys=" + values.keySet() + "]";
  }
}
