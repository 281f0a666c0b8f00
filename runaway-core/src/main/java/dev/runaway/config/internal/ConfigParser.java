package dev.runaway.config.internal;

import dev.runaway.config.MonitorConfig;
import java.nio.file.Path;

/** Parses and validates {@code monitor_config.json}. */
public final class ConfigParser {
  private ConfigParser() {}

  /**
   * Loads a file.
   *
   * @param file the file
   * @return the config
   */
  public static MonitorConfig load(Path file) {
    throw new UnsupportedOperationException("config parsing is being written");
  }

  /**
   * Parses text.
   *
   * @param json the text
   * @param file the file it came from, or null
   * @return the config
   */
  public static MonitorConfig parse(String json, Path file) {
    throw new UnsupportedOperationException("config parsing is being written");
  }
}
