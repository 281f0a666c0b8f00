package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Spike and trip alerts carry a PNG chart, sent with sendPhoto as multipart, the text as caption. */
final class TelegramChartTest extends BotApiTest {

  private static final Instant NOW = Instant.parse("2026-01-05T12:00:00Z");

  private final AtomicInteger asked = new AtomicInteger();

  /** Six hours every 5 minutes: baseline $2/h, the rate at the baseline, then 10x in the last 30 min. */
  private static RateChart chart(String service) {
    List<RateChart.Point> points = new ArrayList<>();
    for (int i = 0; i <= 72; i++) {
      double rate = i >= 66 ? 20.0 : 2.0;
      points.add(new RateChart.Point(NOW.minus(Duration.ofMinutes(5L * (72 - i))), rate, i < 12 ? Double.NaN : 2.0));
    }
    return new RateChart(service, points, 3.0);
  }

  private TelegramNotifier notifier() {
    return builder(CHAT).charts(a -> {
          asked.incrementAndGet();
          return chart(a.service());
        }).build();
  }

  private static Alert alert(AlertType type, Severity severity, String detail) {
    return new Alert(type, severity, "openai", null, "Spend far above baseline", detail, NOW,
        Map.of("rate", "$20.00/h", "baseline", "$2.00/h"));
  }

  @Test
  void spike_sendsAPngChartWithTheTextAsCaption() throws Exception {
    notifier().send(alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, "The spend rate is 10x its baseline."));

    assertThat(server.sendMessages()).isEmpty();
    assertThat(server.sendPhotos()).hasSize(1);
    BotApiServer.Request r = server.sendPhotos().get(0);
    assertThat(r.path()).isEqualTo("/bot" + TOKEN + "/sendPhoto");
    assertThat(r.contentType()).startsWith("multipart/form-data; boundary=");
    assertThat(r.field("chat_id")).isEqualTo(CHAT);
    assertThat(r.field("parse_mode")).isEqualTo("HTML");
    assertThat(r.field("caption")).contains("<b>openai</b>").contains("Spend far above baseline").hasSizeLessThanOrEqualTo(1024);
    BotApiServer.Part photo = r.multipart().get("photo");
    assertThat(photo.filename()).isEqualTo("chart.png");
    assertThat(photo.contentType()).isEqualTo("image/png");

    BufferedImage image = ImageIO.read(new ByteArrayInputStream(photo.data()));
    assertThat(image).as("a PNG that decodes").isNotNull();
    assertThat(image.getWidth()).isEqualTo(800);
    assertThat(image.getHeight()).isEqualTo(400);
    // The red rate line is high on the right (the 10x runaway) and low on the left (at baseline).
    assertThat(topmostOf(image, 0xC62828, 740, 770)).isLessThan(topmostOf(image, 0xC62828, 200, 230) - 150);
    // The rate line is drawn over the baseline where they coincide: only the last half hour shows blue.
    assertThat(count(image, 0x1565C0)).as("blue baseline pixels").isGreaterThan(100);
    String keep = System.getenv("RUNAWAY_CHART_PNG");
    if (keep != null && !keep.isBlank()) {
      java.nio.file.Files.write(java.nio.file.Path.of(keep), photo.data());
    }
    assertThat(count(image, 0xEF6C00)).as("orange threshold pixels").isGreaterThan(150);
  }

  @Test
  void trip_longTextFollowsThePictureSplitAsAlways() throws Exception {
    String detail = "The breaker opened. ".repeat(400);
    notifier().send(alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, detail));

    assertThat(server.sendPhotos()).hasSize(1);
    assertThat(server.sendPhotos().get(0).field("caption")).isNull();
    List<BotApiServer.Request> messages = server.sendMessages();
    assertThat(messages).hasSizeGreaterThan(1);
    assertThat(server.requests().get(0).path()).endsWith("/sendPhoto");
    StringBuilder all = new StringBuilder();
    messages.forEach(m -> all.append(TelegramFixtures.visibleText(m.text())));
    assertThat(all.toString().replaceAll("\\s+", " ")).contains("The breaker opened. The breaker opened.");
  }

  @Test
  void otherAlerts_stayTextOnlyAndTheSourceIsNotAsked() throws Exception {
    TelegramNotifier n = notifier();
    n.send(alert(AlertType.COST_THRESHOLD, Severity.WARNING, "80% used"));
    n.send(alert(AlertType.CIRCUIT_BREAKER, Severity.INFO, "closed again"));

    assertThat(server.sendPhotos()).isEmpty();
    assertThat(server.sendMessages()).hasSize(2);
    assertThat(asked).hasValue(0);
  }

  @Test
  void failingSource_sendsTheTextAlone() throws Exception {
    TelegramNotifier.builder().botToken(TOKEN).chatId(CHAT).baseUri(server.baseUri()).ticker(ticker).sleeper(sleeper)
        .charts(a -> {
          throw new IllegalStateException("no history");
        }).build().send(alert(AlertType.USAGE_SPIKE, Severity.WARNING, "spike"));

    assertThat(server.sendPhotos()).isEmpty();
    assertThat(server.sendMessages()).hasSize(1);
  }

  private static int topmostOf(BufferedImage image, int rgb, int fromX, int toX) {
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = fromX; x < toX; x++) {
        if (near(image.getRGB(x, y), rgb)) {
          return y;
        }
      }
    }
    return Integer.MAX_VALUE;
  }

  private static int count(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (near(image.getRGB(x, y), rgb)) {
          n++;
        }
      }
    }
    return n;
  }

  private static boolean near(int argb, int rgb) {
    int dr = Math.abs(((argb >> 16) & 0xff) - ((rgb >> 16) & 0xff));
    int dg = Math.abs(((argb >> 8) & 0xff) - ((rgb >> 8) & 0xff));
    int db = Math.abs((argb & 0xff) - (rgb & 0xff));
    return dr + dg + db < 40;
  }
}
