package dev.runaway.config.internal;

/**
 * A place in a config file: the 1-based line and column of a key or value.
 *
 * <p>Immutable and thread-safe.
 *
 * @param line the 1-based line, or 0 if unknown
 * @param column the 1-based column, or 0 if unknown
 */
public record SourcePosition(int line, int column) {

  /** The position of something that is not in a file, such as a default value. */
  public static final SourcePosition UNKNOWN = new SourcePosition(0, 0);
}
