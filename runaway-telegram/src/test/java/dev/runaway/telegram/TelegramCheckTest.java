package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.config.Secret;
import org.junit.jupiter.api.Test;

final class TelegramCheckTest extends BotApiTest {

  private final TelegramNotifier notifier = TelegramNotifier.builder()
      .botToken(Secret.of("TELEGRAM_BOT_TOKEN", TOKEN)).chatId(CHAT).baseUri(server.baseUri()).ticker(ticker)
      .sleeper(sleeper).build();

  @Test
  void check_callsGetMeThenSendsATestMessage() throws Exception {
    TelegramCheckResult result = notifier.check();

    assertThat(result).isEqualTo(TelegramCheckResult.delivered("spend_guard_bot", CHAT, "Spend alerts"));
    assertThat(server.requests()).extracting(BotApiServer.Request::method, BotApiServer.Request::path)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("GET", "/bot" + TOKEN + "/getMe"),
            org.assertj.core.groups.Tuple.tuple("POST", "/bot" + TOKEN + "/sendMessage"));
    String text = server.requests().get(1).text();
    assertThat(TelegramFixtures.visibleText(text)).contains("Runaway Guard: test message", "@spend_guard_bot");
    assertThat(server.requests().get(1).json().path("disable_notification").asBoolean()).isFalse();
  }

  @Test
  void check_rejectedTokenThrowsAClearSecretFreeMessage() {
    server.enqueue(401, BotApiServer.UNAUTHORIZED);

    TelegramException e = catchThrowableOfType(TelegramException.class, notifier::check);

    assertThat(e.getMessage()).isEqualTo("Telegram getMe: bot token rejected (401 Unauthorized): check TELEGRAM_BOT_TOKEN");
    assertThat(SecretAssertions.everythingPrinted(e)).doesNotContain(TOKEN);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void check_chatThatRefusesTheBotIsReportedWithWhatToFix() throws Exception {
    server.enqueue(200, BotApiServer.GET_ME_OK).enqueue(403, BotApiServer.FORBIDDEN);

    TelegramCheckResult result = notifier.check();

    assertThat(result.botUsername()).isEqualTo("spend_guard_bot");
    assertThat(result.chatOk()).isFalse();
    assertThat(result.problem()).contains("403 Forbidden: bot is not a member of the channel chat",
        "add the bot to the chat").doesNotContain(TOKEN);
  }

  @Test
  void check_followsAMigratedGroup() throws Exception {
    server.enqueue(200, BotApiServer.GET_ME_OK).enqueue(400, BotApiServer.MIGRATED);

    TelegramCheckResult result = notifier.check();

    assertThat(result.chatOk()).isTrue();
    assertThat(result.chatId()).isEqualTo("-1001987654321");
  }
}
