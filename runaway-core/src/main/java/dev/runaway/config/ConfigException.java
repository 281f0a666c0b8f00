package dev.runaway.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A configuration that cannot be used: a broken JSON file, a wrong type or value, an unknown key,
 * a missing credential. The message names the file, the JSON path, the line and column where
 * known, what was wrong and what is allowed.
 *
 * <p>A config may have several such problems: reading a config reports every one it can find,
 * in file order, in one exception, whose {@link #problems()} lists them and whose message lists
 * them all, one a line. Its {@link #file()}, {@link #path()}, {@link #line()} and
 * {@link #column()} are those of the first. A broken JSON syntax stops the reading at the error,
 * so it is reported alone.
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
  /** The problems of an exception that gathers several, in file order; empty for a single problem. */
  private final List<ConfigException> problems;

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
    this.problems = List.of();
  }

  /**
   * Creates an exception that gathers every problem found in a config, so that one run reports
   * them all. The problems are sorted in file order (by line, then column; those with no line
   * last, in the order given); an exception that itself gathers several is replaced by its
   * problems.
   *
   * @param problems the problems, at least one
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public ConfigException(List<? extends ConfigException> problems) {
    this(flatten(problems), true);
  }

  private ConfigException(ArrayList<ConfigException> sorted, boolean flattened) {
    super(formatAll(sorted), sorted.get(0).getCause());
    ConfigException first = sorted.get(0);
    this.file = first.file;
    this.path = first.path;
    this.line = first.line;
    this.column = first.column;
    this.problem = first.problem;
    this.problems = sorted.size() == 1 ? List.of() : List.copyOf(sorted);
  }

  private static ArrayList<ConfigException> flatten(List<? extends ConfigException> problems) {
    Objects.requireNonNull(problems, "problems");
    ArrayList<ConfigException> out = new ArrayList<>();
    for (ConfigException e : problems) {
      out.addAll(Objects.requireNonNull(e, "a problem").problems());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("problems must hold at least one problem");
    }
    out.sort(Comparator.comparingInt((ConfigException e) -> e.line > 0 ? e.line : Integer.MAX_VALUE)
        .thenComparingInt(e -> e.line > 0 ? e.column : 0));
    return out;
  }

  private static String formatAll(List<ConfigException> sorted) {
    if (sorted.size() == 1) {
      return sorted.get(0).getMessage();
    }
    StringBuilder sb = new StringBuilder();
    sb.append(sorted.size()).append(" problems");
    Path file = sorted.get(0).file;
    if (file != null && sorted.stream().allMatch(e -> file.equals(e.file))) {
      sb.append(" in ").append(file);
    }
    sb.append(", in file order:");
    for (ConfigException e : sorted) {
      sb.append(System.lineSeparator()).append("  ").append(e.getMessage());
    }
    return sb.toString();
  }

  /**
   * Returns every problem this exception reports, in file order: several when a config was
   * read whole and more than one thing in it is wrong, else this exception alone.
   *
   * @return the problems, each with its own file, path, line, column and message; unmodifiable
   */
  public List<ConfigException> problems() {
    // null: deserialized from a release before the field existed.
    return problems == null || problems.isEmpty() ? List.of(this) : problems;
  }

  /**
   * Returns a copy located at a file, line and column (for an error raised far from the parser,
   * such as a notifier's settings checked by its provider), keeping the path, problem and cause.
   */
  ConfigException locatedAt(Path file, int line, int column) {
    if (!problems.isEmpty()) {
      throw new IllegalStateException("locate each of the problems instead");
    }
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
    // ".env" only where it was looked in: a source of the environment alone (such as
    // TelegramNotifier.fromEnvironment()) told a user to add the variable to a .env it never reads.
    return new ConfigException("missing credential " + name + " (looked in: " + where
        + "); set the environment variable " + name + (where.contains(".env") ? " or add it to .env"
        : " (a .env file is read only through SecretSource.defaults() or SecretSource.dotEnv(...))"));
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
