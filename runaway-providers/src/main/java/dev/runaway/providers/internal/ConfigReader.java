package dev.runaway.providers.internal;

import dev.runaway.config.ConfigException;
import dev.runaway.config.ServiceSettings;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a nested object of a service's settings, failing with a {@link ConfigException} at the
 * JSON path of the offending value ({@code services.<name>.request.url}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigReader {

  /** The monitor's per-service key that every detector accepts: the emergency stops. */
  static final String MONITOR_SECTION = "on_runaway";

  private final ServiceSettings settings;
  private final String prefix;
  private final Map<String, Object> values;

  private ConfigReader(ServiceSettings settings, String prefix, Map<String, Object> values) {
    this.settings = settings;
    this.prefix = prefix;
    this.values = values;
  }

  /**
   * Returns a reader of the settings' top level.
   *
   * @param settings the settings
   * @return the reader
   */
  public static ConfigReader of(ServiceSettings settings) {
    return new ConfigReader(settings, "", settings.values());
  }

  /**
   * Returns the path of a key below this reader, relative to the service.
   *
   * @param key the key
   * @return the relative path, such as {@code request.url}
   */
  public String path(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /**
   * Creates an error at a key.
   *
   * @param key the key
   * @param problem what is wrong and what is allowed
   * @return the exception
   */
  public ConfigException error(String key, String problem) {
    return settings.error(path(key), problem);
  }

  /**
   * Fails if a key is not among the allowed ones, naming the allowed keys.
   *
   * @param allowed the allowed keys
   * @return this reader
   */
  public ConfigReader allowOnly(Set<String> allowed) {
    if (prefix.isEmpty() && !allowed.contains(MONITOR_SECTION)) {
      // The monitor's own per-service section (emergency stops), read by the monitor, not the detector.
      Set<String> all = new java.util.HashSet<>(allowed);
      all.add(MONITOR_SECTION);
      allowed = all;
    }
    for (String k : values.keySet()) {
      if (!allowed.contains(k)) {
        // The same did-you-mean as the config's own keys: tokenenv -> token_env, endpoint -> endpoints.
        String hint = dev.runaway.config.internal.DidYouMean.suggest(k, List.copyOf(new TreeSet<>(allowed)))
            .map(a -> " (did you mean \"" + a + "\"?)").orElse("");
        throw error(k, "is not a known setting" + hint + "; allowed here: " + new TreeSet<>(allowed));
      }
    }
    return this;
  }

  /**
   * Whether a key is present and not null.
   *
   * @param key the key
   * @return {@code true} if present
   */
  public boolean has(String key) {
    return values.get(key) != null;
  }

  /**
   * Returns a nested object.
   *
   * @param key the key
   * @return its reader, empty if absent
   */
  @SuppressWarnings("unchecked")
  public ConfigReader object(String key) {
    Object v = values.get(key);
    if (v == null) {
      return new ConfigReader(settings, path(key), Map.of());
    }
    if (!(v instanceof Map)) {
      throw error(key, "must be an object, got " + describe(v));
    }
    return new ConfigReader(settings, path(key), Collections.unmodifiableMap((Map<String, Object>) v));
  }

  /**
   * Returns a list of nested objects.
   *
   * @param key the key
   * @return their readers, empty if absent
   */
  public List<ConfigReader> objects(String key) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw error(key, "must be a list of objects, got " + describe(v));
    }
    List<ConfigReader> out = new ArrayList<>();
    List<?> list = (List<?>) v;
    for (int i = 0; i < list.size(); i++) {
      Object o = list.get(i);
      String p = path(key) + "[" + i + "]";
      if (!(o instanceof Map)) {
        throw settings.error(p, "must be an object, got " + describe(o));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(new ConfigReader(settings, p, Collections.unmodifiableMap(m)));
    }
    return out;
  }

  /**
   * Returns a string.
   *
   * @param key the key
   * @return the value, empty if absent
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
   * Returns a required, non-blank string.
   *
   * @param key the key
   * @param hint what the value is
   * @return the value
   */
  public String requireString(String key, String hint) {
    String s = string(key).orElseThrow(() -> error(key, "is required: " + hint));
    if (s.isBlank()) {
      throw error(key, "must not be blank: " + hint);
    }
    return s;
  }

  /**
   * Returns one of a fixed set of strings.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @param allowed the allowed values
   * @return the value
   */
  public String choice(String key, String defaultValue, List<String> allowed) {
    String s = string(key).orElse(defaultValue);
    if (!allowed.contains(s)) {
      throw error(key, "must be one of " + allowed);
    }
    return s;
  }

  /**
   * Returns a number as an exact decimal.
   *
   * @param key the key
   * @return the value, empty if absent
   */
  public Optional<BigDecimal> decimal(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Number)) {
      throw error(key, "must be a number, got " + describe(v));
    }
    return Optional.of(toDecimal(key, (Number) v));
  }

  /**
   * Returns a non-negative number as an exact decimal.
   *
   * @param key the key
   * @return the value, empty if absent
   */
  public Optional<BigDecimal> nonNegativeDecimal(String key) {
    Optional<BigDecimal> d = decimal(key);
    if (d.isPresent() && d.get().signum() < 0) {
      throw error(key, "must be zero or more, got " + d.get().toPlainString());
    }
    return d;
  }

  /**
   * Returns a whole number within bounds.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @param min the smallest allowed
   * @param max the largest allowed
   * @return the value
   */
  public int integer(String key, int defaultValue, int min, int max) {
    Optional<BigDecimal> d = decimal(key);
    if (d.isEmpty()) {
      return defaultValue;
    }
    BigDecimal v = d.get();
    if (v.stripTrailingZeros().scale() > 0 || v.compareTo(BigDecimal.valueOf(min)) < 0
        || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw error(key, "must be a whole number from " + min + " to " + max + ", got " + v.toPlainString());
    }
    return v.intValue();
  }

  /**
   * Returns a list of whole numbers.
   *
   * @param key the key
   * @return the values, empty if absent
   */
  public List<Integer> integers(String key) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw error(key, "must be a list of whole numbers, got " + describe(v));
    }
    List<Integer> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      if (!(o instanceof Number) || ((Number) o).doubleValue() != Math.rint(((Number) o).doubleValue())) {
        throw error(key, "must be a list of whole numbers, but holds " + describe(o));
      }
      out.add(((Number) o).intValue());
    }
    return List.copyOf(out);
  }

  /**
   * Returns a boolean.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @return the value
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
   * Returns an object whose values are all strings.
   *
   * @param key the key
   * @return the entries in order, empty if absent
   */
  public Map<String, String> stringMap(String key) {
    ConfigReader o = object(key);
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String k : o.values.keySet()) {
      out.put(k, o.string(k).orElseThrow(() -> o.error(k, "must be a string")));
    }
    return out;
  }

  /**
   * Returns the keys present.
   *
   * @return the keys
   */
  public Set<String> keys() {
    return values.keySet();
  }

  private BigDecimal toDecimal(String key, Number n) {
    if (n instanceof BigDecimal) {
      return (BigDecimal) n;
    }
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (n instanceof java.math.BigInteger) {
      return new BigDecimal((java.math.BigInteger) n);
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      throw error(key, "must be a finite number, got " + d);
    }
    return BigDecimal.valueOf(d);
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
}
