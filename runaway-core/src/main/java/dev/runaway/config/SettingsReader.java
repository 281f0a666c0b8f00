package dev.runaway.config;

import dev.runaway.config.internal.DidYouMean;
import dev.runaway.config.internal.SourcePosition;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A located, typed reader of one section of the config: a service's settings
 * ({@code services.<name>}), a notifier's ({@code notifications.<type>}) or an object nested in
 * them. Every getter that rejects a value throws a {@link ConfigException} naming the file, the
 * JSON path ({@code services.api.request.url}), the line and column where the value (or its
 * nearest enclosing key) is written, what is wrong and what is allowed; {@link #allowOnly} adds a
 * did-you-mean for misspelt keys. Built-in providers and third-party detectors and notifiers read
 * their settings through it, so their errors all look alike.
 *
 * <p>The values are a plain tree ({@code String}, {@code Number}, {@code Boolean}, {@code List},
 * {@code Map}), independent of the JSON library that parsed them. Messages never quote a string
 * value: any of them may be a credential.
 *
 * <p>Immutable and thread-safe.
 */
public final class SettingsReader {

  private static final Logger LOG = LoggerFactory.getLogger(SettingsReader.class);
  /** A key named like a credential ({@code api_key}, {@code token}, {@code client_secret}). */
  private static final java.util.regex.Pattern CREDENTIAL_KEY = java.util.regex.Pattern.compile(
      "(?i)(^|[_.-])(api_?key|key|token|secret|password|passwd)($|[_.-])");

  private final Path file;
  /** The JSON path of the section the config's root, such as {@code services.api}. */
  private final String root;
  /** Path of this reader below the root: empty at the root, else {@code request} or {@code items[0]}. */
  private final String prefix;
  private final Map<String, Object> values;
  /** Where keys are written, by path below the root; looked up from the longest enclosing path. */
  private final Map<String, SourcePosition> positions;
  private final SourcePosition rootPosition;
  /** Keys accepted at the root by {@link #allowOnly} besides those the caller names. */
  private final Set<String> implicitKeys;

  private SettingsReader(Path file, String root, String prefix, Map<String, Object> values,
      Map<String, SourcePosition> positions, SourcePosition rootPosition, Set<String> implicitKeys) {
    this.file = file;
    this.root = root;
    this.prefix = prefix;
    this.values = values;
    this.positions = positions;
    this.rootPosition = rootPosition;
    this.implicitKeys = implicitKeys;
  }

  /**
   * Creates a reader of values that are not written in a file, for tests and programmatic setups;
   * errors name the JSON path but no line.
   *
   * @param root the JSON path of the section, such as {@code notifications.telegram}
   * @param values the values (JSON-like: String, Number, Boolean, List, Map)
   * @return the reader
   */
  public static SettingsReader of(String root, Map<String, ?> values) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(values, "values");
    return located(null, root, values, SourcePosition.UNKNOWN, Map.of(), Set.of());
  }

  /** A reader of a section written in a file; {@code positions} are keyed by path below the root. */
  static SettingsReader located(Path file, String root, Map<String, ?> values, SourcePosition rootPosition,
      Map<String, SourcePosition> positions, Set<String> implicitKeys) {
    return new SettingsReader(file, root, "", Collections.unmodifiableMap(new LinkedHashMap<>(values)),
        Map.copyOf(positions), Objects.requireNonNull(rootPosition, "rootPosition"), Set.copyOf(implicitKeys));
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
   * Returns this reader's JSON path from the config's root, such as {@code services.api.request}.
   *
   * @return the path
   */
  public String jsonPath() {
    return prefix.isEmpty() ? root : root + (prefix.startsWith("[") ? "" : ".") + prefix;
  }

  /**
   * Returns the path of a key below the section's root, such as {@code request.url}.
   *
   * @param key the key
   * @return the relative path
   */
  public String path(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /**
   * Creates an error located at one of this reader's keys: the key's line and column when they
   * are known, else those of the nearest enclosing key, else those of the section.
   *
   * @param key the offending key
   * @param problem what is wrong and what is allowed; must not quote a credential
   * @return the exception, to throw
   */
  public ConfigException error(String key, String problem) {
    return errorAtPath(path(key), problem);
  }

  /**
   * Creates an error about this reader's object as a whole (a missing combination of keys, an
   * unknown notifier type).
   *
   * @param problem what is wrong and what is allowed; must not quote a credential
   * @return the exception, to throw
   */
  public ConfigException error(String problem) {
    return errorAtPath(prefix, problem);
  }

  private ConfigException errorAtPath(String relative, String problem) {
    SourcePosition at = locate(relative);
    String full = relative.isEmpty() ? root : root + (relative.startsWith("[") ? "" : ".") + relative;
    return new ConfigException(file, full, at.line(), at.column(), problem, null);
  }

  private SourcePosition locate(String relative) {
    String p = relative;
    while (!p.isEmpty()) {
      SourcePosition at = positions.get(p);
      if (at != null && at.line() > 0) {
        return at;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
    }
    return rootPosition;
  }

  /**
   * Fails if a key is not among the allowed ones, suggesting the nearest allowed key and listing
   * them all.
   *
   * @param allowed the allowed keys
   * @return this reader
   * @throws ConfigException naming every unknown key (see {@link ConfigException#problems()})
   */
  public SettingsReader allowOnly(Set<String> allowed) {
    Set<String> all = new TreeSet<>(allowed);
    if (prefix.isEmpty()) {
      all.addAll(implicitKeys);
    }
    List<ConfigException> unknown = new ArrayList<>();
    for (String k : values.keySet()) {
      if (!all.contains(k)) {
        if (all.contains(k + "_env")) {
          // "token": "sk-..." where "token_env": "NAME" belongs: say where a credential goes.
          unknown.add(error(k, "is not a known setting: a credential is never written in the config; put it in the"
              + " environment or in .env under a name such as MY_TOKEN, and write \"" + k + "_env\": \"MY_TOKEN\""
              + " here; allowed here: " + all));
          continue;
        }
        List<String> meant = DidYouMean.suggestAll(k, List.copyOf(all));
        String hint = meant.isEmpty() ? "" : " (did you mean " + DidYouMean.either(meant, "\"") + "?)";
        if (hint.isEmpty() && k.endsWith("_env")) {
          // "token_env": "MY_GH" names a variable, not a credential: not the hint below. At a
          // section's top, where no key names a variable, the service reads fixed ones (GitHub:
          // GITHUB_TOKEN); nested (a rest auth of type none), that cannot be told.
          if (prefix.isEmpty() && all.stream().noneMatch(a -> a.endsWith("_env"))) {
            hint = " (no setting here names a variable: this service reads its credentials from variables of"
                + " fixed names, which its documentation lists and a 'missing credential' message names)";
          }
        } else if (hint.isEmpty() && CREDENTIAL_KEY.matcher(k).find()) {
          // "api_key": "sk-..." pasted into the config: say where a credential goes (nu42 trial). Not
          // "check lists them": check stops at the config errors, before its table of credentials.
          hint = " (a credential is never written in the config: put it in the environment or in .env under the"
              + " variable name this service reads, which its documentation lists and a 'missing credential'"
              + " message names)";
        }
        unknown.add(error(k, "is not a known setting" + hint + "; allowed here: " + all));
      }
    }
    // Every unknown key at once: two misspelt keys in one block took two runs to find.
    if (unknown.size() == 1) {
      throw unknown.get(0);
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(unknown);
    }
    return this;
  }

  /**
   * Accepts an old spelling of a key: when {@code oldKey} is present it is read as {@code newKey}
   * and a deprecation WARN names both with where the old one is written; when both are present the
   * config is rejected, as it is ambiguous.
   *
   * @param oldKey the deprecated spelling
   * @param newKey the current spelling
   * @return a reader where the old key is renamed, or this reader when it is absent
   * @throws ConfigException if both spellings are present
   */
  public SettingsReader renamed(String oldKey, String newKey) {
    if (!values.containsKey(oldKey)) {
      return this;
    }
    if (values.containsKey(newKey)) {
      throw error(oldKey, "is the old spelling of \"" + newKey + "\", which is also given; keep only \"" + newKey
          + "\"");
    }
    ConfigException where = error(oldKey, "");
    LOG.warn("Config key {}{} is deprecated and will be removed: write \"{}\" instead", where.path().orElse(oldKey),
        where.line() > 0 ? " (" + where.file().map(f -> f + ":").orElse("line ") + where.line() + ")" : "",
        newKey);
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      copy.put(e.getKey().equals(oldKey) ? newKey : e.getKey(), e.getValue());
    }
    Map<String, SourcePosition> moved = new LinkedHashMap<>(positions);
    SourcePosition at = positions.get(path(oldKey));
    if (at != null) {
      moved.put(path(newKey), at);
    }
    return new SettingsReader(file, root, prefix, Collections.unmodifiableMap(copy), Map.copyOf(moved), rootPosition,
        implicitKeys);
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
   * Returns the keys present, in file order.
   *
   * @return the keys
   */
  public Set<String> keys() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(values.keySet()));
  }

  /**
   * Returns all values of this object as a plain tree, unmodifiable.
   *
   * @return the values
   */
  public Map<String, Object> values() {
    return values;
  }

  /**
   * Returns a nested object.
   *
   * @param key the key
   * @return its reader, empty if absent
   * @throws ConfigException if present and not an object
   */
  @SuppressWarnings("unchecked")
  public SettingsReader object(String key) {
    Object v = values.get(key);
    if (v == null) {
      return child(path(key), Map.of());
    }
    if (!(v instanceof Map)) {
      throw error(key, "must be an object, got " + describe(v));
    }
    return child(path(key), Collections.unmodifiableMap((Map<String, Object>) v));
  }

  /**
   * Returns a list of nested objects.
   *
   * @param key the key
   * @return their readers, empty if absent
   * @throws ConfigException if present and not a list of objects
   */
  public List<SettingsReader> objects(String key) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw error(key, "must be a list of objects, got " + describe(v));
    }
    List<SettingsReader> out = new ArrayList<>();
    List<?> list = (List<?>) v;
    for (int i = 0; i < list.size(); i++) {
      Object o = list.get(i);
      String p = path(key) + "[" + i + "]";
      if (!(o instanceof Map)) {
        throw errorAtPath(p, "must be an object, got " + describe(o));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(child(p, Collections.unmodifiableMap(m)));
    }
    return out;
  }

  /**
   * Returns a reader of an object below this reader that was handed over on its own, such as an
   * emergency action's settings given to an SPI with their path ({@code on_runaway.actions[0]}),
   * so its errors are located like those of any other setting.
   *
   * @param relativePath the object's path below this reader
   * @param objectValues the object's values
   * @return the reader
   */
  public SettingsReader nested(String relativePath, Map<String, ?> objectValues) {
    Objects.requireNonNull(relativePath, "relativePath");
    Objects.requireNonNull(objectValues, "objectValues");
    return child(path(relativePath), Collections.unmodifiableMap(new LinkedHashMap<>(objectValues)));
  }

  private SettingsReader child(String path, Map<String, Object> childValues) {
    return new SettingsReader(file, root, path, childValues, positions, rootPosition, Set.of());
  }

  /**
   * Returns a string.
   *
   * @param key the key
   * @return the value, empty if absent
   * @throws ConfigException if present and not a string
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
   * @param hint what the value is, for the error message ("your GitHub organisation's login")
   * @return the value
   * @throws ConfigException if absent, blank or not a string
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
   * @throws ConfigException if present and not one of {@code allowed}
   */
  public String choice(String key, String defaultValue, List<String> allowed) {
    String s = string(key).orElse(defaultValue);
    if (!allowed.contains(s)) {
      throw error(key, "must be one of " + allowed + "; got " + shownChoice(s)
          + DidYouMean.suggest(s, allowed).map(a -> " (did you mean \"" + a + "\"?)").orElse(""));
    }
    return s;
  }

  /**
   * Quotes a value that is not one of the choices, so the user sees what the file says; a long
   * value, or one of 16 characters or more mixing letters and digits (a token pasted in the wrong
   * place), is described, never quoted.
   */
  private static String shownChoice(String s) {
    return dev.runaway.config.internal.Redaction.shown(s);
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
   * Returns an object whose values are all strings.
   *
   * @param key the key
   * @return the entries in order, empty if absent
   * @throws ConfigException if present and not an object of strings
   */
  public Map<String, String> stringMap(String key) {
    SettingsReader o = object(key);
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : o.values.keySet()) {
      out.put(k, o.string(k).orElseThrow(() -> o.error(k, "must be a string")));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns a number as a double.
   *
   * @param key the key
   * @return the value, empty if absent
   * @throws ConfigException if present and not a finite number
   */
  public OptionalDouble number(String key) {
    Optional<BigDecimal> d = decimal(key);
    return d.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(((Number) values.get(key)).doubleValue());
  }

  /**
   * Returns a non-negative number, or a default.
   *
   * @param key the key
   * @param defaultValue the value when absent
   * @return the value
   * @throws ConfigException if present and not a number of zero or more
   */
  public double nonNegative(String key, double defaultValue) {
    nonNegativeDecimal(key);
    return number(key).orElse(defaultValue);
  }

  /**
   * Returns a number as an exact decimal.
   *
   * @param key the key
   * @return the value, empty if absent
   * @throws ConfigException if present and not a finite number
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
   * @throws ConfigException if present and not a number of zero or more
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
   * @throws ConfigException if present and not a whole number within bounds
   */
  public int integer(String key, int defaultValue, int min, int max) {
    Object raw = values.get(key);
    if (raw != null && !(raw instanceof Number)) {
      // The rule, as for a number out of range: "must be a number" alone left the range to guess.
      throw error(key, "must be a whole number from " + min + " to " + max + ", got " + describe(raw));
    }
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
   * @throws ConfigException if present and not a list of whole numbers
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

  private BigDecimal toDecimal(String key, Number n) {
    if (n instanceof BigDecimal) {
      return (BigDecimal) n;
    }
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (n instanceof BigInteger) {
      return new BigDecimal((BigInteger) n);
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      throw error(key, "must be a finite number, got " + d);
    }
    return BigDecimal.valueOf(d);
  }

  /** Names a value's kind without quoting it: a string may be a credential. */
  static String describe(Object v) {
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

  /** Returns the path and keys; values are left out because some are secrets. */
  @Override
  public String toString() {
    return "SettingsReader[" + jsonPath() + ", keys=" + values.keySet() + "]";
  }
}
