package dev.runaway.providers.stop;

import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Sends a templated HTTP request to stop (and optionally another to undo): for what the monitor
 * cannot know, such as scaling a deployment to zero or revoking a key in a vault. Placeholders
 * {@code {{service}}} and {@code {{event}}} ({@code stop} or {@code undo}) are replaced in the body,
 * JSON-escaped.
 *
 * <p>Thread-safe.
 */
final class WebhookStop implements EmergencyAction {

  /** One request. */
  public record Call(ApiClient client, URI url, String method, String body) {}

  private final String service;
  private final Call stop;
  private final Call undo;

  /**
   * Creates the action.
   *
   * @param service the service's name
   * @param stop the stop request
   * @param undo the undo request, or {@code null}
   */
  public WebhookStop(String service, Call stop, Call undo) {
    this.service = service;
    this.stop = stop;
    this.undo = undo;
  }

  private static String shown(URI u) {
    // Never the query or user info: either may carry a credential.
    return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "") + u.getRawPath();
  }

  @Override
  public String plan() {
    return "call the webhook " + stop.method() + " " + shown(stop.url());
  }

  @Override
  public String manualUndo() {
    return undo == null ? "undo what the webhook " + shown(stop.url()) + " did, by hand (no undo request is configured)"
        : undo.method() + " " + shown(undo.url()) + " (what resume calls)";
  }

  @Override
  public String manualStep() {
    return "do by hand what the webhook " + shown(stop.url()) + " does, and check its credential";
  }

  private void send(Call c, String event) throws PollException, InterruptedException {
    String body = c.body() == null ? null : c.body().replace("{{service}}", escape(service))
        .replace("{{event}}", event);
    c.client().send(ApiRequest.of(c.method(), "", body));
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public Map<String, String> execute(Duration timeout) throws PollException, InterruptedException {
    send(stop, "stop");
    return Map.of();
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws Exception {
    if (undo == null) {
      throw new PollException(PollException.Kind.MISCONFIGURED, "no undo request is configured for the webhook "
          + shown(stop.url()), null, null);
    }
    send(undo, "undo");
  }
}
