package dev.runaway.config.internal;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads a config file whole for the standalone monitor's {@code check} and {@code start}: the
 * config without its broken sections, and every problem the core parser found, so the providers'
 * settings of the valid sections can be checked in the same run and every problem reported at
 * once. {@link MonitorConfig#load} throws instead; this is not public API.
 *
 * <p>Thread-safe.
 */
public final class ConfigReading {

  /**
   * What reading found.
   *
   * @param config the config with its broken sections left out, or {@code null} when nothing
   *     could be read (a missing file, a JSON syntax error)
   * @param problems every problem, in file order; empty for a valid config
   */
  public record Outcome(MonitorConfig config, List<ConfigException> problems) {

    /** Copies {@code problems}: an outcome is immutable. */
    public Outcome {
      problems = List.copyOf(problems);
    }
  }

  /** Set once by {@link MonitorConfig}, which alone builds itself from a parsed config. */
  private static volatile Function<ParsedConfig, MonitorConfig> factory;

  private ConfigReading() {}

  /**
   * Called once by {@link MonitorConfig}'s initialisation; later calls are ignored.
   *
   * @param f builds a config from a parsed one
   */
  public static synchronized void bind(Function<ParsedConfig, MonitorConfig> f) {
    if (factory == null) {
      factory = Objects.requireNonNull(f, "f");
    }
  }

  /**
   * Reads a config file and finds every problem the core parser can: see {@link ConfigParser#readAll(Path)}.
   *
   * @param file the file
   * @return the config, its broken sections left out, and the problems
   */
  public static Outcome readAll(Path file) {
    Objects.requireNonNull(MonitorConfig.DEFAULT_INTERVAL); // initialises MonitorConfig, which binds the factory
    ConfigParser.Outcome o = ConfigParser.logged(ConfigParser.readAll(file));
    return new Outcome(o.config() == null ? null : factory.apply(o.config()), o.problems());
  }
}
