package dev.runaway.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runaway.Ticker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback server speaking the Bot API's wire format (shapes from shared/providers/telegram.md):
 * scripted responses first, then {@code {"ok":true,"result":<Message>}} for sendMessage and a
 * {@code User} for getMe. Every request is recorded with the ticker's reading on arrival.
 */
final class BotApiServer implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  /** A recorded request. */
  record Request(String method, String path, String contentType, String body, long tickerNanos) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String text() {
      return json().path("text").asText();
    }

    String chatId() {
      return json().path("chat_id").asText();
    }
  }

  private record Scripted(int status, String body) {}

  private final HttpServer server;
  private final Ticker ticker;
  private final ConcurrentLinkedDeque<Scripted> script = new ConcurrentLinkedDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private BotApiServer(Ticker ticker) throws IOException {
    this.ticker = ticker;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  static BotApiServer start(Ticker ticker) {
    try {
      return new BotApiServer(ticker);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Queues one response for the next request. */
  BotApiServer enqueue(int status, String body) {
    script.addLast(new Scripted(status, body));
    return this;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> sendMessages() {
    return requests.stream().filter(r -> r.path().endsWith("/sendMessage")).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
          ex.getRequestHeaders().getFirst("Content-Type"), body, ticker.nanoTime());
      requests.add(req);
      Scripted s = script.pollFirst();
      if (s == null) {
        s = new Scripted(200, success(req));
      }
      byte[] out = s.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", s.body().startsWith("{") ? "application/json" : "text/html");
      ex.sendResponseHeaders(s.status(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    }
  }

  private String success(Request req) throws IOException {
    if (req.path().endsWith("/getMe")) {
      return GET_ME_OK;
    }
    ObjectNode message = (ObjectNode) JSON.readTree(SEND_MESSAGE_OK);
    ObjectNode result = (ObjectNode) message.get("result");
    result.put("message_id", 4211 + requests.size());
    ((ObjectNode) result.get("chat")).set("id", req.json().get("chat_id"));
    return JSON.writeValueAsString(message);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  static final String SEND_MESSAGE_OK = """
      {"ok":true,"result":{"message_id":4211,"from":{"id":7000000001,"is_bot":true,"first_name":"Spend Guard",\
      "username":"spend_guard_bot"},"chat":{"id":-1001234567890,"title":"Spend alerts","type":"supergroup"},\
      "date":1787321100,"text":"OpenAI spend spike","entities":[{"offset":0,"length":18,"type":"bold"}],\
      "link_preview_options":{"is_disabled":true}}}""";

  static final String GET_ME_OK = """
      {"ok":true,"result":{"id":7000000001,"is_bot":true,"first_name":"Spend Guard","username":"spend_guard_bot",\
      "can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false,\
      "can_connect_to_business":false,"has_main_web_app":false,"has_topics_enabled":false,\
      "allows_users_to_create_topics":false}}""";

  static String tooManyRequests(int retryAfter) {
    return "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after " + retryAfter
        + "\",\"parameters\":{\"retry_after\":" + retryAfter + "}}";
  }

  static final String MIGRATED = """
      {"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat",\
      "parameters":{"migrate_to_chat_id":-1001987654321}}""";

  static final String UNAUTHORIZED = "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}";

  static final String FORBIDDEN =
      "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot is not a member of the channel chat\"}";

  static final String CHAT_NOT_FOUND = "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not found\"}";

  static final String NOT_FOUND = "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}";

  static final String BAD_GATEWAY = "{\"ok\":false,\"error_code\":502,\"description\":\"Bad Gateway\"}";
}
