package dev.runaway.providers.llm.internal;

import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.stream.BaseStream;

/**
 * What an LLM extractor's "cannot read" warning adds for the results users most often hand it by
 * mistake: a stream (whose usage comes only at its end) and the reply's text.
 */
public final class Unreadable {

  private Unreadable() {}

  /**
   * A hint for a result an extractor cannot read, starting with a space; empty when there is none.
   *
   * @param result the result
   * @return the hint
   */
  public static String hint(Object result) {
    if (looksLikeStream(result)) {
      return " A stream's usage is known only when it ends, so guard.call cannot price it: guard it with"
          + " OpenAiStreams.chat/responses or AnthropicStreams.messages, or reserve with guard.reserve(...) and"
          + " commit the usage when the stream ends (README, \"LLM calls: streams, prices\").";
    }
    if (result instanceof CharSequence s && !s.toString().stripLeading().startsWith("{")) {
      return " The guarded call returned text, which carries no usage: return the SDK's response object (for"
          + " example a ChatCompletion or a Message) from the guarded call and take its text afterwards, or set an"
          + " estimate.";
    }
    return "";
  }

  /** SDK stream types ({@code StreamResponse}, {@code ResponseStream}) and reactive ones ({@code Flux}, {@code Publisher}). */
  private static boolean streamName(Class<?> c) {
    String n = c.getSimpleName();
    return n.contains("Stream") || n.startsWith("Flux") || n.equals("Publisher");
  }

  private static boolean looksLikeStream(Object result) {
    if (result instanceof Iterator<?> || result instanceof BaseStream<?, ?> || result instanceof Flow.Publisher<?>) {
      return true;
    }
    for (Class<?> c = result.getClass(); c != null; c = c.getSuperclass()) {
      if (streamName(c)) {
        return true;
      }
      for (Class<?> i : c.getInterfaces()) {
        if (streamName(i)) {
          return true;
        }
      }
    }
    return false;
  }
}
