package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken config files, each with the exact place its error must point at and the words that tell
 * the user how to fix it.
 */
final class BrokenConfigTest {

  /**
   * One broken file.
   *
   * @param name what is broken
   * @param json the file's content
   * @param path the JSON path the message must name, or "" for the top level
   * @param line the line the message must name
   * @param column the column the message must name
   * @param fix fragments the message must contain: what was wrong and what is allowed
   */
  record Case(String name, String json, String path, int line, int column, List<String> fix) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case c(String name, String json, String path, int line, int column, String... fix) {
    return new Case(name, json, path, line, column, List.of(fix));
  }

  static Stream<Case> cases() {
    return Stream.of(
        // Wrong types.
        c("interval written as a string", """
            {
              "monitoring_interval": "300"
            }
            """, "monitoring_interval", 2, 26,
            "must be a whole number of seconds from 1 to 86400", "got the string \"300\"",
            "write the number without quotes"),
        c("hourly limit written as a string", """
            {"cost_thresholds": {"openai": {"hourly": "10", "daily": 100.0}}}
            """, "cost_thresholds.openai.hourly", 1, 43,
            "must be a positive number of dollars", "write the number without quotes"),
        c("breaker switch written as a string", """
            {
              "circuit_breaker": {"enabled": "true", "threshold_multiplier": 5.0}
            }
            """, "circuit_breaker.enabled", 2, 34,
            "must be true or false", "got the string \"true\"", "without quotes"),
        c("breaker switch written as a word", """
            {"circuit_breaker": {"enabled": "yes"}}
            """, "circuit_breaker.enabled", 1, 33, "must be true or false", "got the string \"yes\""),
        c("spike multiplier is an object", """
            {"usage_spike_multiplier": {"value": 3}}
            """, "usage_spike_multiplier", 1, 28, "must be a number greater than 1", "got an object"),
        c("state_dir is a number", """
            {
              "state_dir": 42
            }
            """, "state_dir", 2, 16, "must be a folder as a string", "got the number 42"),
        c("state_dir is empty", """
            {"state_dir": "  "}
            """, "state_dir", 1, 15, "must be a folder as a string", "empty string"),
        c("service type is a number", """
            {
              "services": {
                "openai": {"type": 5}
              }
            }
            """, "services.openai.type", 3, 24, "must be a detector type", "\"openai\"", "got the number 5"),
        c("base_url is not http", """
            {"services": {"mirror": {"type": "rest", "base_url": "ftp://example.com/usage"}}}
            """, "services.mirror.base_url", 1, 54, "must be an absolute http or https URL",
            "needs http:// or https:// and a host name"),
        c("notifier settings are not an object", """
            {"notifications": {"telegram": true}}
            """, "notifications.telegram", 1, 32, "must be an object of the notifier's settings", "got true"),

        // Negative, zero and out-of-range values.
        c("interval is zero", """
            {"monitoring_interval": 0}
            """, "monitoring_interval", 1, 25, "from 1 to 86400", "got the number 0"),
        c("interval is negative", """
            {"monitoring_interval": -5}
            """, "monitoring_interval", 1, 25, "from 1 to 86400", "got the number -5"),
        c("interval has a fraction", """
            {"monitoring_interval": 2.5}
            """, "monitoring_interval", 1, 25, "whole number of seconds", "got the number 2.5"),
        c("interval is longer than a day", """
            {"monitoring_interval": 86401}
            """, "monitoring_interval", 1, 25, "from 1 to 86400", "got the number 86401"),
        c("hourly limit is negative", """
            {
              "cost_thresholds": {
                "openai": {"hourly": -1, "daily": 100.0}
              }
            }
            """, "cost_thresholds.openai.hourly", 3, 26, "must be a positive number of dollars",
            "got the number -1"),
        c("daily limit is zero", """
            {"cost_thresholds": {"github_actions": {"hourly": 5.0, "daily": 0}}}
            """, "cost_thresholds.github_actions.daily", 1, 65, "must be a positive number of dollars",
            "leave the key out for no limit", "got the number 0"),
        c("daily limit is absurdly large", """
            {"cost_thresholds": {"openai": {"daily": 1e10}}}
            """, "cost_thresholds.openai.daily", 1, 42, "at most 1000000000", "got the number 1e10"),
        c("spike multiplier is 1", """
            {"usage_spike_multiplier": 1}
            """, "usage_spike_multiplier", 1, 28, "greater than 1", "got the number 1"),
        c("breaker multiplier is below 1", """
            {"circuit_breaker": {"threshold_multiplier": 0.5}}
            """, "circuit_breaker.threshold_multiplier", 1, 46, "greater than 1", "got the number 0.5"),
        c("spike multiplier overflows a double", """
            {"usage_spike_multiplier": 1e400}
            """, "usage_spike_multiplier", 1, 28, "greater than 1", "got the number 1e400"),
        c("NaN", """
            {
              "usage_spike_multiplier": NaN
            }
            """, "usage_spike_multiplier", 2, 29, "NaN and Infinity are not JSON numbers", "finite number"),

        // Unknown keys, with a suggestion and the allowed keys.
        c("misspelt interval", """
            {
              "monitoring_intervall": 300
            }
            """, "monitoring_intervall", 2, 3, "unknown key 'monitoring_intervall'",
            "did you mean 'monitoring_interval'?", "Allowed keys here: monitoring_interval, cost_thresholds"),
        c("misspelt spike multiplier", """
            {"monitoring_interval": 300,
             "usage_spike_multipler": 3.0}
            """, "usage_spike_multipler", 2, 2, "did you mean 'usage_spike_multiplier'?", "Allowed keys here:"),
        c("camelCase key", """
            {"monitoringInterval": 300}
            """, "monitoringInterval", 1, 2, "did you mean 'monitoring_interval'?"),
        c("misspelt hourly", """
            {"cost_thresholds": {"openai": {"hourley": 10.0}}}
            """, "cost_thresholds.openai.hourley", 1, 33, "unknown key 'hourley'", "did you mean 'hourly'?",
            "Allowed keys here: hourly, daily"),
        c("misspelt breaker multiplier", """
            {"circuit_breaker": {"enabled": true, "threshold_multplier": 5.0}}
            """, "circuit_breaker.threshold_multplier", 1, 39, "did you mean 'threshold_multiplier'?",
            "Allowed keys here: enabled, threshold_multiplier"),
        c("inner key at the top level", """
            {"threshold_multiplier": 5.0}
            """, "threshold_multiplier", 1, 2, "unknown key 'threshold_multiplier'",
            "belongs inside circuit_breaker"),
        c("unrelated key", """
            {"colour": "blue"}
            """, "colour", 1, 2, "unknown key 'colour'.", "Allowed keys here: monitoring_interval"),

        // Wrong nesting.
        c("service limits given as a bare number", """
            {
              "cost_thresholds": {
                "openai": 10.0
              }
            }
            """, "cost_thresholds.openai", 3, 15, "must be an object of limits in dollars",
            "{\"hourly\": 10.0, \"daily\": 100.0}", "got the number 10.0"),
        c("limits without a service", """
            {"cost_thresholds": {"hourly": 10.0}}
            """, "cost_thresholds.hourly", 1, 32, "must be an object of limits", "got the number 10.0"),
        c("cost_thresholds is a list", """
            {"cost_thresholds": [10, 100]}
            """, "cost_thresholds", 1, 21, "maps each service's name to its limits", "got a list"),
        c("circuit_breaker is a boolean", """
            {"circuit_breaker": true}
            """, "circuit_breaker", 1, 21, "{\"enabled\": true, \"threshold_multiplier\": 5.0}", "got true"),
        c("services entry is a string", """
            {
              "services": {
                "openai": "sk-not-an-object"
              }
            }
            """, "services.openai", 3, 15, "must be an object of the service's settings", "got a string"),
        c("services is a list", """
            {"services": ["openai"]}
            """, "services", 1, 14, "maps each service's name to its settings", "got a list"),

        // Bad names.
        c("service name with a space", """
            {
              "services": {
                "open ai": {}
              }
            }
            """, "services.open ai", 3, 5, "'open ai' is not a valid service name",
            "letters, digits, '_', '.' and '-'"),
        c("empty service name in cost_thresholds", """
            {"cost_thresholds": {"": {"hourly": 1}}}
            """, "cost_thresholds.\"\"", 1, 22, "an empty name is not a valid service name"),
        c("notifier name with a slash", """
            {"notifications": {"tele/gram": {}}}
            """, "notifications.tele/gram", 1, 20, "'tele/gram' is not a valid notifier type name",
            "such as telegram"),

        // Duplicate keys.
        c("duplicate top-level key", """
            {
              "monitoring_interval": 300,
              "monitoring_interval": 60
            }
            """, "monitoring_interval", 3, 3, "duplicate key 'monitoring_interval'",
            "already set at line 2, column 3", "keep only one"),
        c("duplicate nested key", """
            {"cost_thresholds": {"openai": {"hourly": 1.0,
                                            "hourly": 2.0}}}
            """, "cost_thresholds.openai.hourly", 2, 33, "duplicate key 'hourly'", "already set at line 1, column 33"),

        // Not one well-formed JSON object.
        c("truncated after a value", """
            {
              "monitoring_interval": 300,
              "cost_thresholds": {
                "openai": {"hourly": 10.0
            """, "cost_thresholds.openai", 5, 1,
            "the file ends before the object cost_thresholds.openai (opened at line 4, column 15) is closed"
                + " with '}'", "truncated"),
        c("truncated inside a string", """
            {"state_dir": "sta""", "state_dir", 1, 19, "ends inside a string", "closing double quote"),
        c("truncated after a key", """
            {"monitoring_interval":""", "", 1, 24, "the file ends before the object at the top level (opened at line 1,"
            + " column 1) is closed with '}'", "truncated"),
        c("trailing garbage", """
            {"monitoring_interval": 300} x
            """, "", 1, 30, "unexpected text after the end of the top-level object", "exactly one JSON object"),
        c("a closing brace too many", """
            {"monitoring_interval": 300}}
            """, "", 1, 29, "unexpected text after the end of the top-level object", "'}' too many"),
        c("two objects", """
            {}
            {}
            """, "", 2, 1, "exactly one JSON object"),
        c("trailing comma", """
            {
              "monitoring_interval": 300,
            }
            """, "", 3, 1, "expected a key in double quotes after monitoring_interval but found '}'",
            "no comma before '}'"),
        c("missing comma", """
            {
              "monitoring_interval": 300
              "usage_spike_multiplier": 3.0
            }
            """, "", 3, 3, "expected ',' or '}' after a value (the value of monitoring_interval)", "missing comma"),
        // Trial finding: an error between keys named the key before it as where it was.
        c("missing comma between nested keys", """
            {"services": {"openai": {"type": "openai",
                                     "budget_usd": 10
                                     "base_url": "http://127.0.0.1:9"}}}
            """, "services.openai", 3, 26, "expected ',' or '}' after a value (the value of services.openai.budget_usd)",
            "missing comma"),
        c("trailing comma in a nested object", """
            {"services": {"openai": {"type": "openai",}}}
            """, "services.openai", 1, 43, "expected a key in double quotes after services.openai.type but found '}'"),
        c("missing comma in a list", """
            {"services": {"rest": {"type": "rest", "metrics": [{"name": "a"} {"name": "b"}]}}}
            """, "services.rest.metrics[1]", 1, 66, "expected ',' or ']' after a value", "missing comma"),
        c("comment", """
            {
              // poll every five minutes
              "monitoring_interval": 300
            }
            """, "", 2, 3, "comments are not allowed in JSON"),
        c("single quotes", """
            {'monitoring_interval': 300}
            """, "", 1, 2, "double quotes, not single quotes"),
        c("unquoted word", """
            {"state_dir": state}
            """, "state_dir", 1, 15, "expected a value", "text without quotes is not JSON"),
        c("non-object root: list", """
            [1, 2]
            """, "", 1, 1, "the top level must be a JSON object", "got a list"),
        c("non-object root: string", """
              "monitoring_interval"
            """, "", 1, 3, "the top level must be a JSON object", "got a string"),
        c("empty file", "", "", 1, 1, "the config is empty", "such as {}"),
        c("only white space", "  \n\n  ", "", 1, 1, "the config is empty"));
  }

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void load_reportsFilePathLineColumnAndFix(Case c) throws IOException {
    Path file = dir.resolve("monitor_config.json");
    Files.writeString(file, c.json(), StandardCharsets.UTF_8);

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.load(file));

    assertThat(e).as("an error for: %s", c.name()).isNotNull();
    String where = file + ":" + c.line() + ":" + c.column() + ": " + (c.path().isEmpty() ? "" : c.path() + ": ");
    assertThat(e.getMessage()).startsWith(where);
    for (String fragment : c.fix()) {
      assertThat(e.getMessage()).contains(fragment);
    }
    assertThat(e.file()).contains(file);
    assertThat(e.path().orElse("")).isEqualTo(c.path());
    assertThat(e.line()).isEqualTo(c.line());
    assertThat(e.column()).isEqualTo(c.column());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void parse_reportsTheSamePlaceWithoutAFile(Case c) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.parse(c.json()));

    assertThat(e).isNotNull();
    assertThat(e.file()).isEmpty();
    assertThat(e.getMessage()).startsWith("line " + c.line() + ", column " + c.column() + ": ");
    assertThat(e.path().orElse("")).isEqualTo(c.path());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void messages_neverQuoteTheServiceValue(Case c) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.parse(c.json()));

    assertThat(e.getMessage()).doesNotContain("sk-not-an-object").doesNotContain("example.com/usage");
  }
}
