package dev.runaway.config;

import dev.runaway.config.internal.SourcePosition;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

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
  private final SettingsReader reader;

  /** The monitor's per-service key that every detector accepts: the emergency stops. */
  private static final String MONITOR_SECTION = "on_runaway";

  private ServiceSettings(String name, String type, Map<String, Object> values, Path file, SourcePosition position,
      Map<String, SourcePosition> keyPositions) {
    this.name = name;
    this.type = type;
    this.values = values;
    this.file = file;
    this.reader = SettingsReader.located(file, "services." + name, values, position, keyPositions,
        Set.of(MONITOR_SECTION));
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
   * Returns a located, typed reader of these settings: the way providers read nested objects,
   * lists and exact numbers, and reject unknown keys with a did-you-mean. The monitor's own
   * per-service key {@code on_runaway} is accepted by its {@link SettingsReader#allowOnly}.
   *
   * @return the reader of {@code services.<name>}
   */
  public SettingsReader reader() {
    return reader;
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
    return reader.error(key, problem);
  }

  /**
   * Returns a string value.
   *
   * @param key the key
   * @return the value, or empty if absent
   * @throws ConfigException if the value is not a string
   */
  public Optional<String> string(String key) {
    return reader.string(key);
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
    return reader.requireString(key, hint);
  }

  /**
   * Returns a number.
   *
   * @param key the key
   * @return the value, or empty if absent
   * @throws ConfigException if the value is not a number
   */
  public OptionalDouble number(String key) {
    return reader.number(key);
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
    return reader.nonNegative(key, defaultValue);
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
    return reader.bool(key, defaultValue);
  }

  /**
   * Returns a list of strings.
   *
   * @param key the key
   * @return the list, empty if absent
   * @throws ConfigException if present and not a list of strings
   */
  public List<String> stringList(String key) {
    return reader.stringList(key);
  }

  /**
   * Returns a nested object.
   *
   * @param key the key
   * @return the object's entries, empty if absent
   * @throws ConfigException if present and not an object
   */
  public Map<String, Object> map(String key) {
    return reader.object(key).values();
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

  /** Returns the name, type and keys; values are left out because some name secrets. */
  @Override
  public String toString() {
    return "ServiceSettings[" + name + ", type=" + type + ", keys=" + values.keySet() + "]";
  }
}
