package dev.runaway.springai;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A loopback server answering {@code POST /v1/chat/completions} in OpenAI's Chat Completions wire
 * format (platform.openai.com/docs/api-reference/chat/object), with a reply chosen per request.
 */
final class OpenAiStub implements AutoCloseable {

  final List<String> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  OpenAiStub(Function<String, String> reply) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(body);
      byte[] out = reply.apply(body).getBytes(StandardCharsets.UTF_8);
      boolean stream = body.replace(" ", "").contains("\"stream\":true");
      exchange.getResponseHeaders().add("Content-Type", stream ? "text/event-stream" : "application/json");
      exchange.sendResponseHeaders(200, out.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(out);
      }
    });
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** A reply that asks for the tool again: the runaway loop. */
  static String toolCall(int n) {
    return "{\"id\":\"chatcmpl-" + n + "\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":null,\"tool_calls\":[{\"id\":\"call_" + n + "\",\"type\":\"function\",\"function\":"
        + "{\"name\":\"lookup\",\"arguments\":\"{\\\"query\\\":\\\"again\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
        + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}";
  }

  /** A plain answer. */
  static String answer(String text) {
    return "{\"id\":\"chatcmpl-a\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
