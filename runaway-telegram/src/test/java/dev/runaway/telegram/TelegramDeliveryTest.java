package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.testing.LogCapture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class TelegramDeliveryTest extends BotApiTest {


  @Test
  void send_postsHtmlJsonToSendMessageWithChatIdTextAndParseMode() throws Exception {
    builder(CHAT).build().send(TelegramFixtures.spike());

    assertThat(server.requests()).hasSize(1);
    BotApiServer.Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/bot" + TOKEN + "/sendMessage");
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(r.json().get("chat_id").isIntegralNumber()).isTrue();
    assertThat(r.json().get("chat_id").asLong()).isEqualTo(-1001234567890L);
    assertThat(r.json().path("parse_mode").asText()).isEqualTo("HTML");
    assertThat(r.json().path("link_preview_options").path("is_disabled").asBoolean()).isTrue();
    assertThat(r.json().has("disable_web_page_preview")).as("deprecated since Bot API 7.0").isFalse();
    assertThat(r.json().path("disable_notification").asBoolean()).as("critical alerts make a sound").isFalse();
    assertThat(r.text()).contains("<b>openai</b>", "Spend far above baseline");
    assertThat(sleeper.waits).as("first message needs no wait").isEmpty();
  }

  @Test
  void send_sendsInfoAlertsSilentlyByDefault() throws Exception {
    builder(CHAT).build().send(TelegramFixtures.info("usage API recovered"));

    assertThat(server.requests().get(0).json().path("disable_notification").asBoolean()).isTrue();
  }

  @Test
  void send_sendsNamedChatIdAsString() throws Exception {
    builder("@spend_alerts").build().send(TelegramFixtures.spike());

    assertThat(server.requests().get(0).json().get("chat_id").isTextual()).isTrue();
    assertThat(server.requests().get(0).chatId()).isEqualTo("@spend_alerts");
  }

  @Test
  void send_waitsRetryAfterOn429ThenSucceeds() throws Exception {
    server.enqueue(429, BotApiServer.tooManyRequests(3));
    long before = ticker.nanoTime();

    builder(CHAT).build().send(TelegramFixtures.spike());

    assertThat(server.requests()).hasSize(2);
    assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(3));
    assertThat(Duration.ofNanos(ticker.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(server.requests().get(1).tickerNanos() - server.requests().get(0).tickerNanos())
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3).toNanos());
  }

  @Test
  void send_failsWithRetryAfterWhenFloodWaitExceedsBound() {
    server.enqueue(429, BotApiServer.tooManyRequests(600));

    TelegramException e = catchThrowableOfType(TelegramException.class,
        () -> builder(CHAT).maxRetryAfter(Duration.ofSeconds(60)).build().send(TelegramFixtures.spike()));

    assertThat(e.errorCode()).isEqualTo(429);
    assertThat(e.permanent()).isFalse();
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(600));
    assertThat(e.getMessage()).contains("wait 600s");
    assertThat(sleeper.waits).isEmpty();
  }

  @Test
  void send_retries5xxWithExponentialBackoffThenSucceeds() throws Exception {
    server.enqueue(502, BotApiServer.BAD_GATEWAY).enqueue(500, "<html><body>Internal Server Error</body></html>");

    // Backoff steps of 4 s and 8 s with equal jitter: each wait is longer than the 1 s pacing gap,
    // so the waits seen are the backoffs alone.
    builder(CHAT).initialBackoff(Duration.ofSeconds(4)).build().send(TelegramFixtures.spike());

    assertThat(server.requests()).hasSize(3);
    assertThat(sleeper.waits).hasSize(2);
    assertThat(sleeper.waits.get(0)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(sleeper.waits.get(1)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
  }

  @Test
  void send_givesUpAfterMaxAttemptsOf5xx() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(503, "{\"ok\":false,\"error_code\":503,\"description\":\"Service Unavailable\"}");
    }

    TelegramException e = catchThrowableOfType(TelegramException.class, () -> builder(CHAT).maxAttempts(3)
        .initialBackoff(Duration.ofSeconds(4)).build().send(TelegramFixtures.spike()));

    assertThat(e.permanent()).isFalse();
    assertThat(e.errorCode()).isEqualTo(503);
    assertThat(e.getMessage()).contains("sendMessage to chat " + CHAT, "failed after 3 attempts",
        "503 Service Unavailable");
    assertThat(server.requests()).hasSize(3);
    assertThat(sleeper.waits).hasSize(2);
  }

  @Test
  void send_followsMigrationToSupergroupAndKeepsTheNewChat() throws Exception {
    int mark = LogCapture.mark();
    server.enqueue(400, BotApiServer.MIGRATED);
    TelegramNotifier notifier = builder("-4001234567").build();

    notifier.send(TelegramFixtures.spike());
    notifier.send(TelegramFixtures.spike());

    assertThat(server.requests()).extracting(BotApiServer.Request::chatId)
        .containsExactly("-4001234567", "-1001987654321", "-1001987654321");
    assertThat(notifier.chatId()).isEqualTo("-1001987654321");
    assertThat(LogCapture.since(mark)).anySatisfy(ev -> assertThat(ev.message())
        .contains("-4001234567", "-1001987654321", "upgraded to supergroup"));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "403|FORBIDDEN|add the bot to the chat",
      "400|CHAT_NOT_FOUND|chat not found",
      "401|UNAUTHORIZED|bot token rejected",
      "404|NOT_FOUND|bot token rejected",
  })
  void send_treatsClientErrorsAsPermanentWithAdvice(int status, String body, String advice) {
    String json = switch (body) {
      case "FORBIDDEN" -> BotApiServer.FORBIDDEN;
      case "CHAT_NOT_FOUND" -> BotApiServer.CHAT_NOT_FOUND;
      case "UNAUTHORIZED" -> BotApiServer.UNAUTHORIZED;
      default -> BotApiServer.NOT_FOUND;
    };
    server.enqueue(status, json);

    TelegramException e = catchThrowableOfType(TelegramException.class,
        () -> builder(CHAT).build().send(TelegramFixtures.spike()));

    assertThat(e.permanent()).isTrue();
    assertThat(e.errorCode()).isEqualTo(status);
    assertThat(e.getMessage()).contains(advice).doesNotContain(TOKEN);
    assertThat(server.requests()).as("no retry of a permanent error").hasSize(1);
    assertThat(sleeper.waits).isEmpty();
  }

  @Test
  void send_retriesNetworkErrorsThenThrowsWithoutTheToken() {
    TelegramNotifier notifier = builder(CHAT).maxAttempts(3).initialBackoff(Duration.ofSeconds(4)).build();
    server.close(); // connection refused from now on

    TelegramException e = catchThrowableOfType(TelegramException.class,
        () -> notifier.send(TelegramFixtures.spike()));

    assertThat(e.errorCode()).isZero();
    assertThat(e.permanent()).isFalse();
    assertThat(e.getMessage()).contains("failed after 3 attempts", "network error");
    assertThat(sleeper.waits).hasSize(2);
    assertThat(SecretAssertions.everythingPrinted(e)).doesNotContain(TOKEN);
  }

  @Test
  void send_refusesAfterClose() {
    TelegramNotifier notifier = builder(CHAT).build();
    notifier.close();

    assertThatThrownBy(() -> notifier.send(TelegramFixtures.spike())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
