package dev.runaway.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

final class TelegramPacingTest extends BotApiTest {


  private TelegramNotifier notifier(String chat) {
    return builder(chat).build();
  }

  private List<Long> secondsOfArrival() {
    List<Long> out = new ArrayList<>();
    long start = server.requests().get(0).tickerNanos();
    for (BotApiServer.Request r : server.requests()) {
      long delta = r.tickerNanos() - start;
      assertThat(delta % 1_000_000_000L).as("arrivals fall on whole seconds of virtual time").isZero();
      out.add(delta / 1_000_000_000L);
    }
    return out;
  }

  /** Sends 30 alerts at once to {@code chat}; returns the second of virtual time each reached the API. */
  private List<Long> burstOf30(String chat) throws InterruptedException {
    TelegramNotifier notifier = notifier(chat);
    for (int i = 0; i < 30; i++) {
      notifier.send(TelegramFixtures.spike());
    }
    return secondsOfArrival();
  }

  /** The whole seconds from {@code from} (inclusive) to {@code to} (exclusive). */
  private static List<Long> seconds(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  @Test
  void burstOf30ToAGroup_isPacedOnePerSecondAndTwentyPerMinute() throws Exception {
    List<Long> t = burstOf30("-1001234567890");

    // The 21st waits for the 1st to leave the one-minute window.
    List<Long> expected = new ArrayList<>(seconds(0, 20));
    expected.addAll(seconds(60, 70));
    assertThat(server.requests()).hasSize(30);
    assertThat(t).containsExactlyElementsOf(expected);
    // Every window of 60 s holds at most 20 messages.
    for (int i = 20; i < t.size(); i++) {
      assertThat(t.get(i) - t.get(i - 20)).isGreaterThanOrEqualTo(60L);
    }
    assertThat(Duration.ofNanos(ticker.nanoTime())).isEqualTo(Duration.ofSeconds(69));
  }

  @Test
  void burstOf30ToAPrivateChat_isPacedOnePerSecond() throws Exception {
    assertThat(burstOf30("123456789")).containsExactlyElementsOf(seconds(0, 30));
  }

  @Test
  void pacingResetsAfterAQuietPeriod() throws Exception {
    TelegramNotifier notifier = notifier("-1001234567890");
    notifier.send(TelegramFixtures.spike());
    ticker.advance(Duration.ofSeconds(5));

    notifier.send(TelegramFixtures.spike());

    assertThat(sleeper.waits).isEmpty();
  }

  @Test
  void concurrentSends_neverInterleaveThePartsOfOneAlert() throws Exception {
    TelegramNotifier notifier = notifier("-1001234567890");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (String marker : List.of("AAAA", "BBBB")) {
        futures.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 2; i++) {
            notifier.send(TelegramFixtures.withDetail((marker + " ").repeat(2_000)));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    List<BotApiServer.Request> sent = server.sendMessages();
    assertThat(sent.size() % 4).isZero();
    int partsPerAlert = sent.size() / 4;
    assertThat(partsPerAlert).isGreaterThan(1);
    for (int alert = 0; alert < 4; alert++) {
      List<BotApiServer.Request> parts = sent.subList(alert * partsPerAlert, (alert + 1) * partsPerAlert);
      // Part 1 holds the header; the over-long detail line starts in part 2.
      String marker = parts.get(1).text().contains("AAAA") ? "AAAA" : "BBBB";
      for (int k = 0; k < partsPerAlert; k++) {
        assertThat(parts.get(k).text()).startsWith("<i>(part " + (k + 1) + "/" + partsPerAlert + ")</i>")
            .doesNotContain(marker.equals("AAAA") ? "BBBB" : "AAAA");
        if (k > 0) {
          assertThat(parts.get(k).text()).contains(marker);
        }
      }
    }
  }
}
