package dev.runaway.telegram.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

final class MessageSplitterTest {

  @Test
  void splitForSending_returnsAMessageThatFitsUnchanged() {
    String html = "<b>title</b>\nline &amp; more";

    assertThat(MessageSplitter.splitForSending(html, 4096)).containsExactly(html);
  }

  @Test
  void split_breaksAtLineBoundariesCountingEntitiesAsOneCharacter() {
    // Each line is 10 visible characters but 28 characters of HTML.
    String line = "&lt;&lt;&lt;&lt;&lt;abcde";
    String html = String.join("\n", line, line, line, line);

    List<String> parts = MessageSplitter.split(html, 21);

    assertThat(parts).containsExactly(line + "\n" + line, line + "\n" + line);
    assertThat(parts).allSatisfy(p -> assertThat(Html.visibleLength(p)).isLessThanOrEqualTo(21));
  }

  @Test
  void split_hardSplitsALongLineBetweenAtomsAndRebalancesTags() {
    String html = "<b>" + "&amp;x".repeat(10) + "</b> tail";

    List<String> parts = MessageSplitter.split(html, 7);

    assertThat(parts.get(0)).isEqualTo("<b>&amp;x&amp;x&amp;x&amp;</b>");
    assertThat(parts.get(1)).isEqualTo("<b>x&amp;x&amp;x&amp;x</b>");
    assertThat(String.join("", parts).replace("</b><b>", "")).isEqualTo(html);
    assertThat(parts).allSatisfy(p -> assertThat(Html.visibleLength(p)).isLessThanOrEqualTo(7));
  }

  @Test
  void split_aLineLongerThanAPartFillsThePartBeforeIt_cuttingAfterASpace() {
    String html = "<b>header</b>\n" + "word ".repeat(10);

    List<String> parts = MessageSplitter.split(html, 20);

    assertThat(parts).containsExactly("<b>header</b>\nword word ", "word word word word ", "word word word word ");
  }

  @Test
  void split_keepsTagsOpenAcrossLinesBalancedInEveryPart() {
    String html = "<pre><code class=\"language-text\">aaaa\nbbbb\ncccc</code></pre>\nafter";

    List<String> parts = MessageSplitter.split(html, 10);

    assertThat(parts).containsExactly(
        "<pre><code class=\"language-text\">aaaa\nbbbb</code></pre>",
        "<pre><code class=\"language-text\">cccc</code></pre>\nafter");
  }

  @Test
  void split_neverCutsASurrogatePair() {
    String html = "🔥".repeat(10);

    List<String> parts = MessageSplitter.split(html, 5);

    assertThat(parts).hasSize(5).allSatisfy(p -> assertThat(p).isEqualTo("🔥🔥"));
  }

  @Test
  void split_dropsBlankLinesAtThePartStartAndEmptyParts() {
    String html = "aaaa\n\n\n\nbbbb\n\n";

    assertThat(MessageSplitter.split(html, 5)).containsExactly("aaaa", "bbbb");
  }

  @Test
  void splitForSending_numbersThePartsWithinTheLimit() {
    String html = ("x".repeat(60) + "\n").repeat(4);

    List<String> parts = MessageSplitter.splitForSending(html, 100);

    assertThat(parts).hasSize(4);
    for (int k = 0; k < parts.size(); k++) {
      assertThat(parts.get(k)).startsWith("<i>(part " + (k + 1) + "/4)</i>\n");
      assertThat(Html.visibleLength(parts.get(k))).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void splitForSending_rejectsATinyLimit() {
    assertThatThrownBy(() -> MessageSplitter.splitForSending("x", 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit must be at least 32, got 10");
  }
}
