package dev.runaway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.event.Level;

/**
 * Every log event emitted during the tests, captured by {@link CapturingSlf4jProvider} (the
 * SLF4J binding of the test class path). Tests assert on formatted messages and throwables,
 * for example that no secret ever reaches a log line.
 */
public final class LogCapture {

  /**
   * One captured event.
   *
   * @param logger the logger's name
   * @param level the level
   * @param message the formatted message
   * @param thrown the throwable with its causes rendered as text (class, message), or empty
   * @param thread the name of the thread that logged it
   */
  public record Event(String logger, Level level, String message, String thrown, String thread) {
    /**
     * Returns everything a log sink would print for this event.
     *
     * @return the message and the throwable text
     */
    public String fullText() {
      return message + (thrown.isEmpty() ? "" : "\n" + thrown);
    }
  }

  private static final List<Event> EVENTS = new CopyOnWriteArrayList<>();

  private LogCapture() {}

  static void add(Event e) {
    EVENTS.add(e);
  }

  /**
   * Returns a copy of all events so far.
   *
   * @return the events
   */
  public static List<Event> events() {
    return new ArrayList<>(EVENTS);
  }

  /**
   * Returns the number of events so far, to slice later events with {@link #since(int)}.
   *
   * @return the mark
   */
  public static int mark() {
    return EVENTS.size();
  }

  /**
   * Returns the events after a mark.
   *
   * @param mark a value of {@link #mark()}
   * @return the events since
   */
  public static List<Event> since(int mark) {
    List<Event> all = events();
    return all.subList(Math.min(mark, all.size()), all.size());
  }

  /**
   * Returns the events after a mark that the current thread logged: for tests that drive their
   * component on the test thread and must not see lines that another test's leftover background
   * threads log meanwhile.
   *
   * @param mark a value of {@link #mark()}
   * @return the events since, of this thread
   */
  public static List<Event> sinceOnThisThread(int mark) {
    String me = Thread.currentThread().getName();
    return since(mark).stream().filter(e -> e.thread().equals(me)).toList();
  }

  /**
   * Returns all captured text (messages and throwables) joined, for "never contains" checks.
   *
   * @return all text
   */
  public static String allText() {
    StringBuilder sb = new StringBuilder();
    for (Event e : EVENTS) {
      sb.append(e.fullText()).append('\n');
    }
    return sb.toString();
  }
}
