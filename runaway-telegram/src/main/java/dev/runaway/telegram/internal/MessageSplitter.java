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
 * <p>Each part is filled up to the limit. Parts break at line boundaries; a single line longer
 * than the limit fills the room left in the current part and is cut between atoms (after a space
 * in the part's last half, when there is one), so an entity, a tag or a surrogate pair is never
 * broken. Tags open at a cut are closed at the end of the part and reopened at the start of the
 * next, so every part is well-formed on its own.
 * Blank lines at the start of a part are dropped, and parts with no visible text are not sent.
 *
 * <p>Stateless and thread-safe.
 */
public final class MessageSplitter {

  /** Telegram's limit for {@code sendMessage} text, after entity parsing. */
  public static final int TELEGRAM_LIMIT = 4096;

  /** Room kept in each part of a split message for its {@code (part k/n)} marker and line break. */
  static final int MARKER_RESERVE = 16;

  private MessageSplitter() {}

  /**
   * Splits a message for sending, prefixing every part of a multi-part message with a
   * {@code (part k/n)} marker. A message that fits is returned as the only part, unchanged.
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
      marked.add("<i>(part " + (k + 1) + "/" + parts.size() + ")</i>\n" + parts.get(k));
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
      if (cost <= limit) {
        // It fits a part of its own: start the next part with it rather than cut it.
        part.flush();
        part.startLine(line, cost);
        continue;
      }
      // Longer than a part: it is cut anyway, so it first fills the room left in this one (a long
      // detail used to leave the first part with the header alone).
      if (part.hasLines && part.visible + 1 < limit) {
        part.newline();
      } else if (part.hasLines) {
        part.flush();
      }
      cutLongLine(part, line, limit);
    }
    part.flush();
    return part.parts;
  }

  /**
   * Adds a line longer than a part, cutting it between atoms wherever a part is full, preferably
   * after a space in the last half of the part so that a word is not cut.
   */
  private static void cutLongLine(Part part, List<Atom> line, int limit) {
    part.hasLines = true;
    int i = 0;
    while (i < line.size()) {
      int room = limit - part.visible;
      int end = i;
      int used = 0;
      while (end < line.size() && used + line.get(end).visible() <= room) {
        used += line.get(end).visible();
        end++;
      }
      if (end < line.size()) {
        int floor = i + (end - i) / 2;
        for (int k = end - 1; k > floor; k--) {
          if (line.get(k).kind() == Kind.TEXT && line.get(k).html().equals(" ")) {
            end = k + 1;
            break;
          }
        }
      }
      if (end == i && part.visible == 0) {
        end = i + 1; // cannot happen with a limit of 2 or more; guards against a loop
      }
      for (int k = i; k < end; k++) {
        part.add(line.get(k));
      }
      i = end;
      if (i < line.size()) {
        part.flush();
        part.hasLines = true;
      }
    }
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
