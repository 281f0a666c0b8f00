package dev.runaway.telegram.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Telegram's HTML parse mode as this notifier uses it: escaping of untrusted text, and a tokenizer
 * that knows what Telegram counts towards the 4,096-character limit (the text after entity
 * parsing: tags count nothing, an entity counts as the character it stands for).
 *
 * <p>Lengths are in UTF-16 code units, the unit Telegram uses for entity offsets, which is never
 * less than the number of code points, so a part within the limit here is within it there.
 *
 * <p>Stateless and thread-safe.
 */
public final class Html {

  /** The kinds of atoms of a message: the smallest pieces a split may not cut. */
  enum Kind {
    /** One character (a surrogate pair counts as one atom of two units). */
    TEXT,
    /** An entity such as {@code &lt;} or {@code &#128293;}. */
    ENTITY,
    /** An opening tag such as {@code <b>} or {@code <a href="...">}. */
    OPEN_TAG,
    /** A closing tag such as {@code </b>}. */
    CLOSE_TAG,
    /** A line break. */
    NEWLINE
  }

  /**
   * One indivisible piece of a message.
   *
   * @param kind what it is
   * @param html its source text
   * @param visible how many UTF-16 units it counts for after entity parsing
   * @param tag the lower-case tag name for tags, otherwise empty
   */
  record Atom(Kind kind, String html, int visible, String tag) {}

  private Html() {}

  /**
   * Escapes text for HTML parse mode with the named entities Telegram supports
   * ({@code &lt; &gt; &amp; &quot;}).
   *
   * @param text untrusted text, may be {@code null} (treated as empty)
   * @return the escaped text
   */
  public static String escape(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String rep;
      switch (c) {
        case '<' -> rep = "&lt;";
        case '>' -> rep = "&gt;";
        case '&' -> rep = "&amp;";
        case '"' -> rep = "&quot;";
        default -> rep = null;
      }
      if (rep != null) {
        if (sb == null) {
          sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        sb.append(rep);
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? text : sb.toString();
  }

  /**
   * Returns the length Telegram counts for a message in HTML parse mode.
   *
   * @param html the message
   * @return the length after entity parsing, in UTF-16 units
   */
  public static int visibleLength(String html) {
    int n = 0;
    for (Atom a : atoms(html)) {
      n += a.visible();
    }
    return n;
  }

  /**
   * Returns the text a reader sees of an HTML parse-mode message, for sending it without a parse
   * mode: tags are dropped, entities replaced by their characters, line breaks kept. Malformed
   * markup (a lone {@code <} or {@code &}) stays as it is.
   *
   * @param html the message
   * @return the plain text, as long as the message's visible length
   */
  public static String toPlain(String html) {
    StringBuilder sb = new StringBuilder(html.length());
    for (Atom a : atoms(html)) {
      switch (a.kind()) {
        case OPEN_TAG, CLOSE_TAG -> { }
        case ENTITY -> sb.append(decode(a.html()));
        default -> sb.append(a.html());
      }
    }
    return sb.toString();
  }

  private static String decode(String entity) {
    switch (entity) {
      case "&lt;": return "<";
      case "&gt;": return ">";
      case "&amp;": return "&";
      case "&quot;": return "\"";
      default: break;
    }
    String digits = entity.substring(2, entity.length() - 1);
    try {
      int cp = digits.startsWith("x") || digits.startsWith("X")
          ? Integer.parseInt(digits.substring(1), 16) : Integer.parseInt(digits);
      return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : entity;
    } catch (NumberFormatException e) {
      return entity;
    }
  }

  /** Splits a message into atoms. Malformed markup (a lone {@code <} or {@code &}) counts as text. */
  static List<Atom> atoms(String html) {
    List<Atom> out = new ArrayList<>(html.length());
    int i = 0;
    int len = html.length();
    while (i < len) {
      char c = html.charAt(i);
      if (c == '\n') {
        out.add(new Atom(Kind.NEWLINE, "\n", 1, ""));
        i++;
      } else if (c == '<' && html.indexOf('>', i) > i) {
        int end = html.indexOf('>', i) + 1;
        String tagHtml = html.substring(i, end);
        boolean closing = tagHtml.startsWith("</");
        int nameStart = closing ? 2 : 1;
        int nameEnd = nameStart;
        while (nameEnd < tagHtml.length() && isNameChar(tagHtml.charAt(nameEnd))) {
          nameEnd++;
        }
        String name = tagHtml.substring(nameStart, nameEnd).toLowerCase(java.util.Locale.ROOT);
        out.add(new Atom(closing ? Kind.CLOSE_TAG : Kind.OPEN_TAG, tagHtml, 0, name));
        i = end;
      } else if (c == '&') {
        int end = entityEnd(html, i);
        if (end > 0) {
          String entity = html.substring(i, end);
          out.add(new Atom(Kind.ENTITY, entity, entityUnits(entity), ""));
          i = end;
        } else {
          out.add(new Atom(Kind.TEXT, "&", 1, ""));
          i++;
        }
      } else {
        int cp = html.codePointAt(i);
        int units = Character.charCount(cp);
        out.add(new Atom(Kind.TEXT, html.substring(i, i + units), units, ""));
        i += units;
      }
    }
    return out;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }

  /** Returns the index after the entity starting at {@code start}, or -1 if there is none. */
  private static int entityEnd(String s, int start) {
    int semi = s.indexOf(';', start);
    if (semi < 0 || semi - start > 10) {
      return -1;
    }
    String body = s.substring(start + 1, semi);
    if (body.equals("lt") || body.equals("gt") || body.equals("amp") || body.equals("quot")) {
      return semi + 1;
    }
    if (body.matches("#[0-9]{1,7}") || body.matches("#[xX][0-9a-fA-F]{1,6}")) {
      return semi + 1;
    }
    return -1;
  }

  private static int entityUnits(String entity) {
    if (!entity.startsWith("&#")) {
      return 1;
    }
    String digits = entity.substring(2, entity.length() - 1);
    int cp;
    try {
      cp = digits.startsWith("x") || digits.startsWith("X")
          ? Integer.parseInt(digits.substring(1), 16) : Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return 1;
    }
    return Character.isValidCodePoint(cp) ? Character.charCount(cp) : 1;
  }
}
