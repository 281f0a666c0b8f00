package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.internal.AlertDispatcher;
import dev.runaway.alert.internal.AlertScheduler;
import dev.runaway.telegram.internal.Html;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.event.Level;

/**
 * Bot API errors that retrying cannot cure (trial finding): a 4xx other than 429 is not retried
 * by the alert dispatcher, is reported once at ERROR with Telegram's {@code description}, and
 * counts as undelivered; a 400 "can't parse entities" is answered by the same text in plain.
 * Error bodies as in the Bot API reference ("Making requests"), see README.md here.
 */
final class TelegramPermanentErrorTest extends BotApiTest {

  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private record Task(Runnable task, Duration delay) {}

  private final List<Task> scheduled = new CopyOnWriteArrayList<>();

  /** A dispatcher delivering on the calling thread; retries and reports wait in {@link #scheduled}. */
  private AlertDispatcher dispatcher(TelegramNotifier notifier) {
    AlertScheduler scheduler = (task, delay) -> {
      Task t = new Task(task, delay);
      scheduled.add(t);
      return () -> scheduled.remove(t);
    };
    return AlertDispatcher.builder().notifier(notifier).ticker(ticker).executor(Runnable::run).scheduler(scheduler)
        .initialBackoff(Duration.ofSeconds(1)).maxBackoff(MAX_BACKOFF).sendTimeout(Duration.ofMinutes(1))
        .maxAttempts(5).build();
  }

  /** Runs the scheduled tasks due within {@code within} (the retries), as the timer would. */
  private void runDue(Duration within) {
    for (int round = 0; round < 20; round++) {
      List<Task> due = scheduled.stream().filter(t -> t.delay().compareTo(within) < 0).toList();
      if (due.isEmpty()) {
        return;
      }
      for (Task t : due) {
        scheduled.remove(t);
        ticker.advance(t.delay());
        t.task().run();
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "401|UNAUTHORIZED|Unauthorized",
      "403|FORBIDDEN|Forbidden: bot is not a member of the channel chat",
      "400|CHAT_NOT_FOUND|Bad Request: chat not found",
  })
  void dispatch_permanentBotApiErrorIsNotRetriedIsLoggedOnceAndCountedUndelivered(int status, String body,
      String description) {
    server.enqueue(status, switch (body) {
      case "UNAUTHORIZED" -> BotApiServer.UNAUTHORIZED;
      case "FORBIDDEN" -> BotApiServer.FORBIDDEN;
      default -> BotApiServer.CHAT_NOT_FOUND;
    });
    int mark = LogCapture.mark();
    AlertDispatcher dispatcher = dispatcher(builder(CHAT).build());

    dispatcher.dispatch(TelegramFixtures.spike());
    runDue(MAX_BACKOFF); // every retry the dispatcher scheduled, if any

    assertThat(server.sendMessages()).as("one request, no retry").hasSize(1);
    assertThat(dispatcher.stats().retries()).isZero();
    assertThat(dispatcher.stats().failed()).isEqualTo(1);
    List<LogCapture.Event> errors = LogCapture.since(mark).stream()
        .filter(e -> e.level() == Level.ERROR).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).message()).contains("Spend far above baseline", description, "after 1 attempt");
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.fullText().contains(TOKEN));

    // The undelivered-alerts report still comes, once the destination works again.
    assertThat(scheduled).extracting(Task::delay).containsExactly(MAX_BACKOFF);
    runDue(MAX_BACKOFF.plusSeconds(1));
    assertThat(server.sendMessages()).hasSize(2);
    assertThat(server.sendMessages().get(1).text()).contains("could not be delivered", "Spend far above baseline");
    dispatcher.close();
  }

  @Test
  void send_htmlRefusedAsUnparsableIsSentOnceMoreAsPlainTextAndTheRefusalLogged() throws Exception {
    String refusal = "Bad Request: can't parse entities: Unsupported start tag \\\"br\\\" at byte offset 23";
    server.enqueue(400, "{\"ok\":false,\"error_code\":400,\"description\":\"" + refusal + "\"}");
    int mark = LogCapture.mark();

    builder(CHAT).build().send(TelegramFixtures.spike());

    List<BotApiServer.Request> sent = server.sendMessages();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).json().path("parse_mode").asText()).isEqualTo("HTML");
    assertThat(sent.get(1).json().has("parse_mode")).isFalse();
    String plain = sent.get(1).text();
    assertThat(plain).isEqualTo(Html.toPlain(sent.get(0).text())).doesNotContain("<b>", "&lt;", "&amp;")
        .contains("openai", "Spend far above baseline");
    assertThat(sleeper.waits).as("only the chat's one-second pacing, no backoff")
        .allMatch(d -> d.compareTo(Duration.ofSeconds(1)) <= 0);
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN)
        .anySatisfy(e -> assertThat(e.message()).contains("can't parse entities", "plain text"));
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.fullText().contains(TOKEN));
  }

  @Test
  void dispatch_unparsableHtmlIsDeliveredAsPlainTextWithoutDispatcherRetry() {
    server.enqueue(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: can't parse entities:"
        + " Can't find end tag corresponding to start tag \\\"b\\\"\"}");
    AlertDispatcher dispatcher = dispatcher(builder(CHAT).build());

    dispatcher.dispatch(TelegramFixtures.spike());

    assertThat(server.sendMessages()).hasSize(2);
    assertThat(dispatcher.stats().delivered()).isEqualTo(1);
    assertThat(dispatcher.stats().retries()).isZero();
    assertThat(scheduled).isEmpty();
    dispatcher.close();
  }
}
