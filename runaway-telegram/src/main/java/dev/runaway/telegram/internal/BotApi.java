package dev.runaway.telegram.internal;

import dev.runaway.internal.SanitizedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runaway.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * One Bot API call: {@code POST <base>/bot<token>/<method>} with a JSON body (or {@code GET} for
 * methods without parameters), parsed into an {@link ApiResponse}.
 *
 * <p>The token is used only to build the request URI, which never leaves this class: failures
 * are reported as {@link NetworkFailure}s whose cause chain has the token removed.
 *
 * <p>Immutable and thread-safe.
 */
public final class BotApi {

  /**
   * The largest response body read, 1 MiB: a Bot API answer is a few KB, and a broken proxy or a
   * hostile {@code base_url} must not fill the heap. A larger body is a failed call (code 502,
   * retried as a server error) and is not read further.
   */
  public static final int MAX_RESPONSE_BYTES = 1024 * 1024;

  /** Shared mapper; {@link ObjectMapper} is thread-safe once configured. */
  public static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String base;
  private final Secret token;
  private final Duration requestTimeout;

  /**
   * Creates a client.
   *
   * @param http the HTTP client
   * @param baseUri the Bot API root, such as {@code https://api.telegram.org}
   * @param token the bot token, already validated to be safe in a URI path
   * @param requestTimeout how long one request may take
   */
  public BotApi(HttpClient http, URI baseUri, Secret token, Duration requestTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    String b = baseUri.toString();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    this.base = b;
    this.token = Objects.requireNonNull(token, "token");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** A request that got no HTTP response: connection refused, reset, timed out. */
  public static final class NetworkFailure extends Exception {
    private static final long serialVersionUID = 1L;

    NetworkFailure(String message, SanitizedException cause) {
      super(message, cause);
    }
  }

  /**
   * Calls a method.
   *
   * @param method the method, such as {@code sendMessage}
   * @param params the JSON parameters, or {@code null} for a {@code GET} without parameters
   * @return the parsed response, whatever its status
   * @throws NetworkFailure if no response arrived; its messages never hold the token
   * @throws IllegalStateException if the HTTP client failed in another way (message and causes redacted)
   * @throws InterruptedException if interrupted while waiting
   */
  public ApiResponse call(String method, ObjectNode params) throws NetworkFailure, InterruptedException {
    if (params == null) {
      return send(method, null, null);
    }
    String json;
    try {
      json = JSON.writeValueAsString(params);
    } catch (IOException e) {
      throw new IllegalStateException("cannot build the request for " + method + ": "
          + SanitizedException.of(e, token));
    }
    return send(method, "application/json; charset=utf-8", HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
  }

  /**
   * Calls a method with a file upload, as {@code multipart/form-data}: each parameter a text part
   * (objects as JSON), the file a part of its own.
   *
   * @param method the method, such as {@code sendPhoto}
   * @param params the parameters
   * @param fileField the file's field name, such as {@code photo}
   * @param fileName the file name sent
   * @param contentType the file's media type
   * @param data the file's bytes
   * @return the parsed response, whatever its status
   * @throws NetworkFailure if no response arrived; its messages never hold the token
   * @throws InterruptedException if interrupted while waiting
   */
  public ApiResponse callMultipart(String method, ObjectNode params, String fileField, String fileName,
      String contentType, byte[] data) throws NetworkFailure, InterruptedException {
    String boundary = "runaway-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong())
        + Long.toHexString(System.identityHashCode(data));
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(data.length + 1024);
    java.util.Iterator<java.util.Map.Entry<String, JsonNode>> fields = params.properties().iterator();
    while (fields.hasNext()) {
      java.util.Map.Entry<String, JsonNode> f = fields.next();
      String value = f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString();
      write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n"
          + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + value + "\r\n");
    }
    write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
        + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
    body.writeBytes(data);
    write(body, "\r\n--" + boundary + "--\r\n");
    return send(method, "multipart/form-data; boundary=" + boundary,
        HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
  }

  private static void write(java.io.ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one request: a {@code GET} when {@code publisher} is {@code null}, else a {@code POST}. */
  private ApiResponse send(String method, String contentType, HttpRequest.BodyPublisher publisher)
      throws NetworkFailure, InterruptedException {
    HttpRequest request;
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/bot" + token.reveal() + "/" + method))
          .timeout(requestTimeout)
          .header("Accept", "application/json");
      if (publisher == null) {
        b.GET();
      } else {
        b.header("Content-Type", contentType).POST(publisher);
      }
      request = b.build();
    } catch (RuntimeException e) {
      // URI.create quotes its input, token included, in its message.
      throw new IllegalStateException("cannot build the request for " + method + ": "
          + SanitizedException.of(e, token));
    }
    HttpResponse<java.io.InputStream> response;
    String body;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream in = response.body()) {
        // Read at most one byte past the cap; closing the stream early cancels the rest of the body.
        byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        if (bytes.length > MAX_RESPONSE_BYTES) {
          return new ApiResponse(response.statusCode(), false, null, 502,
              "a response body larger than " + MAX_RESPONSE_BYTES + " bytes (not Bot API JSON); not read further",
              -1, null);
        }
        body = new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (IOException | UncheckedIOException e) {
      SanitizedException cause = SanitizedException.of(e, token);
      throw new NetworkFailure(cause.toString(), cause);
    } catch (RuntimeException e) {
      // A misbehaving or misconfigured client may quote the request, token included, in any exception.
      SanitizedException cause = SanitizedException.of(e, token);
      throw new IllegalStateException("Telegram " + method + ": the HTTP client failed: " + cause.toString(), cause);
    }
    return ApiResponse.parse(response.statusCode(), body, token);
  }

  /**
   * A Bot API response: {@code {"ok":true,"result":...}} or
   * {@code {"ok":false,"error_code":...,"description":...,"parameters":{...}}}.
   *
   * @param httpStatus the HTTP status
   * @param ok whether the call succeeded
   * @param result the result, or {@code null} on failure
   * @param errorCode the error code (the HTTP status when the body has none), 0 on success
   * @param description the error description with the token removed, empty on success
   * @param retryAfterSeconds {@code parameters.retry_after}, or -1
   * @param migrateToChatId {@code parameters.migrate_to_chat_id}, or {@code null}
   */
  public record ApiResponse(int httpStatus, boolean ok, JsonNode result, int errorCode, String description,
      long retryAfterSeconds, String migrateToChatId) {

    static ApiResponse parse(int status, String body, Secret token) {
      JsonNode root = null;
      try {
        root = body == null || body.isBlank() ? null : JSON.readTree(body);
      } catch (IOException | RuntimeException e) {
        root = null;
      }
      if (root == null || !root.isObject() || !root.path("ok").isBoolean()) {
        String what = status == 200 ? "an unexpected response (not Bot API JSON)"
            : "HTTP " + status + " without a Bot API body";
        return new ApiResponse(status, false, null, status == 200 ? 502 : status, what, -1, null);
      }
      if (root.path("ok").asBoolean() && status / 100 == 2) {
        return new ApiResponse(status, true, root.path("result"), 0, "", -1, null);
      }
      int code = root.path("error_code").isInt() ? root.path("error_code").asInt() : status;
      String description = token.redact(root.path("description").asText("")).strip();
      JsonNode p = root.path("parameters");
      long retryAfter = p.path("retry_after").canConvertToLong() ? p.path("retry_after").asLong() : -1;
      String migrateTo = chatId(p.path("migrate_to_chat_id"));
      return new ApiResponse(status, false, null, code, description, retryAfter, migrateTo);
    }

    /**
     * A chat id Telegram may send: a non-zero integer of at most 52 significant bits (Bot API,
     * "Chat.id"). Anything else (beyond a long, fractional, text) is ignored: adopting it made
     * every later send fail until a restart.
     */
    static String chatId(JsonNode n) {
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        return null;
      }
      long id = n.asLong();
      return id != 0 && Math.abs(id) < (1L << 53) ? Long.toString(id) : null;
    }
  }
}
