package dev.runaway.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where credentials come from: the environment, a {@code .env} file, a map, or an external
 * secret manager plugged in through {@link SecretSourceProvider}.
 *
 * <p>Sources chain with {@link #orElse(SecretSource)}:
 * {@code SecretSource.environment().orElse(SecretSource.dotEnv(Path.of(".env")))}.
 *
 * <p>Implementations are thread-safe. Values come back wrapped in {@link Secret}, whose
 * {@code toString()} never reveals them.
 */
@FunctionalInterface
public interface SecretSource {

  /**
   * Looks a secret up by name, such as {@code OPENAI_API_KEY}. Blank values count as absent.
   *
   * @param name the name
   * @return the secret, or empty if this source does not have it
   */
  Optional<Secret> get(String name);

  /**
   * Looks a secret up, failing with a message that names what is missing and where it was
   * looked for.
   *
   * @param name the name
   * @return the secret
   * @throws ConfigException if the secret is absent
   */
  default Secret require(String name) {
    return get(name).orElseThrow(() -> ConfigException.missingSecret(name, describe()));
  }

  /**
   * Describes where this source looks, for error messages ("environment", ".env at /app/.env").
   *
   * @return a description; never contains a secret
   */
  default String describe() {
    return getClass().getSimpleName();
  }

  /**
   * Returns a source that asks this one first and {@code fallback} when this one lacks a name.
   *
   * @param fallback the source to ask second
   * @return the chained source
   */
  default SecretSource orElse(SecretSource fallback) {
    Objects.requireNonNull(fallback, "fallback");
    SecretSource first = this;
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        Optional<Secret> found = first.get(name);
        return found.isPresent() ? found : fallback.get(name);
      }

      @Override
      public String describe() {
        return first.describe() + ", then " + fallback.describe();
      }

      @Override
      public String toString() {
        return "SecretSource[" + describe() + "]";
      }
    };
  }

  /**
   * Returns the process environment.
   *
   * @return a source reading {@link System#getenv(String)}
   */
  static SecretSource environment() {
    return dev.runaway.config.internal.Secrets.environment();
  }

  /**
   * Returns the variables of a {@code .env} file, read once now: {@code NAME=value} lines, blank
   * lines and {@code #} comments, an optional {@code export} prefix, values in single or double
   * quotes (taken literally: no escapes, no {@code $VAR} expansion, no multi-line values) or
   * unquoted (where a {@code #} after white space starts a comment). A later line wins over an
   * earlier one with the same name (a WARN names both lines, never the values, when it replaces a
   * different non-blank value); blank values count as absent. A missing file is an empty
   * source.
   *
   * @param file the file
   * @return a source holding the file's variables
   * @throws ConfigException if the file exists but cannot be read, is not UTF-8, or has a
   *     malformed line; the message names the file and the line but never quotes the line
   */
  static SecretSource dotEnv(Path file) {
    return dev.runaway.config.internal.Secrets.dotEnv(file);
  }

  /**
   * Returns a source holding the given values, for tests and programmatic setups.
   *
   * @param values names to values
   * @return the source
   */
  static SecretSource of(Map<String, String> values) {
    return dev.runaway.config.internal.Secrets.of(values);
  }

  /**
   * Returns the environment, then {@code .env} in the working directory, then every
   * {@link SecretSourceProvider} found by {@link java.util.ServiceLoader}, in that order. A
   * provider that cannot be loaded, throws from {@code create()} or returns {@code null} is
   * logged at WARN with its class name and skipped.
   *
   * @return the default chain
   * @throws ConfigException if {@code .env} exists but is malformed or unreadable
   */
  static SecretSource defaults() {
    return dev.runaway.config.internal.Secrets.defaults();
  }
}
