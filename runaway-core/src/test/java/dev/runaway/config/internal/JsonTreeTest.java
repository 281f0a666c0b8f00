package dev.runaway.config.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.config.internal.JsonTree.Kind;
import dev.runaway.config.internal.JsonTree.Node;
import org.junit.jupiter.api.Test;

final class JsonTreeTest {

  @Test
  void read_recordsPathAndPositionOfEveryKeyAndValue() throws Exception {
    Node root = JsonTree.read("{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d\": 2.5e0\n}");

    Node a = root.fields.get("a").value();
    Node c = a.fields.get("b").value().elements.get(1).fields.get("c").value();
    assertThat(root.fields.get("a").keyPosition()).isEqualTo(new SourcePosition(2, 3));
    assertThat(a.position).isEqualTo(new SourcePosition(2, 8));
    assertThat(c.path).isEqualTo("a.b[1].c");
    assertThat(c.position).isEqualTo(new SourcePosition(2, 24));
    assertThat(c.text).isEqualTo("x");
    Node d = root.fields.get("d").value();
    assertThat(d.kind).isEqualTo(Kind.NUMBER);
    assertThat(d.integral).isFalse();
    assertThat(d.decimal()).isEqualByComparingTo("2.5");
  }

  @Test
  void read_blankTextIsNoDocument() throws Exception {
    assertThat(JsonTree.read(" \n\t ")).isNull();
  }

  @Test
  void read_syntaxErrorInsideAList_namesTheElement() {
    JsonTree.SyntaxError e = catchThrowableOfType(JsonTree.SyntaxError.class,
        () -> JsonTree.read("{\"a\": {\"b\": [1, 2 3]}}"));

    assertThat(e.path).isEqualTo("a.b[2]"); // the element that lacks its comma
    assertThat(e.position).isEqualTo(new SourcePosition(1, 19));
    assertThat(e.getMessage()).isEqualTo("expected ',' or ']' after a value but found '3' (a missing comma?)");
  }

  @Test
  void read_mismatchedCloser_namesTheOpenList() {
    JsonTree.SyntaxError e = catchThrowableOfType(JsonTree.SyntaxError.class, () -> JsonTree.read("{\"a\": [1, 2}"));

    assertThat(e.getMessage()).isEqualTo("found '}' where the list a (opened at line 1, column 7) should be closed"
        + " with ']'");
  }

  @Test
  void sanitize_keepsSingleCharactersButDropsQuotedText() {
    assertThat(JsonTree.sanitize("Unrecognized token 'sk-123': was expecting ('true', 'false' or 'null')"))
        .isEqualTo("Unrecognized token '...': was expecting ('...', '...' or '...')");
    assertThat(JsonTree.sanitize("Unexpected close marker '}': expected ']' (for Array starting at [Source: REDACTED"
        + " (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 7])"))
        .isEqualTo("Unexpected close marker '}': expected ']' (for Array starting at line 1, column 7)");
  }
}
