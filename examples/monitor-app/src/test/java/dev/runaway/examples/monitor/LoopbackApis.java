package dev.runaway.examples.monitor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The services {@code check} and {@code start} talk to in tests, on 127.0.0.1: a usage API in
 * the shape a {@code rest} detector reads ({@code /usage}: 200, {@code /broken}: 500) and the
 * Telegram Bot API's {@code getMe} and {@code sendMessage}. Registered as a JUnit extension
 * ({@code @RegisterExtension final LoopbackApis apis = LoopbackApis.start();}) it gives each test a
 * fresh server and stops it after the test.
 */
final class LoopbackApis implements AutoCloseable, AfterEachCallback {

  static final String BOT_TOKEN = "7000000001:SENTINEL_tok3n-Leak_Check_AAHdqTcvCH1vGWJxfSeofSAs0K5";
  static final String CHAT = "-1001234567890";

  private final HttpServer server;
  final List<String> requests = new CopyOnWriteArrayList<>();

  LoopbackApis() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/usage", e -> respond(e, 200, "{\"data\":[{\"count\":1200}],\"error\":null}"));
    server.createContext("/broken", e -> respond(e, 500, "{\"error\":\"internal\"}"));
    server.createContext("/bot" + BOT_TOKEN + "/getMe", e -> respond(e, 200,
        "{\"ok\":true,\"result\":{\"id\":7000000001,\"is_bot\":true,\"first_name\":\"Runaway Guard\","
            + "\"username\":\"runaway_guard_bot\",\"can_join_groups\":true}}"));
    server.createContext("/bot" + BOT_TOKEN + "/sendMessage", e -> respond(e, 200,
        "{\"ok\":true,\"result\":{\"message_id\":42,\"sender_chat\":{\"id\":" + CHAT + ",\"title\":\"Ops alerts\","
            + "\"type\":\"channel\"},\"chat\":{\"id\":" + CHAT + ",\"title\":\"Ops alerts\",\"type\":\"channel\"},"
            + "\"date\":1795424400,\"text\":\"test\"}}"));
    server.start();
  }

  /** Starts the services; for a field initializer, so an I/O failure is unchecked. */
  static LoopbackApis start() {
    try {
      return new LoopbackApis();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void respond(HttpExchange exchange, int status, String body) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** A {@code rest} service reading {@code path} with a bearer token from {@code tokenEnv}. */
  String restService(String path, String tokenEnv) {
    return "{\"type\": \"rest\", \"request\": {\"url\": \"" + url() + path + "?start={{windowStart}}\","
        + " \"auth\": {\"type\": \"bearer\", \"token_env\": \"" + tokenEnv + "\"}},"
        + " \"response\": {\"records_pointer\": \"/data\", \"error_pointer\": \"/error\"},"
        + " \"metrics\": [{\"name\": \"requests\", \"value_pointer\": \"/count\", \"kind\": \"windowTotal\","
        + " \"cost_per_unit\": 0.0005}]}";
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
