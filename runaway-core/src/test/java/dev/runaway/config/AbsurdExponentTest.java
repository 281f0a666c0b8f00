package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.runaway.Cost;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, item 8: a number with an absurd decimal exponent is refused (or, in a response,
 * treated as zero) before any BigDecimal arithmetic, at once and with a short message.
 */
final class AbsurdExponentTest {

  private static final Duration FAST = Duration.ofSeconds(5);

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"1e10000000", "1e-500000000", "-1e10000000", "1.5e-11"})
  void costUsd_absurdExponentIsRefusedAtOnceWithAShortMessage(String text) {
    Throwable thrown = assertTimeoutPreemptively(FAST, () -> catchThrowable(() -> Cost.usd(text)));
    assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
    assertThat(thrown.getMessage()).hasSizeLessThan(200).contains(text);
  }

  @Test
  void costOf_absurdExponentIsRefusedAtOnce() {
    Throwable thrown = assertTimeoutPreemptively(FAST,
        () -> catchThrowable(() -> Cost.of(new BigDecimal("1e-500000000"))));
    assertThat(thrown).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 decimal places");
    assertThat(Cost.of(new BigDecimal("0e-500000000"))).isEqualTo(Cost.ZERO);
    assertThat(Cost.usd("1e-9")).isEqualTo(Cost.ofNanos(1));
    assertThat(Cost.usd("9.2e9")).isEqualTo(Cost.usd("9200000000"));
  }

  @Test
  void costUsd_notANumberQuotesOnlyTheStartOfALongInput() {
    String junk = "x".repeat(1_000_000);
    assertThat(catchThrowable(() -> Cost.usd(junk)).getMessage()).hasSizeLessThan(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e-500000000", "1e500000000", "0.5e-31"})
  void load_absurdThresholdIsRefusedAtOnceNamingFileAndLine(String number) throws Exception {
    Path file = dir.resolve("monitor_config.json");
    Files.writeString(file, "{\n  \"monitoring_interval\": 300,\n  \"cost_thresholds\": {\n"
        + "    \"openai\": {\"hourly\": " + number + "}\n  }\n}\n", StandardCharsets.UTF_8);
    Throwable thrown = assertTimeoutPreemptively(FAST, () -> catchThrowable(() -> MonitorConfig.load(file)));
    assertThat(thrown).isInstanceOf(ConfigException.class)
        .hasMessageContaining("monitor_config.json")
        .hasMessageContaining(":4:")
        .hasMessageContaining("cost_thresholds.openai.hourly")
        .hasMessageContaining("out of range");
  }

  @Test
  void load_absurdNumberInAServiceSettingIsRefusedAtOnceNamingFileAndLine() throws Exception {
    Path file = dir.resolve("monitor_config.json");
    Files.writeString(file, "{\n  \"services\": {\n    \"vendor\": {\"type\": \"rest\",\n"
        + "      \"price\": 1e-500000000}\n  }\n}\n", StandardCharsets.UTF_8);
    Throwable thrown = assertTimeoutPreemptively(FAST, () -> catchThrowable(() -> MonitorConfig.load(file)));
    assertThat(thrown).isInstanceOf(ConfigException.class).hasMessageContaining(":4:")
        .hasMessageContaining("services.vendor.price").hasMessageContaining("out of range");
  }

  @Test
  void parse_ordinaryThresholdsStillWork() {
    MonitorConfig c = MonitorConfig.parse("{\"cost_thresholds\": {\"openai\": {\"hourly\": 1e1, \"daily\": 0.5}}}");
    assertThat(c.costThresholds().get("openai").hourly()).contains(Cost.usd("10"));
  }
}
