package dev.runaway.examples.monitor.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for an LLM API on the loopback interface: {@code POST /v1/chat/completions} answers
 * in OpenAI's chat-completion wire format, with token usage taken from the request's
 * {@code x-demo-prompt-tokens}/{@code x-demo-completion-tokens} headers so the demo decides what
 * each call costs.
 *
 * <p>Thread-safe; one instance serves one demo run.
 */
public final class StubLlmServer implements AutoCloseable {

  private final HttpServer server;
  private final AtomicLong requests = new AtomicLong();

  private StubLlmServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts a server on 127.0.0.1 and a free port.
   *
   * @return the running server
   * @throws IOException if the port cannot be bound
   */
  public static StubLlmServer start() throws IOException {
    // Without TCP_NODELAY, small keep-alive responses on loopback wait ~40 ms for delayed ACKs.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    StubLlmServer stub = new StubLlmServer(http);
    http.createContext("/v1/chat/completions", stub::handle);
    http.start();
    return stub;
  }

  /**
   * Returns the API root, like {@code http://127.0.0.1:40123/v1}.
   *
   * @return the base URI
   */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
  }

  /**
   * Returns how many requests reached the server.
   *
   * @return the count
   */
  public long requests() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "{\"error\":{\"message\":\"Method not allowed\",\"type\":\"invalid_request_error\"}}");
        return;
      }
      long n = requests.incrementAndGet();
      long prompt = header(exchange, "x-demo-prompt-tokens", 800);
      long completion = header(exchange, "x-demo-completion-tokens", 200);
      String body = completionBody(n, prompt, completion);
      send(exchange, 200, body);
    }
  }

  /**
   * Returns the body the stub answers: a gpt-4o chat completion in OpenAI's wire format with the
   * given token usage.
   *
   * @param n the response's sequence number, for its id
   * @param prompt prompt tokens
   * @param completion completion tokens
   * @return the JSON body
   */
  public static String completionBody(long n, long prompt, long completion) {
    return "{\"id\":\"chatcmpl-demo" + n + "\",\"object\":\"chat.completion\",\"created\":1787321100,"
        + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Let me call the tool again.\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
        + (prompt + completion) + ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"service_tier\":\"default\"}";
  }

  private static long header(HttpExchange exchange, String name, long fallback) {
    String v = exchange.getRequestHeaders().getFirst(name);
    try {
      return v == null ? fallback : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("x-request-id", "req_demo");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
