package dev.runaway.telegram.internal;

import dev.runaway.telegram.internal.Html.Atom;
import dev.runaway.telegram.internal.Html.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Splits an HTML message into parts that each fit Telegram's limit after entity parsing.
 *
 * <p>Parts break at line boundaries; a single line longer than the limit is cut between atoms, so
 * an entity, a tag or a surrogate pair is never broken. Tags open at a cut are closed at the end
 * of the part and reopened at the start of the next, so every part is well-formed on its own.
 * Blank lines at the start of a part are dropped, and parts with no visible text are not sent.
 *
 * <p>Stateless and thread-safe.
 */
public final class MessageSplitter {

  /** Telegram's limit for {@code sendMessage} text, after entity parsing. */
  public static final int TELEGRAM_LIMIT = 4096;

  /** Room kept in each part of a split message for its {@code (k/n)} marker. */
  static final int MARKER_RESERVE = 16;

  private MessageSplitter() {}

  /**
   * Splits a message for sending, prefixing every part of a multi-part message with a
   * {@code (k/n)} marker. A message that fits is returned as the only part, unchanged.
   *
   * @param html the message
   * @param limit the visible length a part may have, at least 32
   * @return the parts, in order; empty if the message has no visible text
   */
  public static List<String> splitForSending(String html, int limit) {
    if (limit < 32) {
      throw new IllegalArgumentException("limit must be at least 32, got " + limit);
    }
    if (Html.visibleLength(html) <= limit) {
      List<String> single = split(html, limit);
      return single.size() == 1 ? List.of(html) : single;
    }
    List<String> parts = split(html, limit - MARKER_RESERVE);
    if (parts.size() == 1) {
      return parts;
    }
    List<String> marked = new ArrayList<>(parts.size());
    for (int k = 0; k < parts.size(); k++) {
      marked.add("<i>(" + (k + 1) + "/" + parts.size() + ")</i>\n" + parts.get(k));
    }
    return marked;
  }

  /**
   * Splits a message into parts of at most {@code limit} visible units each.
   *
   * @param html the message
   * @param limit the visible length a part may have, at least 2
   * @return the parts, in order
   */
  static List<String> split(String html, int limit) {
    if (limit < 2) {
      throw new IllegalArgumentException("limit must be at least 2, got " + limit);
    }
    List<List<Atom>> lines = lines(Html.atoms(html));
    Part part = new Part(limit);
    for (List<Atom> line : lines) {
      int cost = visible(line);
      if (part.hasLines && part.visible + cost + 1 <= limit) {
        part.newline();
        part.addAll(line);
        continue;
      }
      if (!part.hasLines && cost <= limit) {
        part.startLine(line, cost);
        continue;
      }
      if (part.hasLines) {
        part.flush();
      }
      if (cost <= limit) {
        part.startLine(line, cost);
        continue;
      }
      part.hasLines = true;
      for (Atom atom : line) {
        if (part.visible + atom.visible() > limit) {
          part.flush();
          part.hasLines = true;
        }
        part.add(atom);
      }
    }
    part.flush();
    return part.parts;
  }

  private static List<List<Atom>> lines(List<Atom> atoms) {
    List<List<Atom>> lines = new ArrayList<>();
    List<Atom> current = new ArrayList<>();
    for (Atom a : atoms) {
      if (a.kind() == Kind.NEWLINE) {
        lines.add(current);
        current = new ArrayList<>();
      } else {
        current.add(a);
      }
    }
    lines.add(current);
    return lines;
  }

  private static int visible(List<Atom> line) {
    int n = 0;
    for (Atom a : line) {
      n += a.visible();
    }
    return n;
  }

  /** The part being built, and the tags open at its current end. */
  private static final class Part {
    final int limit;
    final List<String> parts = new ArrayList<>();
    final Deque<Atom> open = new ArrayDeque<>();
    StringBuilder html = new StringBuilder();
    int visible;
    boolean hasLines;
    boolean hasText;

    Part(int limit) {
      this.limit = limit;
    }

    void startLine(List<Atom> line, int cost) {
      if (cost == 0 && line.stream().allMatch(a -> a.kind() == Kind.TEXT)) {
        return; // a blank line at the start of a part
      }
      hasLines = true;
      addAll(line);
    }

    void newline() {
      html.append('\n');
      visible++;
    }

    void addAll(List<Atom> atoms) {
      for (Atom a : atoms) {
        add(a);
      }
    }

    void add(Atom a) {
      html.append(a.html());
      visible += a.visible();
      if (a.visible() > 0 && !a.html().isBlank()) {
        hasText = true;
      }
      if (a.kind() == Kind.OPEN_TAG) {
        open.push(a);
      } else if (a.kind() == Kind.CLOSE_TAG) {
        Iterator<Atom> it = open.iterator();
        while (it.hasNext()) {
          if (it.next().tag().equals(a.tag())) {
            it.remove();
            break;
          }
        }
      }
    }

    void flush() {
      while (html.length() > 0 && html.charAt(html.length() - 1) == '\n') {
        html.setLength(html.length() - 1); // trailing blank lines
      }
      Iterator<Atom> closing = open.iterator();
      while (closing.hasNext()) {
        html.append("</").append(closing.next().tag()).append('>');
      }
      if (hasText) {
        parts.add(html.toString());
      }
      html = new StringBuilder();
      Iterator<Atom> reopening = open.descendingIterator();
      while (reopening.hasNext()) {
        html.append(reopening.next().html());
      }
      visible = 0;
      hasLines = false;
      hasText = false;
    }
  }
}
