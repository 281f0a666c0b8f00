package dev.runaway.providers.openai;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.Secret;
import org.junit.jupiter.api.Test;

/**
 * A misspelt {@code endpoints} entry (nu30 config trial): the error said only "entry 0 is not a
 * usage endpoint", so the user had to count entries to find which one, and was not told the
 * spelling meant.
 */
final class OpenAiEndpointsSettingTest {

  private static void create(String endpoints) {
    MonitorConfig c = MonitorConfig.parse("{\"services\": {\"openai\": {\"type\": \"openai\","
        + " \"base_url\": \"http://127.0.0.1:9/v1\", \"endpoints\": " + endpoints + "}}}");
    new OpenAiDetector(c.services().get("openai"), Secret.of("OPENAI_ADMIN_KEY", "sk-admin-ENDPOINTS-TEST-0123456789")).close();
  }

  @Test
  void endpoints_aSingularEntryIsQuotedWithThePluralMeant() {
    assertThatThrownBy(() -> create("[\"embeddings\", \"completion\"]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.openai.endpoints: entry 1 is not a usage endpoint: \"completion\""
            + " (did you mean \"completions\"?); known: [completions,");
  }

  @Test
  void endpoints_anEntryNearNothingIsQuotedWithoutASuggestion() {
    assertThatThrownBy(() -> create("[\"chat\"]"))
        .hasMessageContaining("entry 0 is not a usage endpoint: \"chat\"; known:");
  }
}
