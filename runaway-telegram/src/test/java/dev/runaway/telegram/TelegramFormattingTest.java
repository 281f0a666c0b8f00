package dev.runaway.telegram;

import static dev.runaway.telegram.TelegramFixtures.CHAT;
import static dev.runaway.telegram.TelegramFixtures.balancedTags;
import static dev.runaway.telegram.TelegramFixtures.visibleText;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class TelegramFormattingTest extends BotApiTest {

  private static final Set<String> ALLOWED_TAGS = Set.of("b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
      "span", "tg-spoiler", "a", "tg-emoji", "tg-time", "code", "pre", "blockquote");
  private static final Pattern ANY_ENTITY = Pattern.compile("&([^;&\\s]*);?");

  private final TelegramNotifier notifier = builder(CHAT).build();

  @Test
  void send_escapesHostileTextSoTelegramReceivesOnlyOurTags() throws Exception {
    Map<String, String> facts = TelegramFixtures.facts(
        "rate", "<b>9000</b>/h",
        "breaker", "OPEN\"><script>",
        "<img src=x>", "1 & 2 &amp; 3 &#60;");
    Alert hostile = new Alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, "svc<x>&co", "tenant\"<u>",
        "<script>alert(\"pwned\")</script>", "Tom & Jerry <b>fake bold</b> &lt;already&gt; <br> <tg-spoiler>x",
        Instant.parse("2026-01-05T10:15:30Z"), facts);

    notifier.send(hostile);

    String text = server.requests().get(0).text();
    assertThat(text)
        .contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;")
        .contains("Tom &amp; Jerry &lt;b&gt;fake bold&lt;/b&gt; &amp;lt;already&amp;gt; &lt;br&gt; &lt;tg-spoiler&gt;x")
        .contains("svc&lt;x&gt;&amp;co")
        .contains("tenant&quot;&lt;u&gt;")
        .contains("&lt;b&gt;9000&lt;/b&gt;/h")
        .doesNotContain("<script", "<br", "<img", "<u>", "<tg-spoiler");
    assertThat(balancedTags(text)).allSatisfy(tag -> assertThat(ALLOWED_TAGS).contains(tag));
    Matcher m = ANY_ENTITY.matcher(text);
    while (m.find()) {
      assertThat(m.group(0)).as("only the four named entities").isIn("&lt;", "&gt;", "&amp;", "&quot;");
    }
    // What a person sees is exactly what the service said.
    String visible = visibleText(text);
    assertThat(visible).contains("<script>alert(\"pwned\")</script>", "Tom & Jerry <b>fake bold</b> &lt;already&gt;",
        "svc<x>&co", "tenant\"<u>", "<img src=x>: 1 & 2 &amp; 3 &#60;", "OPEN\"><script>");
  }

  @Test
  void send_splitsATenThousandCharacterAlertIntoOrderedPartsWithinTheLimit() throws Exception {
    List<String> lines = new ArrayList<>();
    StringBuilder detail = new StringBuilder();
    for (int i = 0; detail.length() < 10_000; i++) {
      // Entities make the HTML far longer than what Telegram counts: the split must count after parsing.
      String line = String.format("line %04d: <tag> & \"quoted\" & more <<>> spend $%d.00", i, i);
      lines.add(line);
      detail.append(line).append('\n');
    }
    assertThat(detail.length()).isGreaterThanOrEqualTo(10_000);

    notifier.send(TelegramFixtures.withDetail(detail.toString()));

    List<BotApiServer.Request> sent = server.requests();
    assertThat(sent).hasSizeGreaterThanOrEqualTo(3);
    StringBuilder all = new StringBuilder();
    for (int k = 0; k < sent.size(); k++) {
      String html = sent.get(k).text();
      String visible = visibleText(html);
      assertThat(visible.length()).as("part %d after entity parsing", k + 1).isLessThanOrEqualTo(4096);
      assertThat(html.length()).as("the raw HTML is longer than the limit, so counting raw would be wrong")
          .isGreaterThan(visible.length());
      assertThat(visible).startsWith("(part " + (k + 1) + "/" + sent.size() + ")\n");
      balancedTags(html);
      all.append(visible.substring(visible.indexOf('\n') + 1)).append('\n');
    }
    // Every line arrives whole, in order, exactly once.
    int from = 0;
    for (String line : lines) {
      int at = all.indexOf(line + "\n", from);
      assertThat(at).as("line %s after offset %d", line, from).isGreaterThanOrEqualTo(from);
      from = at + line.length();
    }
    assertThat(visibleText(sent.get(0).text())).contains("80% of the daily budget");
    assertThat(visibleText(sent.get(sent.size() - 1).text())).contains("Spent $80.00 of $100.00");
    // Parts are paced one second apart in the chat.
    for (int k = 1; k < sent.size(); k++) {
      assertThat(sent.get(k).tickerNanos() - sent.get(k - 1).tickerNanos()).isEqualTo(1_000_000_000L);
    }
  }

  @Test
  void send_splitsATwelveThousandCharacterAlertIntoTheFewestFullPartsTheFirstCarryingBody() throws Exception {
    // Trial finding: the first part of a split alert carried only the header (4 parts, the first
    // ~100 characters). A 12,000-character detail, one paragraph of words with characters to escape.
    StringBuilder d = new StringBuilder();
    for (int i = 0; d.length() < 12_000; i++) {
      d.append("call#").append(i).append(" <retry> & loop ");
    }
    String detail = d.substring(0, 12_000).strip();
    Alert alert = TelegramFixtures.withDetail(detail);
    String whole = visibleText(new dev.runaway.telegram.internal.AlertFormatter(java.time.ZoneOffset.UTC)
        .format(alert));

    notifier.send(alert);

    List<BotApiServer.Request> sent = server.sendMessages();
    int n = sent.size();
    // Each part holds at most 4,096 - 16 (the room kept for its marker) of the message.
    assertThat(n).as("the fewest parts").isEqualTo((int) Math.ceil(whole.length() / 4080.0));
    StringBuilder joined = new StringBuilder();
    for (int k = 0; k < n; k++) {
      String html = sent.get(k).text();
      String visible = visibleText(html);
      assertThat(visible.length()).as("part %d after entity parsing", k + 1).isLessThanOrEqualTo(4096);
      assertThat(visible).startsWith("(part " + (k + 1) + "/" + n + ")\n");
      balancedTags(html);
      joined.append(k == 0 ? "" : "\n").append(visible.substring(visible.indexOf('\n') + 1));
    }
    String first = visibleText(sent.get(0).text());
    assertThat(first).contains("80% of the daily budget", "call#0 <retry> & loop");
    assertThat(first.length()).as("the first part is filled, not the header alone").isGreaterThan(4000);
    // The parts together are the message: only the whitespace where it was cut may differ.
    assertThat(joined.toString().replaceAll("\\s+", " ")).isEqualTo(whole.replaceAll("\\s+", " "));
  }

  @Test
  void send_hardSplitsASingleOverlongLineWithoutBreakingEntities() throws Exception {
    // 10,200 UTF-16 units (an Alert keeps 12,000 of its detail), no newline, entities and surrogate pairs
    String line = "a&<b>\"🔥".repeat(1_275);

    notifier.send(TelegramFixtures.withDetail(line));

    List<BotApiServer.Request> sent = server.requests();
    assertThat(sent).hasSizeGreaterThanOrEqualTo(3);
    StringBuilder joined = new StringBuilder();
    for (BotApiServer.Request r : sent) {
      String html = r.text();
      assertThat(visibleText(html).length()).isLessThanOrEqualTo(4096);
      Matcher m = ANY_ENTITY.matcher(html);
      while (m.find()) {
        assertThat(m.group(0)).isIn("&lt;", "&gt;", "&amp;", "&quot;");
      }
      for (int i = 0; i < html.length(); i++) {
        char c = html.charAt(i);
        if (Character.isHighSurrogate(c)) {
          assertThat(Character.isLowSurrogate(html.charAt(i + 1))).isTrue();
        } else if (Character.isLowSurrogate(c)) {
          assertThat(Character.isHighSurrogate(html.charAt(i - 1))).isTrue();
        }
      }
      balancedTags(html);
      String visible = visibleText(html);
      joined.append(visible.substring(visible.indexOf('\n') + 1));
    }
    assertThat(joined.toString()).contains(line);
  }

  @Test
  void send_rendersTheFiguresAPersonNeedsOnAPhone() throws Exception {
    notifier.send(TelegramFixtures.spike());

    String visible = visibleText(server.requests().get(0).text());
    assertThat(visible.lines().toList()).containsSubsequence(
        "🔴 CRITICAL · Usage spike",
        "openai · key tenant-42",
        "Spend far above baseline",
        "gpt-4o calls jumped in the last 5 minutes",
        "📈 Rate $12.40/h vs baseline $2.00/h (×6.2)",
        "💰 Spent $48.00 of $100.00",
        "🔮 Projected $297.60 this hour · $1,190.40 today",
        "⏳ Budget runs out in 4m 12s",
        "⛔ Breaker OPEN · BURN_RATE",
        "• Requests per minute: 1200",
        "👉 The breaker is open. Find the loop or retry storm calling openai (key tenant-42) before resetting it.",
        "2026-01-05 10:15:30 UTC");
  }
}
