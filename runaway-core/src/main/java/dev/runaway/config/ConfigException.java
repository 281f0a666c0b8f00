package dev.runaway.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A configuration that cannot be used: a broken JSON file, a wrong type or value, an unknown key,
 * a missing credential. The message names the file, the JSON path, the line and column where
 * known, what was wrong and what is allowed.
 *
 * <p>Unchecked: configuration errors are programming or deployment errors, reported at start-up.
 * It is not a {@link dev.runaway.RunawayException}, which means a call was refused.
 */
public class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String path;
  private final int line;
  private final int column;
  private final String problem;

  /**
   * Creates an exception.
   *
   * @param file the file, or {@code null} for a string or programmatic config
   * @param path the JSON path such as {@code cost_thresholds.openai.hourly}, or {@code null}
   * @param line the 1-based line, or 0 if unknown
   * @param column the 1-based column, or 0 if unknown
   * @param problem what is wrong and how to fix it
   * @param cause the underlying exception, or {@code null}
   */
  public ConfigException(Path file, String path, int line, int column, String problem, Throwable cause) {
    super(format(file, path, line, column, problem), cause);
    this.file = file;
    this.path = path;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }

  /**
   * Returns a copy located at a file, line and column (for an error raised far from the parser,
   * such as a notifier's settings checked by its provider), keeping the path, problem and cause.
   */
  ConfigException locatedAt(Path file, int line, int column) {
    ConfigException copy = new ConfigException(file, path, line, column, problem, getCause());
    copy.setStackTrace(getStackTrace());
    return copy;
  }

  /**
   * Creates an exception with no location.
   *
   * @param problem what is wrong and how to fix it
   */
  public ConfigException(String problem) {
    this(null, null, 0, 0, problem, null);
  }

  static ConfigException missingSecret(String name, String where) {
    return new ConfigException("missing credential " + name + " (looked in: " + where
        + "); set the environment variable " + name + " or add it to .env");
  }

  private static String format(Path file, String path, int line, int column, String problem) {
    StringBuilder sb = new StringBuilder();
    if (file != null) {
      sb.append(file);
      if (line > 0) {
        sb.append(':').append(line);
        if (column > 0) {
          sb.append(':').append(column);
        }
      }
    } else if (line > 0) {
      sb.append("line ").append(line);
      if (column > 0) {
        sb.append(", column ").append(column);
      }
    }
    if (path != null && !path.isEmpty()) {
      if (sb.length() > 0) {
        sb.append(": ");
      }
      sb.append(path);
    }
    if (sb.length() > 0) {
      sb.append(": ");
    }
    return sb.append(problem).toString();
  }

  /**
   * Returns the file, if the config came from one.
   *
   * @return the file
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * Returns the JSON path of the offending value, such as {@code circuit_breaker.enabled}.
   *
   * @return the path, or empty if the problem is not at one value
   */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /**
   * Returns the 1-based line, or 0 if unknown.
   *
   * @return the line
   */
  public int line() {
    return line;
  }

  /**
   * Returns the 1-based column, or 0 if unknown.
   *
   * @return the column
   */
  public int column() {
    return column;
  }
}
