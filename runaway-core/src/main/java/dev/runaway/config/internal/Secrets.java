package dev.runaway.config.internal;

import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built-in {@link SecretSource}s. */
public final class Secrets {

  private static final Logger LOG = LoggerFactory.getLogger(Secrets.class);

  private Secrets() {}

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
   * A {@code .env} file.
   *
   * @param file the file
   * @return the source
   */
  public static SecretSource dotEnv(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new MapSource(Map.of(), ".env at " + file + " (absent)");
    } catch (IOException e) {
      throw new ConfigException(file, null, 0, 0, "cannot read the .env file: " + e.getMessage(), e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        // Never quote the line: it may hold a secret.
        throw new ConfigException(file, null, i + 1, 1,
            "expected NAME=value (a line of the .env file without '=' or without a name)", null);
      }
      String name = line.substring(0, eq).strip();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
        throw new ConfigException(file, null, i + 1, 1,
            "'" + name + "' is not a variable name: use letters, digits and '_'", null);
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
          && value.charAt(value.length() - 1) == value.charAt(0)) {
        value = value.substring(1, value.length() - 1);
      } else {
        int hash = value.indexOf(" #");
        if (hash >= 0) {
          value = value.substring(0, hash).strip();
        }
      }
      values.put(name, value);
    }
    return new MapSource(Map.copyOf(values), ".env at " + file);
  }

  /**
   * Environment, then ./.env, then every {@link SecretSourceProvider}.
   *
   * @return the chain
   */
  public static SecretSource defaults() {
    SecretSource chain = environment().orElse(dotEnv(Path.of(".env")));
    ServiceLoader<SecretSourceProvider> loader =
        ServiceLoader.load(SecretSourceProvider.class, SecretSourceProvider.class.getClassLoader());
    Iterator<SecretSourceProvider> it = loader.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        SecretSourceProvider p = it.next();
        chain = chain.orElse(p.create());
      } catch (ServiceConfigurationError | RuntimeException e) {
        LOG.warn("A SecretSourceProvider could not be loaded and is skipped: {}", e.toString());
      }
    }
    return chain;
  }
}
