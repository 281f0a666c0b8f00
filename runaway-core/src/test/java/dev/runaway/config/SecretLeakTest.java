package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sentinel credential, put everywhere a user might put one, never shows up in a
 * {@code toString()}, an exception message or stack trace, or a log line.
 */
final class SecretLeakTest {

  private static final String SENTINEL = "sk-SENTINEL-5e1b7a";
  private static final String MARK = "SENTINEL";

  @TempDir
  Path dir;

  /** Config texts that are wrong somewhere a credential may sit. */
  static Stream<String> brokenConfigsHoldingTheSentinel() {
    return Stream.of(
        "{\"services\": {\"x\": \"" + SENTINEL + "\"}}",
        "{\"services\": {\"x\": {\"type\": \"" + SENTINEL + " with spaces\"}}}",
        "{\"services\": {\"x\": {\"type\": [\"" + SENTINEL + "\"]}}}",
        "{\"services\": {\"x\": {\"base_url\": \"" + SENTINEL + "\"}}}",
        "{\"services\": {\"x\": {\"base_url\": \"https://api.example.com/?key=" + SENTINEL + " x\"}}}",
        "{\"services\": {\"x\": {\"base_url\": \"ftp://user:" + SENTINEL + "@example.com\"}}}",
        "{\"services\": {\"x\": {\"api_key\": " + SENTINEL + "}}}",
        "{\"services\": {\"x\": {\"keys\": [1, " + SENTINEL + "]}}}",
        "{\"services\": {\"x\": {\"api_key\": \"" + SENTINEL,
        "{\"services\": {\"x\": {\"api_key\": \"" + SENTINEL + "\n\"}}}",
        "{\"services\": {\"x\": {\"api_key\": \"" + SENTINEL + "\"}}} " + SENTINEL,
        "{\"services\": {\"x\": {\"api_key\": \"" + SENTINEL + "\", \"keys\": [null]}}}",
        "{\"services\": {\"x\": {\"api_key\": \"" + SENTINEL + "\" \"more\": 1}}}",
        "{\"notifications\": {\"telegram\": \"" + SENTINEL + "\"}}",
        "{\"notifications\": {\"telegram\": {\"bot_token\": " + SENTINEL + "}}}",
        "{\"notifications\": {\"telegram\": {\"bot_token\": '" + SENTINEL + "'}}}",
        "[\"" + SENTINEL + "\"]",
        "\"" + SENTINEL + "\"");
  }

  @ParameterizedTest
  @MethodSource("brokenConfigsHoldingTheSentinel")
  void configErrors_neverQuoteACredential(String json) throws IOException {
    Path file = Files.writeString(dir.resolve("monitor_config.json"), json, StandardCharsets.UTF_8);
    int mark = LogCapture.mark();

    Throwable parsed = catchThrowable(() -> MonitorConfig.parse(json));
    Throwable loaded = catchThrowable(() -> MonitorConfig.load(file));

    assertThat(parsed).isInstanceOf(ConfigException.class);
    assertThat(loaded).isInstanceOf(ConfigException.class);
    assertThat(everything(parsed)).doesNotContain(MARK);
    assertThat(everything(loaded)).doesNotContain(MARK);
    assertThat(LogCapture.since(mark)).allSatisfy(e -> assertThat(e.fullText()).doesNotContain(MARK));
  }

  @Test
  void serviceSettingsGetters_neverQuoteACredential() {
    MonitorConfig config = MonitorConfig.parse("""
        {"services": {"x": {"type": "rest", "api_key": "%1$s", "list": ["%1$s"], "nested": {"k": "%1$s"}}},
         "notifications": {"telegram": {"bot_token": "%1$s"}}}
        """.formatted(SENTINEL));
    ServiceSettings x = config.services().get("x");
    ServiceSettings badUrl = ServiceSettings.of("y", "rest", Map.of("base_url", "https://h/" + SENTINEL + " x"));
    ServiceSettings ftpUrl = ServiceSettings.of("z", "rest", Map.of("base_url", "ftp://" + SENTINEL + "@h"));

    Stream<ThrowingSupplier<?>> calls = Stream.of(
        () -> x.number("api_key"),
        () -> x.bool("api_key", false),
        () -> x.map("api_key"),
        () -> x.stringList("api_key"),
        () -> x.stringList("nested"),
        () -> x.nonNegative("list", 0),
        () -> x.requireString("nested", "a string"),
        () -> badUrl.baseUrl("https://default"),
        () -> ftpUrl.baseUrl("https://default"));
    calls.forEach(call -> {
      Throwable t = catchThrowable(call::get);
      assertThat(t).isInstanceOf(ConfigException.class);
      assertThat(everything(t)).doesNotContain(MARK);
    });
    assertThat(x.toString()).doesNotContain(MARK);
    assertThat(config.toString()).doesNotContain(MARK);
    assertThat(badUrl.toString()).doesNotContain(MARK);
  }

  @Test
  void sourcesAndSecrets_neverPrintTheValue() throws IOException {
    Path env = Files.writeString(dir.resolve(".env"), "OPENAI_API_KEY=" + SENTINEL + "\n", StandardCharsets.UTF_8);
    SecretSource dotEnv = SecretSource.dotEnv(env);
    SecretSource map = SecretSource.of(Map.of("OPENAI_API_KEY", SENTINEL));
    SecretSource chain = SecretSource.environment().orElse(map).orElse(dotEnv);
    Secret secret = chain.require("OPENAI_API_KEY");

    assertThat(secret.reveal()).isEqualTo(SENTINEL);
    for (Object o : new Object[] {secret, dotEnv, map, chain, chain.get("OPENAI_API_KEY")}) {
      assertThat(String.valueOf(o)).doesNotContain(MARK);
    }
    assertThat(chain.describe()).doesNotContain(MARK);
    assertThat(everything(catchThrowable(() -> chain.require("MISSING")))).doesNotContain(MARK);
  }

  @Test
  void malformedDotEnvLines_neverQuoteTheLine() throws IOException {
    for (String line : new String[] {SENTINEL, SENTINEL + "=x", "KEY " + SENTINEL + "=x", "KEY=\"" + SENTINEL,
        "KEY='" + SENTINEL + "' trailing", "KEY=\"x\"" + SENTINEL}) {
      Path env = Files.writeString(dir.resolve(".env"), line + "\n", StandardCharsets.UTF_8);

      Throwable t = catchThrowable(() -> SecretSource.dotEnv(env));

      assertThat(t).as(line.replace(SENTINEL, "<sentinel>")).isInstanceOf(ConfigException.class);
      assertThat(everything(t)).doesNotContain(MARK);
    }
  }

  @Test
  void logLines_neverHoldTheSentinel() throws IOException {
    // Warnings are logged while loading; make sure this config logs some, next to a credential.
    MonitorConfig.parse("""
        {"cost_thresholds": {"x": {"hourly": 20, "daily": 10}}, "circuit_breaker": {"threshold_multiplier": 2},
         "services": {"x": {"api_key": "%s"}}}
        """.formatted(SENTINEL));
    SecretSource.defaults().get("OPENAI_API_KEY");

    assertThat(LogCapture.allText()).contains("the daily limit binds first").doesNotContain(MARK);
  }

  /** The message, toString and stack trace of a throwable and its causes: everything a log could print. */
  private static String everything(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return t.getMessage() + "\n" + t + "\n" + out;
  }
}
