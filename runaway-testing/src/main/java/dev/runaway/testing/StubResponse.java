package dev.runaway.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A scripted answer of a {@link StubServer}: status, headers, body, and optionally a delay before
 * answering or a body cut short.
 *
 * @param status the HTTP status
 * @param headers the headers
 * @param body the body
 * @param delay how long to wait before answering
 * @param truncate whether to announce the full length but send only half the body, then close
 */
public record StubResponse(int status, List<Map.Entry<String, String>> headers, byte[] body, Duration delay,
    boolean truncate) {

  /**
   * Returns a JSON answer.
   *
   * @param status the status
   * @param json the body
   * @return the response
   */
  public static StubResponse json(int status, String json) {
    return new StubResponse(status, List.of(Map.entry("Content-Type", "application/json")),
        json.getBytes(StandardCharsets.UTF_8), Duration.ZERO, false);
  }

  /**
   * Returns a 200 JSON answer.
   *
   * @param json the body
   * @return the response
   */
  public static StubResponse ok(String json) {
    return json(200, json);
  }

  /**
   * Returns a 200 Server-Sent Events answer ({@code text/event-stream}), sent whole: a streamed
   * completion as a client reads it.
   *
   * @param events the events, each ending with a blank line
   * @return the response
   */
  public static StubResponse eventStream(String events) {
    return new StubResponse(200, List.of(Map.entry("Content-Type", "text/event-stream")),
        events.getBytes(StandardCharsets.UTF_8), Duration.ZERO, false);
  }

  /**
   * Returns a 429 with {@code Retry-After} in whole seconds.
   *
   * @param retryAfter the wait
   * @param json the body
   * @return the response
   */
  public static StubResponse rateLimited(Duration retryAfter, String json) {
    return json(429, json).withHeader("Retry-After", Long.toString(retryAfter.toSeconds()));
  }

  /**
   * Returns a copy with one more header.
   *
   * @param name the name
   * @param value the value
   * @return the response
   */
  public StubResponse withHeader(String name, String value) {
    List<Map.Entry<String, String>> h = new ArrayList<>(headers);
    h.add(Map.entry(name, value));
    return new StubResponse(status, List.copyOf(h), body, delay, truncate);
  }

  /**
   * Returns a copy answered only after {@code delay} (the server thread waits; the test does not).
   *
   * @param delay the delay
   * @return the response
   */
  public StubResponse delayed(Duration delay) {
    return new StubResponse(status, headers, body, delay, truncate);
  }

  /**
   * Returns a copy whose body is cut in half after announcing its full length.
   *
   * @return the response
   */
  public StubResponse truncated() {
    return new StubResponse(status, headers, body, delay, true);
  }
}
