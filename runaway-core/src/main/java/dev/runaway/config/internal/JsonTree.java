package dev.runaway.config.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON document read with the position of every key and value, so that every config error can
 * name its line and column. Duplicate keys are an error, and so is anything after the top-level
 * value.
 *
 * <p>Syntax errors never quote the document's text (beyond a single character): a broken line may
 * hold a credential.
 *
 * <p>Nodes are immutable once read; reading is not thread-safe and each document gets its own
 * reader.
 */
final class JsonTree {

  /** What a node holds. */
  enum Kind {
    OBJECT("an object"),
    ARRAY("a list"),
    STRING("a string"),
    NUMBER("a number"),
    BOOLEAN("a boolean"),
    NULL("null");

    final String article;

    Kind(String article) {
      this.article = article;
    }
  }

  /** One key of an object: its name, where the key is written, and its value. */
  record Field(String key, SourcePosition keyPosition, Node value) {}

  /** One JSON value with its JSON path and position. */
  static final class Node {
    final Kind kind;
    final String path;
    final SourcePosition position;
    /** The string's value or the number's literal text; null otherwise. */
    final String text;
    /** Whether a number was written without fraction or exponent. */
    final boolean integral;
    final boolean bool;
    final Map<String, Field> fields;
    final List<Node> elements;

    private Node(Kind kind, String path, SourcePosition position, String text, boolean integral, boolean bool,
        Map<String, Field> fields, List<Node> elements) {
      this.kind = kind;
      this.path = path;
      this.position = position;
      this.text = text;
      this.integral = integral;
      this.bool = bool;
      this.fields = fields;
      this.elements = elements;
    }

    boolean is(Kind k) {
      return kind == k;
    }

    /** The number's exact value; only for {@link Kind#NUMBER}. */
    BigDecimal decimal() {
      return new BigDecimal(text);
    }
  }

  /** A document that is not well-formed JSON, with where and why. */
  static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    final transient String path;
    final transient SourcePosition position;

