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

  @Test
  void burstOf30ToAGroup_isPacedOnePerSecondAndTwentyPerMinute() throws Exception {
    TelegramNotifier notifier = notifier("-1001234567890");

    for (int i = 0; i < 30; i++) {
      notifier.send(TelegramFixtures.spike());
    }

    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add((long) i);
    }
    for (int i = 20; i < 30; i++) {
      expected.add(60L + (i - 20)); // the 21st waits for the 1st to leave the one-minute window
    }
    assertThat(server.requests()).hasSize(30);
    assertThat(secondsOfArrival()).containsExactlyElementsOf(expected);
    // Every window of 60 s holds at most 20 messages.
    List<Long> t = secondsOfArrival();
    for (int i = 20; i < t.size(); i++) {
      assertThat(t.get(i) - t.get(i - 20)).isGreaterThanOrEqualTo(60L);
    }
    assertThat(Duration.ofNanos(ticker.nanoTime())).isEqualTo(Duration.ofSeconds(69));
  }

  @Test
  void burstOf30ToAPrivateChat_isPacedOnePerSecond() throws Exception {
    TelegramNotifier notifier = notifier("123456789");

    for (int i = 0; i < 30; i++) {
      notifier.send(TelegramFixtures.spike());
    }

    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      expected.add((long) i);
    }
    assertThat(secondsOfArrival()).containsExactlyElementsOf(expected);
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
        assertThat(parts.get(k).text()).startsWith("<i>(" + (k + 1) + "/" + partsPerAlert + ")</i>")
            .doesNotContain(marker.equals("AAAA") ? "BBBB" : "AAAA");
        if (k > 0) {
          assertThat(parts.get(k).text()).contains(marker);
        }
      }
    }
  }
}
