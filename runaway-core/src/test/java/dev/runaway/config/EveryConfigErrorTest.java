package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading a config reports every error it can find in one exception, in file order (nu42 trial:
 * one error per run made a config with five typos take five runs).
 */
final class EveryConfigErrorTest {

  @Test
  void parse_errorsInEverySection_areAllReported_inFileOrder() {
    String json = "{\n"
        + "  \"monitoring_interval\": -5,\n"
        + "  \"cost_thresholds\": {\"openai\": {\"hourly\": -1, \"daily\": 100, \"weekly\": 5}},\n"
        + "  \"usage_spike_multiplier\": \"3\",\n"
        + "  \"circuit_breaker\": {\"enabeld\": true},\n"
        + "  \"services\": {\"x\": {\"type\": 5}, \"y\": {\"base_url\": \"ftp://127.0.0.1\"}},\n"
        + "  \"notifications\": {\"telegram\": 5},\n"
        + "  \"sevices\": {}\n"
        + "}";
    assertThatThrownBy(() -> MonitorConfig.parse(json)).isInstanceOfSatisfying(ConfigException.class, e -> {
      List<String> paths = e.problems().stream().map(p -> p.path().orElse("")).toList();
      assertThat(paths).containsExactly("monitoring_interval", "cost_thresholds.openai.hourly",
          "cost_thresholds.openai.weekly", "usage_spike_multiplier", "circuit_breaker.enabeld", "services.x.type",
          "services.y.base_url", "notifications.telegram", "sevices");
      assertThat(e.problems()).extracting(ConfigException::line).containsExactly(2, 3, 3, 4, 5, 6, 6, 7, 8);
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.path()).contains("monitoring_interval");
      assertThat(e.getMessage()).startsWith("9 problems, in file order:")
          .contains("did you mean 'enabled'?").contains("did you mean 'services'?")
          .contains("line 7, column 33: notifications.telegram: must be an object");
    });
  }

  @Test
  void parse_aServiceWithAnError_isNotAlsoMonitoredUnderTheNameOfItsBudget() {
    // services.search.type is wrong: the service is left out, and its budget must not bring it
    // back as a service of type "search" (which would add "unknown detector type 'search'").
    String json = "{\"cost_thresholds\": {\"search\": {\"daily\": 5}}, \"services\": {\"search\": {\"type\": 7}},"
        + " \"monitoring_interval\": 0}";
    assertThatThrownBy(() -> MonitorConfig.parse(json)).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.problems()).extracting(p -> p.path().orElse(""))
            .containsExactly("services.search.type", "monitoring_interval"));
  }

  @Test
  void parse_oneError_isTheSingleExceptionAsBefore() {
    assertThatThrownBy(() -> MonitorConfig.parse("{\"monitoring_interval\": 0}"))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).containsExactly(e);
          assertThat(e.getMessage()).startsWith("line 1, column 25: monitoring_interval: must be a whole number");
        });
  }

  @Test
  void parse_aSyntaxError_stopsTheReading_andSaysSo() {
    assertThatThrownBy(() -> MonitorConfig.parse("{\"monitoring_interval\": 0,, \"x\": 1}"))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).hasSize(1);
          assertThat(e.getMessage()).contains("read no further than this: fix it");
        });
  }

  @Test
  void constructor_gathersSortsAndFlattens() {
    ConfigException late = new ConfigException(null, "b", 9, 1, "late", null);
    ConfigException early = new ConfigException(null, "a", 2, 5, "early", null);
    ConfigException nowhere = new ConfigException("no line");
    ConfigException both = new ConfigException(List.of(late, nowhere));
    ConfigException all = new ConfigException(List.of(both, early));
    assertThat(all.problems()).containsExactly(early, late, nowhere);
    assertThat(all.getMessage()).isEqualTo("3 problems, in file order:" + System.lineSeparator()
        + "  line 2, column 5: a: early" + System.lineSeparator() + "  line 9, column 1: b: late"
        + System.lineSeparator() + "  no line");
    assertThatThrownBy(() -> new ConfigException(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parse_aMisspeltFleetKey_isOneError_notTwo() {
    // Also "fleet: needs exactly one of redis_url and redis_url_env", first in file order, about
    // the same mistake.
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\"redis_ur\": \"redis://127.0.0.1:6379/0\"}}"))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).containsExactly(e);
          assertThat(e.getMessage()).startsWith("line 1, column 12: fleet.redis_ur: unknown key 'redis_ur'; did you"
              + " mean 'redis_url'?");
        });
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\"key_prefix\": \"x\"}}"))
        .hasMessageContaining("fleet: needs exactly one of redis_url and redis_url_env");
  }

  @Test
  void parse_aTopLevelKeyWithAWordLess_getsADidYouMean() {
    assertThatThrownBy(() -> MonitorConfig.parse("{\"circuit\": {}}"))
        .hasMessageContaining("circuit: unknown key 'circuit'; did you mean 'circuit_breaker'?");
  }

  @Test
  void anExceptionSerializedBeforeProblemsExisted_listsItself() throws Exception {
    // A release before problems() wrote no such field: deserialized, it is null.
    ConfigException e = new ConfigException("services.x: bad");
    java.lang.reflect.Field f = ConfigException.class.getDeclaredField("problems");
    f.setAccessible(true);
    f.set(e, null);
    assertThat(e.problems()).containsExactly(e);
  }
}
