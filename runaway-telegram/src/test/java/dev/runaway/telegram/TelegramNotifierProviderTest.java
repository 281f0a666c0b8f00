package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TelegramNotifierProviderTest {

  private final BotApiServer server = BotApiServer.start(ManualTicker.create());
  private final SecretSource secrets = SecretSource.of(Map.of(
      "TELEGRAM_BOT_TOKEN", TOKEN, "TELEGRAM_CHANNEL_ID", "-1000000000042"));

  @AfterEach
  void stop() {
    server.close();
  }

  private static NotifierProvider telegramProvider() {
    List<NotifierProvider> found = new ArrayList<>();
    for (NotifierProvider p : ServiceLoader.load(NotifierProvider.class, NotifierProvider.class.getClassLoader())) {
      if (p.type().equals("telegram")) {
        found.add(p);
      }
    }
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  @Test
  void configWiring_serviceLoaderFindsTelegramAndItDeliversToTheConfiguredChat() throws Exception {
    NotifierProvider provider = telegramProvider();
    Map<String, Object> settings = Map.of("base_url", server.baseUri().toString(), "chat_id", -1001234567890L,
        "disable_notification", true);

    try (Notifier notifier = provider.create(reader(settings), secrets)) {
      notifier.send(TelegramFixtures.info("usage API recovered"));
    }

    assertThat(provider).isInstanceOf(TelegramNotifierProvider.class);
    assertThat(server.requests()).hasSize(1);
    BotApiServer.Request r = server.requests().get(0);
    assertThat(r.path()).isEqualTo("/bot" + TOKEN + "/sendMessage");
    assertThat(r.json().get("chat_id").asLong()).as("chat_id setting overrides the env").isEqualTo(-1001234567890L);
    assertThat(r.json().path("disable_notification").asBoolean()).isTrue();
    assertThat(r.json().path("parse_mode").asText()).isEqualTo("HTML");
  }

  @Test
  void configWiring_emptySettingsTakeTheChatFromTheSecretSource() throws Exception {
    Map<String, Object> settings = Map.of("base_url", server.baseUri().toString());

    telegramProvider().create(reader(settings), secrets).send(TelegramFixtures.spike());

    assertThat(server.requests().get(0).chatId()).isEqualTo("-1000000000042");
  }

  @Test
  void configWiring_disableNotificationFalseMakesInfoAlertsNotify() throws Exception {
    Map<String, Object> settings = Map.of("base_url", server.baseUri().toString(), "disable_notification", false);

    telegramProvider().create(reader(settings), secrets).send(TelegramFixtures.info("recovered"));

    assertThat(server.requests().get(0).json().path("disable_notification").asBoolean()).isFalse();
  }

  @Test
  void create_missingTokenNamesTheVariable() {
    SecretSource noToken = SecretSource.of(Map.of("TELEGRAM_CHANNEL_ID", "-100"));

    assertThatThrownBy(() -> new TelegramNotifierProvider().create(reader(Map.of()), noToken))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEGRAM_BOT_TOKEN");
  }

  @Test
  void create_missingChatNamesTheVariable() {
    SecretSource noChat = SecretSource.of(Map.of("TELEGRAM_BOT_TOKEN", TOKEN));

    assertThatThrownBy(() -> new TelegramNotifierProvider().create(reader(Map.of()), noChat))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEGRAM_CHANNEL_ID")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void create_chatIdSettingMakesTheChatVariableOptional() {
    SecretSource noChat = SecretSource.of(Map.of("TELEGRAM_BOT_TOKEN", TOKEN));

    Notifier n = new TelegramNotifierProvider().create(reader(Map.of("chat_id", "@spend_alerts")), noChat);

    assertThat(((TelegramNotifier) n).chatId()).isEqualTo("@spend_alerts");
  }

  @Test
  void create_unknownSettingSuggestsTheNearestOne() {
    assertThatThrownBy(() -> new TelegramNotifierProvider().create(reader(Map.of("chatid", "-100")), secrets))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("notifications.telegram.chatid")
        .hasMessageContaining("did you mean \"chat_id\"?")
        .hasMessageContaining("allowed here: [allow_insecure_http, base_url, chat_id, disable_notification]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"base_url=ftp://example", "base_url=42", "disable_notification=yes", "chat_id=1.5",
      "chat_id=general"})
  void create_wrongSettingNamesItsPath(String setting) {
    String key = setting.substring(0, setting.indexOf('='));
    String raw = setting.substring(setting.indexOf('=') + 1);
    Object value = switch (raw) {
      case "42" -> 42;
      case "1.5" -> 1.5;
      default -> raw;
    };
    Map<String, Object> settings = new HashMap<>();
    settings.put(key, value);

    assertThatThrownBy(() -> new TelegramNotifierProvider().create(reader(settings), secrets))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("notifications.telegram." + key)
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void create_malformedTokenIsAConfigErrorThatNeverQuotesIt() {
    SecretSource bad = SecretSource.of(Map.of("TELEGRAM_BOT_TOKEN", "SENTINEL bad/token", "TELEGRAM_CHANNEL_ID", "-1"));

    assertThatThrownBy(() -> new TelegramNotifierProvider().create(reader(Map.of()), bad))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TELEGRAM_BOT_TOKEN")
        .hasMessageNotContaining("SENTINEL");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TELEGRAM_BOT_TOKEN", "TELEGRAM_CHANNEL_ID"})
  void fromSecrets_missingVariableIsNamed(String missing) {
    Map<String, String> values = new HashMap<>(Map.of("TELEGRAM_BOT_TOKEN", TOKEN, "TELEGRAM_CHANNEL_ID", "-100"));
    values.remove(missing);

    assertThatThrownBy(() -> TelegramNotifier.fromSecrets(SecretSource.of(values)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing credential " + missing)
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void fromEnvironment_namesTheFirstMissingVariableOrBuilds() {
    String token = System.getenv("TELEGRAM_BOT_TOKEN");
    String chat = System.getenv("TELEGRAM_CHANNEL_ID");
    if (token == null || token.isBlank()) {
      assertThatThrownBy(TelegramNotifier::fromEnvironment).isInstanceOf(ConfigException.class)
          .hasMessageContaining("TELEGRAM_BOT_TOKEN").hasMessageContaining("environment");
    } else if (chat == null || chat.isBlank()) {
      assertThatThrownBy(TelegramNotifier::fromEnvironment).isInstanceOf(ConfigException.class)
          .hasMessageContaining("TELEGRAM_CHANNEL_ID").hasMessageNotContaining(token);
    } else {
      assertThat(TelegramNotifier.fromEnvironment().toString()).doesNotContain(token);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"not a chat\"", "12.5", "true"})
  void configFile_badChatIdNamesTheFileAndLine(String chatId, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("monitor_config.json");
    java.nio.file.Files.writeString(file, "{\n  \"monitoring_interval\": 300,\n  \"notifications\": {\n"
        + "    \"telegram\": {\"chat_id\": " + chatId + "}\n  }\n}\n");
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> dev.runaway.monitor.RunawayMonitor
        .builder().config(dev.runaway.config.MonitorConfig.load(file)).secrets(secrets).build().close());
    assertThat(thrown).isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString() + ":4:")
        .hasMessageContaining("notifications.telegram.chat_id");
    assertThat(((ConfigException) thrown).line()).isEqualTo(4);
  }

  /** Settings as the monitor hands them to the provider: located under notifications.telegram. */
  private static SettingsReader reader(Map<String, ?> values) {
    return SettingsReader.of("notifications.telegram", values);
  }
}
