package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.TOKEN;

import dev.runaway.ManualTicker;
import dev.runaway.telegram.TelegramFixtures.VirtualSleeper;
import org.junit.jupiter.api.AfterEach;

/**
 * The fixture of the tests against the loopback Bot API: a manual ticker, a sleeper that advances
 * it instead of waiting, the server (closed after each test) and a notifier builder pointing at it.
 */
abstract class BotApiTest {

  /** The virtual clock of the notifier and of the server's arrival times. */
  final ManualTicker ticker = ManualTicker.create();
  /** Waits by advancing {@link #ticker}. */
  final VirtualSleeper sleeper = new VirtualSleeper(ticker);
  /** The Bot API on 127.0.0.1. */
  final BotApiServer server = BotApiServer.start(ticker);

  @AfterEach
  void closeServer() {
    server.close();
  }

  /** Returns a builder with the test token, the chat, the server, the ticker and the sleeper. */
  TelegramNotifier.Builder builder(String chat) {
    return TelegramNotifier.builder().botToken(TOKEN).chatId(chat).baseUri(server.baseUri()).ticker(ticker)
        .sleeper(sleeper);
  }
}