    SyntaxError(String path, SourcePosition position, String problem) {
      super(problem, null, false, false);
      this.path = path;
      this.position = position;
    }
  }

  private static final JsonFactory FACTORY = JsonFactory.builder().build();
  private static final Pattern UNEXPECTED_CHAR =
      Pattern.compile("^Unexpected character \\((.+) \\(code (\\d+)\\)\\)(?: in numeric value)?: (.*)$", Pattern.DOTALL);
  private static final Pattern SOURCE_REF =
      Pattern.compile("\\[Source: [^;\\]]*(?:\\([^)]*\\))?[^;\\]]*; line: (\\d+), column: (\\d+)\\]");
  private static final Pattern QUOTED = Pattern.compile("'[^']*'");
  private static final Pattern BAD_TOKEN = Pattern.compile("(?:Unrecognized|Non-standard) token '([^']*)'");

  /** An object or list that has been opened and not yet closed. */
  private record Open(Kind kind, String path, SourcePosition position) {}

  private final JsonParser parser;
  private final Deque<Open> open = new ArrayDeque<>();
  private boolean afterRoot;
  /**
   * Whether the parser is between two entries of the innermost object (reading a comma and the
   * next key): an error there is in that object, not in the key read before, which Jackson's
   * context still names.
   */
  private boolean betweenEntries;
  /** The key read last in the innermost object, or {@code null} before its first. */
  private String keyBefore;

  private JsonTree(JsonParser parser) {
    this.parser = parser;
  }

  /**
   * Reads a document.
   *
   * @param json the text
   * @return the top-level value, or {@code null} if the text holds nothing but white space
   * @throws SyntaxError if the text is not one well-formed JSON value
   */
  static Node read(String json) throws SyntaxError {
    try (JsonParser parser = FACTORY.createParser(json)) {
      return new JsonTree(parser).document();
    } catch (IOException e) {
      // Parsing a String does no I/O; Jackson's syntax errors are handled in next().
      throw new UncheckedIOException(e);
    }
  }

  /** Joins a path and a key: {@code cost_thresholds} + {@code openai}. */
  static String child(String path, String key) {
    String k = key.isEmpty() ? "\"\"" : key;
    return path.isEmpty() ? k : path + "." + k;
  }

  private Node document() throws SyntaxError {
    JsonToken first = next();
    if (first == null) {
      return null;
    }
    Node root = value(first, "");
    afterRoot = true;
    JsonToken extra = next();
    if (extra != null) {
      throw trailing(position(parser.currentTokenLocation()));
    }
    return root;
  }

  private Node value(JsonToken token, String path) throws SyntaxError {
    if (token == null) {
      throw new SyntaxError(path, position(parser.currentLocation()),
          "the file ends where a value is expected (is the file truncated?)");
    }
    SourcePosition at = position(parser.currentTokenLocation());
    switch (token) {
      case START_OBJECT:
        return object(path, at);
      case START_ARRAY:
        return array(path, at);
      case VALUE_STRING:
        return new Node(Kind.STRING, path, at, text(), false, false, null, null);
      case VALUE_NUMBER_INT:
        return new Node(Kind.NUMBER, path, at, text(), true, false, null, null);
      case VALUE_NUMBER_FLOAT:
        return new Node(Kind.NUMBER, path, at, text(), false, false, null, null);
      case VALUE_TRUE:
        return new Node(Kind.BOOLEAN, path, at, null, false, true, null, null);
      case VALUE_FALSE:
        return new Node(Kind.BOOLEAN, path, at, null, false, false, null, null);
      case VALUE_NULL:
        return new Node(Kind.NULL, path, at, null, false, false, null, null);
      default:
        // Jackson reports misplaced tokens itself; this is a safety net.
        throw new SyntaxError(path, at, "expected a value, found " + token);
    }
  }

  private Node object(String path, SourcePosition at) throws SyntaxError {
    open.push(new Open(Kind.OBJECT, path, at));
    Map<String, Field> fields = new LinkedHashMap<>();
    String last = null;
    while (true) {
      betweenEntries = true;
      keyBefore = last;
      JsonToken t = next();
      betweenEntries = false;
      if (t == JsonToken.END_OBJECT) {
        break;
      }
      String key = name();
      SourcePosition keyAt = position(parser.currentTokenLocation());
      String childPath = child(path, key);
      Field first = fields.get(key);
      if (first != null) {
        throw new SyntaxError(childPath, keyAt, "duplicate key '" + key + "': it is already set at line "
            + first.keyPosition().line() + ", column " + first.keyPosition().column()
            + "; a JSON object must not repeat a key, so keep only one of them");
      }
      Node v = value(next(), childPath);
      fields.put(key, new Field(key, keyAt, v));
      last = key;
    }
    open.pop();
    return new Node(Kind.OBJECT, path, at, null, false, false, Collections.unmodifiableMap(fields), null);
  }

  private Node array(String path, SourcePosition at) throws SyntaxError {
    open.push(new Open(Kind.ARRAY, path, at));
    List<Node> elements = new ArrayList<>();
    while (true) {
      String childPath = path + "[" + elements.size() + "]";
      JsonToken t = next();
      if (t == JsonToken.END_ARRAY) {
        break;
      }
      elements.add(value(t, childPath));
    }
    open.pop();
    return new Node(Kind.ARRAY, path, at, null, false, false, null, Collections.unmodifiableList(elements));
  }

  private String text() throws SyntaxError {
    try {
      return parser.getText();
    } catch (JsonProcessingException e) {
      throw translate(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String name() throws SyntaxError {
    try {
      return parser.currentName();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonToken next() throws SyntaxError {
    try {
      return parser.nextToken();
    } catch (JsonProcessingException e) {
      throw translate(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private SyntaxError trailing(SourcePosition at) {
    return new SyntaxError("", at, "unexpected text after the end of the top-level object: a config file holds"
        + " exactly one JSON object (is there a '}' too many, or a second object?)");
  }

  /** Turns Jackson's message into ours, without quoting the document's text. */
  private SyntaxError translate(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    SourcePosition at = position(e.getLocation() != null ? e.getLocation() : parser.currentLocation());
    Matcher token = BAD_TOKEN.matcher(m);
    if (token.lookingAt() && at.column() > token.group(1).length()) {
      // Jackson points just past the bad token; point at its start instead.
      at = new SourcePosition(at.line(), at.column() - token.group(1).length());
    }
    if (afterRoot) {
      return trailing(at);
    }
    Open o = open.peek();
    if (e instanceof JsonEOFException || m.startsWith("Unexpected end-of-input")) {
      if (m.contains("closing quote")) {
        return new SyntaxError(contextPath(), at, "the file ends inside a string: a closing double quote is missing"
            + " (is the file truncated?)");
      }
      if (o == null) {
        return new SyntaxError("", at, "the file ends too early (is the file truncated?)");
      }
      return new SyntaxError(o.path(), at, "the file ends before " + describe(o) + " is closed with '"
          + (o.kind() == Kind.OBJECT ? '}' : ']') + "' (is the file truncated?)");
    }
    String path = contextPath();
    // Between the entries of an object (a missing comma, a comma too many, a stray character before
    // a key) the error is in that object; the key before it is named in the message.
    String previous = "";
    // Jackson reads a key and the value after it in one step: when the key was read (its context
    // names a new key), the error is in that value, and its path is right.
    // (In a list Jackson's context already names the element after the comma, where the error is.)
    boolean between = o != null && o.kind() == Kind.OBJECT && betweenEntries
        && java.util.Objects.equals(parser.getParsingContext().getCurrentName(), keyBefore);
    if (between) {
      previous = path.equals(o.path()) ? "" : path;
      path = o.path();
    }
    String after = previous.isEmpty() ? "" : " after " + previous;
    if (m.startsWith("Non-standard token")) {
      return new SyntaxError(path, at, "NaN and Infinity are not JSON numbers: write a finite number such as 10.0");
    }
    if (m.startsWith("Unrecognized token")) {
      return new SyntaxError(path, at, "expected a value: a string in double quotes, a number, true, false, null,"
          + " an object {...} or a list [...] (text without quotes is not JSON)");
    }
    if (m.contains("ALLOW_COMMENTS")) {
      return new SyntaxError(path, at, "comments are not allowed in JSON: remove the comment" + after);
    }
    if (m.contains("ALLOW_SINGLE_QUOTES") || m.startsWith("Unexpected character (''' (code 39))")) {
      return new SyntaxError(path, at, "strings and keys must be in double quotes, not single quotes");
    }
    if (m.startsWith("Unexpected close marker") && o != null) {
      char found = o.kind() == Kind.OBJECT ? ']' : '}';
      return new SyntaxError(path, at, "found '" + found + "' where " + describe(o) + " should be closed with '"
          + (o.kind() == Kind.OBJECT ? '}' : ']') + "'");
    }
    Matcher um = UNEXPECTED_CHAR.matcher(m);
    if (um.matches()) {
      int code = Integer.parseInt(um.group(2));
      String ch = Character.isISOControl(code) || Character.isWhitespace(code)
          ? "a control character (code " + code + ")" : "'" + new String(Character.toChars(code)) + "'";
      String rest = um.group(3);
      if (rest.contains("double-quote to start field name")) {
        return new SyntaxError(path, at, "expected a key in double quotes" + after + " but found " + ch
            + (code == '}' ? " (JSON allows no comma before '}')" : " (keys must be written in double quotes)"));
      }
      if (rest.contains("comma to separate Object entries")) {
        return new SyntaxError(path, at, "expected ',' or '}' after a value" + (previous.isEmpty() ? ""
            : " (the value of " + previous + ")") + " but found " + ch + " (a missing comma?)");
      }
      if (rest.contains("comma to separate Array entries")) {
        return new SyntaxError(path, at, "expected ',' or ']' after a value but found " + ch + " (a missing comma?)");
      }
      if (rest.contains("colon to separate field name and value")) {
        return new SyntaxError(path, at, "expected ':' after the key but found " + ch);
      }
      if (rest.contains("expected a valid value") || rest.startsWith("expected a value")) {
        return new SyntaxError(path, at, "expected a value but found " + ch + ": a string in double quotes,"
            + " a number, true, false, null, an object {...} or a list [...]"
            + (code == ']' || code == '}' ? " (JSON allows no comma before '" + (char) code + "')" : ""));
      }
      return new SyntaxError(path, at, "unexpected " + ch + ": " + sanitize(rest));
    }
    if (m.startsWith("Illegal unquoted character")) {
      return new SyntaxError(path, at, "a string holds a raw control character such as a line break or tab;"
          + " write it escaped (\\n, \\t) or remove it");
    }
    return new SyntaxError(path, at, "not valid JSON: " + sanitize(m));
  }

  private static String describe(Open o) {
    String what = o.kind() == Kind.OBJECT ? "the object" : "the list";
    String name = o.path().isEmpty() ? " at the top level" : " " + o.path();
    return what + name + " (opened at line " + o.position().line() + ", column " + o.position().column() + ")";
  }

  /** The JSON path Jackson is at, from its parsing context: the key or element being read. */
  private String contextPath() {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject() && c.getCurrentName() != null) {
        parts.push(c.getCurrentName());
      } else if (c.inArray()) {
        parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
      }
    }
    String path = "";
    for (String p : parts) {
      path = p.startsWith("[") ? path + p : child(path, p);
    }
    return path;
  }

  /** Keeps Jackson's explanation but drops quoted document text and its internal source references. */
  static String sanitize(String message) {
    String s = SOURCE_REF.matcher(message).replaceAll("line $1, column $2");
    // A single quoted character is safe to show; longer quoted text is the document's and may be a secret.
    s = QUOTED.matcher(s).replaceAll(r -> r.group().length() <= 3 ? Matcher.quoteReplacement(r.group()) : "'...'");
    int nl = s.indexOf('\n');
    return nl >= 0 ? s.substring(0, nl) : s;
  }

  private static SourcePosition position(JsonLocation loc) {
    if (loc == null) {
      return SourcePosition.UNKNOWN;
    }
    return new SourcePosition(Math.max(0, loc.getLineNr()), Math.max(0, loc.getColumnNr()));
  }
}
