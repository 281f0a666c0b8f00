package dev.runaway.telegram.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class HtmlTest {

  @Test
  void escape_replacesOnlyTheFourNamedEntities() {
    assertThat(Html.escape("<a href=\"x\">Tom & 'Jerry'</a>"))
        .isEqualTo("&lt;a href=&quot;x&quot;&gt;Tom &amp; 'Jerry'&lt;/a&gt;");
    assertThat(Html.escape("&amp;")).isEqualTo("&amp;amp;");
    assertThat(Html.escape("plain 🔥 text")).isEqualTo("plain 🔥 text");
    assertThat(Html.escape(null)).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "<b>bold</b>|4",
      "&lt;&gt;&amp;&quot;|4",
      "&#128293;|2",
      "&#x1F525;|2",
      "&#60;|1",
      "a & b|5",
      "a &nbsp; b|10",
      "x < y|5",
      "<a href=\"https://example.com/?a=1&amp;b=2\">link</a>|4",
      "🔥|2",
      "line1\\nline2|11",
  })
  void visibleLength_countsTextAfterEntityParsing(String html, int expected) {
    assertThat(Html.visibleLength(html.replace("\\n", "\n"))).isEqualTo(expected);
  }

  @Test
  void toPlain_dropsTagsDecodesEntitiesAndKeepsWhatIsShown() {
    String html = "🔴 <b>CRITICAL</b> · <code>tenant&lt;42&gt;</code>\n<i>Tom &amp; &quot;Jerry&quot; &#128293; &#x41;</i>"
        + "\na & b < c";

    String plain = Html.toPlain(html);

    assertThat(plain).isEqualTo("🔴 CRITICAL · tenant<42>\nTom & \"Jerry\" 🔥 A\na & b < c");
    assertThat(plain.length()).isEqualTo(Html.visibleLength(html));
  }
}
