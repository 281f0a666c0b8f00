package dev.runaway.config.internal;

import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import dev.runaway.internal.Plugins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link SecretSource}s: the environment, {@code .env} files, fixed maps, and the
 * default chain with {@link SecretSourceProvider}s.
 *
 * <p>Every source is immutable after creation and thread-safe.
 */
public final class Secrets {

  private static final Logger LOG = LoggerFactory.getLogger(Secrets.class);
  private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

  private Secrets() {}

  /**
   * Tells whether a string can name a credential's variable: letters, digits, {@code _} and
   * {@code .}, not starting with a digit (the names a {@code .env} file accepts).
   *
   * @param name the candidate
   * @return whether it is a variable name
   */
  public static boolean isVariableName(String name) {
    return name != null && VARIABLE_NAME.matcher(name).matches();
  }

  /**
   * What a config error says at a setting that should name a credential's variable but holds
   * something {@link #isCredentialShaped shaped like a credential}; the value is never quoted.
   */
  public static final String NOT_A_VARIABLE_NAME = "must name an environment variable, such as MY_API_TOKEN"
      + " (letters, digits and '_', not starting with a digit), but the value written here, which names no"
      + " variable that is set, is not a variable name or is shaped like a credential (20 or more characters"
      + " mixing upper- and lower-case letters and digits). It is not shown, since it may be the credential"
      + " itself: put the credential in the environment or in .env under a name and write that name here";

