package dev.runaway.config.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What reading a config found is immutable, as its javadoc (thread-safe) promises. */
final class ConfigOutcomeTest {

  @Test
  void outcomes_copyTheirProblems() {
    List<ConfigException> problems = new ArrayList<>(List.of(new ConfigException("one")));
    ConfigParser.Outcome parsed = new ConfigParser.Outcome(null, problems);
    ConfigReading.Outcome read = new ConfigReading.Outcome(null, problems);

    problems.add(new ConfigException("two"));

    assertThat(parsed.problems()).hasSize(1);
    assertThat(read.problems()).hasSize(1);
  }
}
