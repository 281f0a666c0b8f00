package dev.runaway.examples.custom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts each alert as JSON to a chat webhook: {@code {"text": "...", "alert": {...}}}, where
 * {@code text} is what chat tools show and {@code alert} holds the type, severity, service, key,
 * title, detail, time and facts for machines.
 *
 * <p>Thread-safe. {@link #send(Alert)} returns once the webhook answered 2xx and throws
 * otherwise, so the dispatcher retries; no message names the URL, which holds a credential.
 */
final class WebhookNotifier implements Notifier {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final String urlEnv;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  WebhookNotifier(URI url, String urlEnv) {
    this.url = url;
    this.urlEnv = urlEnv;
  }

  @Override
  public void send(Alert alert) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("text", text(alert));
    ObjectNode a = body.putObject("alert");
    a.put("type", alert.type().name());
    a.put("severity", alert.severity().name());
    a.put("service", alert.service());
    a.put("key", alert.key());
    a.put("title", alert.title());
    a.put("detail", alert.detail());
    a.put("time", alert.time().toString());
    ObjectNode facts = a.putObject("facts");
    alert.facts().forEach(facts::put);
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
        .build();
    HttpResponse<Void> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new IOException("the webhook in " + urlEnv + " cannot be reached: " + e.getClass().getSimpleName());
    }
    if (response.statusCode() / 100 != 2) {
      throw new IOException("the webhook in " + urlEnv + " answered HTTP " + response.statusCode());
    }
  }

  static String text(Alert alert) {
    StringBuilder sb = new StringBuilder();
    sb.append('[').append(alert.severity()).append("] ").append(alert.title());
    if (!alert.detail().isEmpty()) {
      sb.append('\n').append(alert.detail());
    }
    if (!alert.facts().isEmpty()) {
      sb.append('\n');
      alert.facts().forEach((k, v) -> sb.append(k).append('=').append(v).append("  "));
    }
    return sb.toString().stripTrailing();
  }

  @Override
  public String toString() {
    return "WebhookNotifier[" + urlEnv + "]";
  }
}
