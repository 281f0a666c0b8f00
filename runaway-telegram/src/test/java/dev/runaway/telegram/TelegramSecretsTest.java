package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.alert.Notifier;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import dev.runaway.testing.LogCapture;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TelegramSecretsTest extends BotApiTest {


  @Test
  void send_401_isPermanentAndTheTokenIsAbsentFromEveryMessageCauseToStringAndLog() {
    int mark = LogCapture.mark();
    server.enqueue(401, BotApiServer.UNAUTHORIZED);
    TelegramNotifier notifier = TelegramNotifier.builder().botToken(Secret.of("TELEGRAM_BOT_TOKEN", TOKEN))
        .chatId(CHAT).baseUri(server.baseUri()).ticker(ticker).sleeper(sleeper).build();

    TelegramException e = catchThrowableOfType(TelegramException.class,
        () -> notifier.send(TelegramFixtures.spike()));

    assertThat(server.requests()).hasSize(1);
    assertThat(server.requests().get(0).path()).contains(TOKEN); // the sentinel did travel, in the path only
    assertThat(e.permanent()).isTrue();
    assertThat(e.errorCode()).isEqualTo(401);
    assertThat(e.getMessage()).contains("bot token rejected", "401 Unauthorized", "check TELEGRAM_BOT_TOKEN");
    assertThat(SecretAssertions.everythingPrinted(e)).doesNotContain(TOKEN);
    assertThat(notifier.toString()).isEqualTo("TelegramNotifier[chat=***, host=127.0.0.1:"
        + server.baseUri().getPort() + "]");
    assertThat(LogCapture.since(mark)).allSatisfy(ev -> assertThat(ev.fullText()).doesNotContain(TOKEN));
    assertThat(LogCapture.allText()).doesNotContain(TOKEN);
  }

  @Test
  void toString_showsTheHostOnly_theChatIdMaskedAsTheMonitorPrintsIt() {
    TelegramNotifier notifier = TelegramNotifier.builder().botToken(TOKEN).chatId(CHAT).build();

    assertThat(notifier).hasToString("TelegramNotifier[chat=***, host=api.telegram.org]");
    assertThat(notifier.chatId()).isEqualTo(CHAT);
  }

  @Test
  void providerCreatedNotifier_neverPrintsTheToken() {
    Notifier n = new TelegramNotifierProvider().create(reader(Map.of()),
        SecretSource.of(Map.of("TELEGRAM_BOT_TOKEN", TOKEN, "TELEGRAM_CHANNEL_ID", CHAT)));

    assertThat(n.toString()).doesNotContain(TOKEN).doesNotContain(CHAT);
    assertThat(((TelegramNotifier) n).chatId()).isEqualTo(CHAT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"7000000001:SENTINEL/../admin", "7000000001:SENTINEL tok", "7000000001:SENTINEL?x=1",
      "7000000001:SENTINEL#frag", "7000000001:SENTINEL%2F"})
  void builder_rejectsMalformedTokenWithoutQuotingIt(String token) {
    assertThatThrownBy(() -> TelegramNotifier.builder().botToken(token))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("botToken")
        .hasMessageNotContaining("SENTINEL");
  }

  @ParameterizedTest
  @ValueSource(strings = {"123:abc-token-in-the-chat-field", "sk-test-NOTACHAT1234567890", "123456789:AAHk3bXyZ"})
  void builder_rejectsAChatIdHoldingACredentialWithoutQuotingIt(String pasted) {
    // nu86 trial: the token pasted into the chat id (set side by side) was quoted by the error.
    assertThatThrownBy(() -> TelegramNotifier.builder().chatId(pasted))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chatId must be")
        .hasMessageNotContaining(pasted);
    assertThatThrownBy(() -> TelegramNotifier.builder().botToken(TOKEN).chatId(TOKEN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(TOKEN);
  }

  @Test
  void builder_rejectsAMisspeltChatIdQuotingIt() {
    assertThatThrownBy(() -> TelegramNotifier.builder().chatId("mychannel"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got \"mychannel\"");
  }

  @Test
  void builder_rejectsABaseUriWithUserInfoWithoutQuotingIt() {
    // Java's HttpClient never sends user info: a proxy's password there would be silently ignored.
    assertThatThrownBy(() -> TelegramNotifier.builder().baseUri(URI.create("https://u:pw-SECRET42@127.0.0.1:9/x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no user info")
        .hasMessageNotContaining("SECRET42");
  }

  @Test
  void builder_rejectsBlankTokenWithoutQuotingIt() {
    assertThatThrownBy(() -> TelegramNotifier.builder().botToken("   "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("botToken");
  }

  @Test
  void builder_rejectsSettingTheTokenTwiceWithoutNamingTheOldValue() {
    TelegramNotifier.Builder b = TelegramNotifier.builder().botToken(TOKEN);

    assertThatThrownBy(() -> b.botToken("1:other")).isInstanceOf(IllegalStateException.class)
        .hasMessage("botToken was already set");
  }

  @Test
  void builder_baseUriWithPathPrefixKeepsTheTokenInThePathOnly() throws Exception {
    TelegramNotifier notifier = TelegramNotifier.builder().botToken(TOKEN).chatId(CHAT)
        .baseUri(URI.create(server.baseUri() + "/proxy/")).ticker(ticker).sleeper(sleeper).build();

    notifier.send(TelegramFixtures.spike());

    assertThat(server.requests().get(0).path()).isEqualTo("/proxy/bot" + TOKEN + "/sendMessage");
    assertThat(notifier.toString()).doesNotContain(TOKEN).doesNotContain("proxy");
  }

  /** Settings as the monitor hands them to the provider: located under notifications.telegram. */
  private static SettingsReader reader(Map<String, ?> values) {
    return SettingsReader.of("notifications.telegram", values);
  }
}
