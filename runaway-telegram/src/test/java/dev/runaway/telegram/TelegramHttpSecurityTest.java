package dev.runaway.telegram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The Telegram notifier follows the providers' HTTP rule (one policy in core): the bot token is in
 * the URL path, so it goes over https, or over plain http only to a loopback host, unless
 * insecure http is explicitly allowed.
 */
final class TelegramHttpSecurityTest {

  private static final String TOKEN = "123456:SENTINEL-token_abc";
  private static final SecretSource SECRETS = SecretSource.of(Map.of("TELEGRAM_BOT_TOKEN", TOKEN,
      "TELEGRAM_CHANNEL_ID", "-1001"));

  private static TelegramNotifier.Builder builder(String base) {
    return TelegramNotifier.builder().botToken(TOKEN).chatId("-1001").baseUri(URI.create(base));
  }

  @Test
  void builder_refusesPlainHttpToAHostThatIsNotLoopback() {
    assertThatThrownBy(() -> builder("http://proxy.example.com").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refusing plain http:// to proxy.example.com")
        .hasMessageContaining("allowInsecureHttp(true)")
        .hasMessageNotContaining(TOKEN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:8081", "http://localhost:8081", "http://[::1]:8081",
      "https://proxy.example.com"})
  void builder_acceptsHttpsAndLoopbackHttp(String base) {
    assertThat(builder(base).build()).isNotNull();
  }

  @Test
  void builder_acceptsPlainHttpToAnyHostWhenAllowed() {
    assertThat(builder("http://proxy.example.com").allowInsecureHttp(true).build()).isNotNull();
  }

  @Test
  void provider_refusesPlainHttpBaseUrl_namingTheSettingAndTheWayOut() {
    SettingsReader s = SettingsReader.of("notifications.telegram", Map.of("base_url", "http://proxy.example.com"));

    assertThatThrownBy(() -> new TelegramNotifierProvider().create(s, SECRETS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("notifications.telegram.base_url")
        .hasMessageContaining("\"allow_insecure_http\": true")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void provider_allowInsecureHttpSetting_letsPlainHttpThrough() {
    SettingsReader s = SettingsReader.of("notifications.telegram", Map.of("base_url", "http://proxy.example.com",
        "allow_insecure_http", true));

    assertThat(new TelegramNotifierProvider().create(s, SECRETS)).isNotNull();
  }
}