  /**
   * Tells whether a string written where a variable's name belongs is shaped like a credential
   * instead: not a variable name at all, or 20 characters or more mixing upper- and lower-case
   * letters and digits, as GitHub, Stripe and Vercel tokens do (they are valid identifiers). No
   * conventional variable name (upper case, digits, {@code _}) is.
   *
   * @param name the candidate
   * @return whether it should never be printed as a name
   */
  public static boolean isCredentialShaped(String name) {
    if (!isVariableName(name)) {
      return true;
    }
    if (name.length() < 20) {
      return false;
    }
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
      digit |= c >= '0' && c <= '9';
    }
    return lower && upper && digit;
  }

  /**
   * Finds the setting that holds a string, such as a credential written where its variable's name
   * belongs, so that an error can name the setting instead of quoting the value.
   *
   * @param settings a settings tree of maps, lists and plain values
   * @param value the string to find
   * @return the dotted path of the first setting equal to it ({@code a.b[2].c}), or {@code null}
   */
  public static String settingHolding(Object settings, String value) {
    return settingHolding(settings, value, "");
  }

  private static String settingHolding(Object node, String value, String path) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String found = settingHolding(e.getValue(), value,
            path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey());
        if (found != null) {
          return found;
        }
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        String found = settingHolding(l.get(i), value, path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    } else if (value.equals(node)) {
      return path;
    }
    return null;
  }

  /** A source backed by a fixed map. */
  static final class MapSource implements SecretSource {
    private final Map<String, String> values;
    private final String description;

    MapSource(Map<String, String> values, String description) {
      this.values = values;
      this.description = description;
    }

    @Override
    public Optional<Secret> get(String name) {
      String v = values.get(name);
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(Secret.of(name, v));
    }

    @Override
    public String describe() {
      return description;
    }

    @Override
    public String toString() {
      return "SecretSource[" + description + ", names=" + values.keySet() + "]";
    }
  }

  /**
   * The process environment.
   *
   * @return the source
   */
  public static SecretSource environment() {
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Secret.of(name, v));
      }

      @Override
      public String describe() {
        return "environment";
      }

      @Override
      public String toString() {
        return "SecretSource[environment]";
      }
    };
  }

  /**
   * A fixed map.
   *
   * @param values the values
   * @return the source
   */
  public static SecretSource of(Map<String, String> values) {
    return new MapSource(Map.copyOf(values), "given values");
  }

  /**
   * A {@code .env} file, read once now: {@code NAME=value} lines, blank lines and {@code #}
   * comments, an optional {@code export } prefix, values in single or double quotes (taken
   * literally: no escapes, no {@code $VAR} expansion, no multi-line values) or unquoted (where
   * {@code " #"} starts a comment). A later line wins over an earlier one of the same name; when it
   * replaces a different non-blank value, a WARN names both lines (never the values). A missing
   * file is an empty source.
   *
   * @param file the file
   * @return the source
   * @throws ConfigException if the file cannot be read or a line is malformed; the message names
   *     the file and line and never quotes the line, which may hold a secret
   */
  public static SecretSource dotEnv(Path file) {
    Objects.requireNonNull(file, "file");
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new MapSource(Map.of(), ".env at " + file + " (absent)");
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, null, 0, 0, "the .env file is not UTF-8 text: save it as UTF-8", null);
    } catch (IOException e) {
      throw new ConfigException(file, null, 0, 0, "cannot read the .env file: " + e, e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, Integer> lineOf = new java.util.HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String raw = lines.get(i);
      if (i == 0 && raw.startsWith("\uFEFF")) {
        raw = raw.substring(1);
      }
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export") && line.length() > 6 && Character.isWhitespace(line.charAt(6))) {
        line = line.substring(7).strip();
      }
      int lineNo = i + 1;
      int eq = line.indexOf('=');
      // Never quote the line or any part of it: it may hold a secret.
      if (eq < 0) {
        throw malformed(file, lineNo, "expected NAME=value but the line has no '='");
      }
      String name = line.substring(0, eq).strip();
      if (!VARIABLE_NAME.matcher(name).matches()) {
        throw malformed(file, lineNo, "expected NAME=value but the text before '=' is not a variable name"
            + " (letters, digits and '_', not starting with a digit)");
      }
      String value = value(line.substring(eq + 1), file, lineNo, name);
      String earlier = values.put(name, value);
      Integer earlierLine = lineOf.put(name, lineNo);
      if (earlier != null && !earlier.isBlank() && !earlier.equals(value)) {
        // The later line wins, as in a shell; said aloud, since an old key left above a new one, or
        // the template's blank "NAME=" pasted below a filled one, silently changed which is used.
        LOG.warn(".env {}:{}: {} is set again (also at line {}); the value of line {} is used{}", file, lineNo, name,
            earlierLine, lineNo, value.isBlank() ? ", which is blank, so " + name + " counts as not set here" : "");
      }
    }
    return new MapSource(Collections.unmodifiableMap(values), ".env at " + file);
  }

  private static String value(String afterEquals, Path file, int lineNo, String name) {
    String v = afterEquals.strip();
    if (v.isEmpty() || (v.startsWith("#") && !afterEquals.startsWith("#"))) {
      return ""; // "KEY= # comment" is empty, as in shells; "KEY=#abc" is the value "#abc"
    }
    char q = v.charAt(0);
    if (q == '"' || q == '\'') {
      int close = v.indexOf(q, 1);
      if (close < 0) {
        throw malformed(file, lineNo, "the value of " + name + " opens a " + (q == '"' ? "double" : "single")
            + " quote that is not closed on the same line (multi-line values are not supported)");
      }
      String rest = v.substring(close + 1).strip();
      if (!rest.isEmpty() && !rest.startsWith("#")) {
        throw malformed(file, lineNo, "the value of " + name + " has text after its closing quote;"
            + " only a # comment may follow it");
      }
      return v.substring(1, close);
    }
    int hash = v.indexOf(" #");
    if (hash < 0) {
      hash = v.indexOf("\t#");
    }
    return hash >= 0 ? v.substring(0, hash).strip() : v;
  }

  private static ConfigException malformed(Path file, int lineNo, String problem) {
    return new ConfigException(file, null, lineNo, 0, problem, null);
  }

  /**
   * Environment, then ./.env, then every {@link SecretSourceProvider}.
   *
   * @return the chain
   */
  public static SecretSource defaults() {
    return defaults(Path.of(".env"), SecretSourceProvider.class.getClassLoader());
  }

  /**
   * Environment, then {@code dotEnv}, then every {@link SecretSourceProvider} visible to
   * {@code loader}, in class-name order ({@link #plugged}).
   *
   * @param dotEnv the {@code .env} file
   * @param loader where to look for providers
   * @return the chain
   */
  public static SecretSource defaults(Path dotEnv, ClassLoader loader) {
    SecretSource chain = environment().orElse(dotEnv(dotEnv));
    for (SecretSource source : plugged(loader)) {
      chain = chain.orElse(source);
    }
    return chain;
  }

  /**
   * Returns the source of every {@link SecretSourceProvider} found with {@code loader}, in
   * class-name order. A provider that cannot be loaded, throws from {@code create()} or returns
   * {@code null} is reported at WARN and skipped; a thrown exception is named by its type only,
   * never its message: a secret manager that failed may quote what it was given, and nothing
   * else knows that value to mask it.
   *
   * @param loader where to look for providers
   * @return the sources
   */
  public static List<SecretSource> plugged(ClassLoader loader) {
    List<SecretSource> out = new ArrayList<>();
    for (SecretSourceProvider provider : Plugins.load(SecretSourceProvider.class, loader, LOG)) {
      SecretSource source;
      try {
        source = provider.create();
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("SecretSourceProvider {} failed to create its source ({}), which is skipped",
            provider.getClass().getName(), e.getClass().getName());
        continue;
      }
      if (source == null) {
        LOG.warn("SecretSourceProvider {} returned no source (null), which is skipped", provider.getClass().getName());
        continue;
      }
      LOG.debug("Secrets: {} from SecretSourceProvider {}", source.describe(), provider.getClass().getName());
      out.add(source);
    }
    return out;
  }
}
