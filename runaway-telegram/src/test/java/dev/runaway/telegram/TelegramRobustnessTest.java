package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, items 9, 10 and 11: a malformed migration, a huge alert with a failure part-way, and
 * a long flood-control ban, each against the loopback Bot API server.
 */
final class TelegramRobustnessTest extends BotApiTest {

  private final int mark = LogCapture.mark();
  private final java.util.List<Throwable> failures = new java.util.ArrayList<>();

  /** After each test: the bot token appears in no encoding in any log line or failure seen. */
  @AfterEach
  void stop() {
    String form = java.net.URLEncoder.encode(TOKEN, java.nio.charset.StandardCharsets.UTF_8);
    String seen = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"))
        + failures.stream().map(SecretAssertions::everythingPrinted).collect(Collectors.joining("\n"));
    for (String f : List.of(TOKEN, form, form.replace("+", "%20"),
        java.util.Base64.getEncoder().encodeToString(TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
      assertThat(seen).doesNotContain(f);
    }
  }

  private TelegramNotifier.Builder builder() {
    return builder(CHAT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"123456789012345678901234567890", "-9223372036854775809", "0", "1.5", "\"-100123\"",
      "9007199254740993"})
  void send_malformedMigrateToChatIdIsIgnoredAndLaterSendsStillWork(String migrateTo) throws Exception {
    server.enqueue(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was upgraded to"
        + " a supergroup chat\",\"parameters\":{\"migrate_to_chat_id\":" + migrateTo + "}}");
    TelegramNotifier notifier = builder().build();

    TelegramException first = catchThrowableOfType(TelegramException.class,
        () -> notifier.send(TelegramFixtures.spike()));
    failures.add(first);
    assertThat(first.permanent()).isTrue();
    assertThat(notifier.chatId()).isEqualTo(CHAT);

    notifier.send(TelegramFixtures.spike());
    notifier.send(TelegramFixtures.spike());
    assertThat(server.sendMessages()).extracting(BotApiServer.Request::chatId).containsExactly(CHAT, CHAT, CHAT);
  }

  @Test
  void send_retryAfterLongerThanTheMaximumHoldsEveryLaterSendToThatChat() throws Exception {
    server.enqueue(429, BotApiServer.tooManyRequests(3600));
    TelegramNotifier notifier = builder().build();

    TelegramException first = catchThrowableOfType(TelegramException.class,
        () -> notifier.send(TelegramFixtures.spike()));
    failures.add(first);
    assertThat(first.retryAfter()).contains(Duration.ofHours(1));
    // Alerts keep coming during the ban, about 20 a minute: none may reach Telegram while more of
    // the ban is left than the notifier waits inside one send (maxRetryAfter, 2 minutes).
    for (int i = 0; i < 1150; i++) {
      ticker.advance(Duration.ofSeconds(3));
      TelegramException held = catchThrowableOfType(TelegramException.class,
          () -> notifier.send(TelegramFixtures.info("recovered " + ticker.nanoTime())));
      failures.add(held);
      assertThat(held.permanent()).isFalse();
      assertThat(held.retryAfter()).isPresent();
      assertThat(held.retryAfter().get()).isLessThanOrEqualTo(Duration.ofHours(1));
    }
    assertThat(server.requests()).hasSize(1);

    ticker.advance(Duration.ofMinutes(1));
    notifier.send(TelegramFixtures.spike()); // the rest of the ban is waited inside this send
    assertThat(server.requests()).hasSize(2);
    assertThat(server.requests().get(1).tickerNanos() - server.requests().get(0).tickerNanos())
        .isGreaterThanOrEqualTo(Duration.ofHours(1).toNanos());
  }

  @Test
  void send_retryAfterWithinTheMaximumIsWaitedOnceForTheChat() throws Exception {
    server.enqueue(429, BotApiServer.tooManyRequests(30));
    TelegramNotifier notifier = builder().build();

    notifier.send(TelegramFixtures.spike());

    assertThat(server.requests()).hasSize(2);
    assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(30));
  }

  @Test
  void send_oneMegabyteAlertIsAFewPartsAndTheGiveUpLeavesNoHugeLogLine() throws Exception {
    String mb = "runaway ".repeat(1 << 17);
    int mark = LogCapture.mark();
    TelegramNotifier notifier = builder().build();

    notifier.send(TelegramFixtures.withDetail(mb));

    List<BotApiServer.Request> parts = server.sendMessages();
    assertThat(parts).hasSizeBetween(2, 6);
    assertThat(parts.get(parts.size() - 1).text()).contains("more characters]");
    assertThat(LogCapture.since(mark)).allSatisfy(e -> assertThat(e.message()).hasSizeLessThan(4_000));
  }

  @Test
  void send_retryAfterAFailurePartWayResumesFromTheFirstUndeliveredPart() throws Exception {
    TelegramNotifier notifier = builder().maxAttempts(1).build();
    String detail = "line of a long alert\n".repeat(500); // about 10,500 characters: three parts
    var alert = TelegramFixtures.withDetail(detail);
    server.enqueue(200, BotApiServer.SEND_MESSAGE_OK).enqueue(502, BotApiServer.BAD_GATEWAY);

    Throwable failed = catchThrowable(() -> notifier.send(alert));
    failures.add(failed);
    assertThat(failed).isInstanceOf(TelegramException.class);
    notifier.send(TelegramFixtures.spike()); // another alert goes out before the retry
    notifier.send(alert); // the dispatcher's retry of the same alert

    List<String> texts = server.sendMessages().stream().map(BotApiServer.Request::text)
        .filter(t -> !t.contains("Spend far above baseline")).collect(Collectors.toList());
    int total = texts.size() - 1; // one request failed
    assertThat(total).isGreaterThanOrEqualTo(3);
    assertThat(texts.get(0)).startsWith("<i>(part 1/" + total + ")</i>");
    assertThat(texts.get(1)).startsWith("<i>(part 2/" + total + ")</i>"); // refused with 502
    assertThat(texts.get(2)).startsWith("<i>(part 2/" + total + ")</i>"); // resumed here, not from part 1
    assertThat(texts).filteredOn(t -> t.startsWith("<i>(part 1/")).hasSize(1);

    notifier.send(alert); // a later, separate send of an equal alert after success starts afresh
    assertThat(server.sendMessages()).hasSize(texts.size() + 1 + total);
  }
}
