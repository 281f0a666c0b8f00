package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.runaway.ManualTicker;
import dev.runaway.telegram.TelegramFixtures.VirtualSleeper;
import dev.runaway.telegram.internal.BotApi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 3 for the Bot API: a response body is read up to 1 MiB. The loopback server
 * streams an endless body from one small buffer; the notifier stops reading it at the cap.
 */
final class TelegramBodyCapTest {

  private static final long SERVER_LIMIT = 256L * 1024 * 1024;

  private final ManualTicker ticker = ManualTicker.create();
  private final AtomicLong written = new AtomicLong();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      try (OutputStream out = ex.getResponseBody()) {
        out.write('{');
        for (long sent = 0; sent < SERVER_LIMIT; sent += chunk.length) {
          out.write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException clientHungUp) {
        // expected once the notifier stops reading
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void send_endlessResponseBodyIsAFailedCallReadOnlyUpToTheCap() {
    TelegramNotifier notifier = TelegramNotifier.builder().botToken(TOKEN).chatId(CHAT)
        .baseUri(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).ticker(ticker)
        .sleeper(new VirtualSleeper(ticker)).maxAttempts(2).build();

    TelegramException e = catchThrowableOfType(TelegramException.class,
        () -> notifier.send(TelegramFixtures.spike()));

    assertThat(e).hasMessageContaining("larger than " + BotApi.MAX_RESPONSE_BYTES + " bytes");
    assertThat(e.permanent()).isFalse();
    assertThat(written.get()).isLessThan(SERVER_LIMIT / 4);
    assertThat(SecretAssertions.everythingPrinted(e)).doesNotContain(TOKEN);
  }
}
