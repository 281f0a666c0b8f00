package dev.runaway.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runaway.Ticker;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
  record Request(String method, String path, String contentType, String body, long tickerNanos, byte[] raw) {
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
      return isMultipart() ? new String(multipart().get("chat_id").data(), StandardCharsets.UTF_8)
          : json().path("chat_id").asText();
    }

    boolean isMultipart() {
      return contentType != null && contentType.startsWith("multipart/form-data");
    }

    /**
     * Parses a {@code multipart/form-data} body (RFC 7578): parts split on the boundary from the
     * Content-Type, each with its Content-Disposition name, optional filename and Content-Type.
     */
    java.util.Map<String, Part> multipart() {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(contentType);
      if (!m.find()) {
        throw new IllegalStateException("no boundary in " + contentType);
      }
      byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
      java.util.Map<String, Part> parts = new java.util.LinkedHashMap<>();
      int at = indexOf(raw, delimiter, 0);
      if (at != 0) {
        throw new IllegalStateException("body does not start with the boundary");
      }
      while (true) {
        int start = at + delimiter.length;
        if (raw[start] == '-' && raw[start + 1] == '-') {
          return parts; // the closing delimiter
        }
        start += 2; // CRLF after the delimiter
        int headersEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
        String headers = new String(raw, start, headersEnd - start, StandardCharsets.UTF_8);
        int next = indexOf(raw, ("\r\n" + new String(delimiter, StandardCharsets.ISO_8859_1))
            .getBytes(StandardCharsets.ISO_8859_1), headersEnd + 4);
        byte[] data = java.util.Arrays.copyOfRange(raw, headersEnd + 4, next);
        java.util.regex.Matcher name = java.util.regex.Pattern.compile("name=\"([^\"]*)\"").matcher(headers);
        java.util.regex.Matcher file = java.util.regex.Pattern.compile("filename=\"([^\"]*)\"").matcher(headers);
        java.util.regex.Matcher type = java.util.regex.Pattern.compile("(?i)content-type: *([^\r\n]+)").matcher(headers);
        if (!name.find()) {
          throw new IllegalStateException("part without a name: " + headers);
        }
        parts.put(name.group(1), new Part(name.group(1), file.find() ? file.group(1) : null,
            type.find() ? type.group(1) : null, data));
        at = next + 2;
      }
    }

    String field(String name) {
      Part p = multipart().get(name);
      return p == null ? null : new String(p.data(), StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
      outer:
      for (int i = from; i <= hay.length - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      throw new IllegalStateException("delimiter not found");
    }
  }

  /** One part of a multipart body. */
  record Part(String name, String filename, String contentType, byte[] data) {}

  private record Scripted(int status, String body) {}

  private final StubServer server = StubServer.start();
  private final Ticker ticker;
  private final ConcurrentLinkedDeque<Scripted> script = new ConcurrentLinkedDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private BotApiServer(Ticker ticker) {
    this.ticker = ticker;
    // Every path (/bot<token>/<method>) is answered here, in order of arrival, from one script.
    server.fallback(this::handle);
  }

  static BotApiServer start(Ticker ticker) {
    return new BotApiServer(ticker);
  }

  URI baseUri() {
    return server.baseUrl();
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

  private StubResponse handle(RecordedRequest r) {
    Request req = new Request(r.method(), r.path(), r.header("Content-Type").orElse(null), r.body(),
        ticker.nanoTime(), r.bodyBytes());
    requests.add(req);
    Scripted s = script.pollFirst();
    try {
      String body = s != null ? s.body() : success(req);
      return new StubResponse(s != null ? s.status() : 200, List.of(Map.entry("Content-Type",
          body.startsWith("{") ? "application/json" : "text/html")), body.getBytes(StandardCharsets.UTF_8),
          Duration.ZERO, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String success(Request req) throws IOException {
    if (req.path().endsWith("/getMe")) {
      return GET_ME_OK;
    }
    ObjectNode message = (ObjectNode) JSON.readTree(SEND_MESSAGE_OK);
    ObjectNode result = (ObjectNode) message.get("result");
    result.put("message_id", 4211 + requests.size());
    if (req.isMultipart()) {
      // sendPhoto's Message: the chat, a caption instead of text, and the sizes Telegram made.
      ((ObjectNode) result.get("chat")).put("id", Long.parseLong(req.chatId()));
      result.remove("text");
      result.remove("entities");
      result.remove("link_preview_options");
      if (req.field("caption") != null) {
        result.put("caption", req.field("caption"));
      }
      result.set("photo", JSON.readTree(PHOTO_SIZES));
    } else {
      ((ObjectNode) result.get("chat")).set("id", req.json().get("chat_id"));
    }
    return JSON.writeValueAsString(message);
  }

  @Override
  public void close() {
    server.close();
  }

  static final String SEND_MESSAGE_OK = """
      {"ok":true,"result":{"message_id":4211,"from":{"id":7000000001,"is_bot":true,"first_name":"Spend Guard",\
      "username":"spend_guard_bot"},"chat":{"id":-1001234567890,"title":"Spend alerts","type":"supergroup"},\
      "date":1787321100,"text":"OpenAI spend spike","entities":[{"offset":0,"length":18,"type":"bold"}],\
      "link_preview_options":{"is_disabled":true}}}""";

  /** The {@code PhotoSize} array of a sent photo. */
  static final String PHOTO_SIZES = """
      [{"file_id":"AgACAgIAAxkDAAIBQ2Zx-small","file_unique_id":"AQADs1","file_size":1620,"width":90,"height":45},      {"file_id":"AgACAgIAAxkDAAIBQ2Zx-medium","file_unique_id":"AQADs2","file_size":14822,"width":320,"height":160},      {"file_id":"AgACAgIAAxkDAAIBQ2Zx-large","file_unique_id":"AQADs3","file_size":41273,"width":800,"height":400}]""";

  List<Request> sendPhotos() {
    return requests.stream().filter(r -> r.path().endsWith("/sendPhoto")).toList();
  }

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
