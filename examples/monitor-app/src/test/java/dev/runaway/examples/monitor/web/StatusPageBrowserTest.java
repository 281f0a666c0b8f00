package dev.runaway.examples.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real headless browser (Debian's chromium): it loads with nothing on the
 * console, shows every configured service, its chart holds exactly the figures of
 * {@code /api/status}, and its screenshot is not blank. Skipped when chromium is not installed;
 * CI installs it ({@code .ci/run}). Set {@code RUNAWAY_SCREENSHOT} to a path to keep the screenshot.
 */
final class StatusPageBrowserTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private HeadlessChromium chromium() {
    Optional<HeadlessChromium> c = HeadlessChromium.find(dir);
    assumeTrue(c.isPresent(), "chromium is not installed; the browser test is skipped");
    return c.get();
  }

  @Test
  void page_loadsWithoutConsoleErrorsAndShowsEveryService() throws Exception {
    HeadlessChromium chromium = chromium();
    try (StatusFixture f = new StatusFixture(null)) {
      HeadlessChromium.Run run = chromium.dumpDom(f.url("/"));
      String dom = run.stdout();

      assertThat(run.consoleLines()).as(run.stderr()).isEmpty();
      assertThat(dom).contains("data-ready=\"1\"").contains("data-errors=\"0\"");
      for (String service : List.of("openai", "github_actions")) {
        assertThat(dom).contains("<section class=\"card\" data-service=\"" + service + "\"");
        assertThat(dom).contains("<svg viewBox=\"0 0 540 180\" class=\"chart\"");
      }
      assertThat(dom).contains("data-breaker=\"CLOSED\"").contains("Usage spike: openai at 4.1x its baseline");
      assertThat(dom).contains("hourly: $1.20 of $10.00 (12.0%)");
    }
  }

  @Test
  void chart_holdsExactlyTheFiguresOfApiStatus() throws Exception {
    HeadlessChromium chromium = chromium();
    try (StatusFixture f = new StatusFixture(null)) {
      String dom = chromium.dumpDom(f.url("/")).stdout();
      JsonNode status = JSON.readTree(HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(f.url("/api/status"))).build(), HttpResponse.BodyHandlers.ofString()).body());

      for (JsonNode s : status.get("services")) {
        String name = s.get("name").asText();
        List<String> rate = new ArrayList<>();
        List<String> baseline = new ArrayList<>();
        List<String> threshold = new ArrayList<>();
        for (JsonNode p : s.get("history")) {
          rate.add(p.get("costPerHour").asText());
          baseline.add(p.get("baselineCostPerHour").isNull() ? "-" : p.get("baselineCostPerHour").asText());
          threshold.add(p.get("spikeThreshold").isNull() ? "-" : p.get("spikeThreshold").asText());
        }
        assertThat(rate).hasSizeGreaterThan(100);
        assertThat(attribute(dom, name, "rate")).isEqualTo(String.join(" ", rate));
        assertThat(attribute(dom, name, "baseline")).isEqualTo(String.join(" ", baseline));
        assertThat(attribute(dom, name, "threshold")).isEqualTo(String.join(" ", threshold));
        // And each series was drawn: one point per sample.
        Matcher line = Pattern.compile("data-service=\"" + Pattern.quote(name)
            + "\".*?<polyline points=\"([^\"]*)\" class=\"rate\"", Pattern.DOTALL).matcher(dom);
        assertThat(line.find()).isTrue();
        assertThat(line.group(1).split(" ")).hasSize(rate.size());
      }
    }
  }

  @Test
  void aServiceNotMonitored_hasAWarningBadge_notTheGreenOfAClosedBreaker() throws Exception {
    // New-user trial: stripe, skipped for a missing STRIPE_API_KEY, showed "NOT MONITORED" in the
    // green of a healthy service: its badge carried the classes "NOT" and "MONITORED", which no rule
    // styles, so it took the default colour, the closed breaker's.
    HeadlessChromium chromium = chromium();
    dev.runaway.ManualTicker ticker = dev.runaway.ManualTicker.startingAt(StatusFixture.START);
    java.util.concurrent.ScheduledExecutorService scheduler = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor();
    try (dev.runaway.monitor.RunawayMonitor monitor = dev.runaway.monitor.RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse("{\"services\": {\"stripe\": {\"type\": \"stripe\"}}}"))
        .secrets(dev.runaway.config.SecretSource.of(java.util.Map.of())).ticker(ticker).scheduler(scheduler)
        .executor(Runnable::run).alertSink(a -> { }).build();
        StatusServer server = StatusServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), null, monitor,
            new StatusHistory(), new AlertLog(), 3.0, 5.0, ticker)) {
      monitor.pollOnce();
      String dom = chromium.dumpDom("http://127.0.0.1:" + server.address().getPort() + "/").stdout();

      assertThat(dom).contains("<span class=\"badge NOT_MONITORED\" data-breaker=\"NOT_MONITORED\">NOT MONITORED</span>");
      String css = new String(StatusServer.class.getResourceAsStream("app.css").readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8);
      Matcher rule = Pattern.compile("\\.badge\\.NOT_MONITORED[^{]*\\{[^}]*background: (#[0-9a-f]{6})").matcher(css);
      assertThat(rule.find()).as(css).isTrue();
      assertThat(rule.group(1)).isNotEqualTo("#2e7d32");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void screenshot_isNotBlank() throws Exception {
    HeadlessChromium chromium = chromium();
    try (StatusFixture f = new StatusFixture(null)) {
      Path png = dir.resolve("status.png");
      chromium.screenshot(f.url("/"), png);

      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image).isNotNull();
      assertThat(image.getWidth()).isEqualTo(1280);
      Set<Integer> colours = new HashSet<>();
      int red = 0;
      for (int y = 0; y < image.getHeight(); y += 2) {
        for (int x = 0; x < image.getWidth(); x += 2) {
          int rgb = image.getRGB(x, y) & 0xffffff;
          colours.add(rgb);
          if (((rgb >> 16) & 0xff) > 150 && ((rgb >> 8) & 0xff) < 80 && (rgb & 0xff) < 80) {
            red++;
          }
        }
      }
      assertThat(colours).as("distinct colours").hasSizeGreaterThan(50);
      assertThat(red).as("pixels of the red burn-rate line").isGreaterThan(100);
      String keep = System.getenv("RUNAWAY_SCREENSHOT");
      if (keep != null && !keep.isBlank()) {
        Files.copy(png, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static String attribute(String dom, String service, String name) {
    Matcher m = Pattern.compile("<svg [^>]*data-service=\"" + Pattern.quote(service) + "\"[^>]*>").matcher(dom);
    assertThat(m.find()).as("chart of " + service).isTrue();
    Matcher a = Pattern.compile("data-" + name + "=\"([^\"]*)\"").matcher(m.group());
    assertThat(a.find()).as("data-" + name + " of " + service).isTrue();
    return a.group(1);
  }
}
