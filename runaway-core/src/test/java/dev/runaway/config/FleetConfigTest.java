package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code fleet} section: how the standalone monitor joins a fleet breaker on Redis. */
final class FleetConfigTest {

  @Test
  void fleet_readsTheUrlOrItsVariableAndDefaultsThePrefix() {
    MonitorConfig inFile = MonitorConfig.parse("{\"fleet\": {\"redis_url\": \"redis://127.0.0.1:6379/0\"}}");
    assertThat(inFile.fleet()).hasValueSatisfying(f -> {
      assertThat(f.keyPrefix()).isEqualTo("runaway:");
      assertThat(f.url(SecretSource.of(Map.of()))).hasValueSatisfying(u ->
          assertThat(u.reveal()).isEqualTo("redis://127.0.0.1:6379/0"));
    });
    MonitorConfig fromEnv = MonitorConfig.parse("{\"fleet\": {\"redis_url_env\": \"FLEET_URL\", \"key_prefix\": \"app:\"}}");
    assertThat(fromEnv.fleet().orElseThrow().url(SecretSource.of(Map.of("FLEET_URL", "redis://:pw@h:1/0"))))
        .hasValueSatisfying(u -> assertThat(u.toString()).doesNotContain("pw"));
    assertThat(fromEnv.fleet().orElseThrow().keyPrefix()).isEqualTo("app:");
    assertThat(MonitorConfig.parse("{}").fleet()).isEmpty();
  }

  @Test
  void fleet_errorsNameThePathAndNeverRepeatAPassword() {
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\n  \"redis_url\": \"redis://:hunter2pw@10.0.0.1:6379\"}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("fleet.redis_url").hasMessageContaining("line 2")
        .hasMessageContaining("redis_url_env").hasMessageNotContaining("hunter2pw");
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\"redis_ur\": \"redis://h:1\"}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean 'redis_url'");
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\"redis_url\": \"redis://h:1\", \"redis_url_env\": \"X\"}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exactly one of redis_url and redis_url_env");
    assertThatThrownBy(() -> MonitorConfig.parse("{\"fleet\": {\"redis_url\": \"http://h:1\"}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis://");
  }
}
