package dev.runaway.telegram;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Renders everything about an exception a log sink or a person could see. */
final class SecretAssertions {

  private SecretAssertions() {}

  /** The stack trace text with every cause and suppressed exception, plus each message and toString. */
  static String everythingPrinted(Throwable t) {
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    StringBuilder sb = new StringBuilder(sw.toString());
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append('\n').append(c.getMessage()).append('\n').append(c.getLocalizedMessage()).append('\n').append(c);
    }
    return sb.toString();
  }
}
