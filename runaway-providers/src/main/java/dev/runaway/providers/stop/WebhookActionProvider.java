package dev.runaway.providers.stop;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import dev.runaway.providers.http.ApiClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code "type": "webhook"}: sends an HTTP request to stop, and optionally another to undo, for
 * what the monitor cannot know (scale a deployment to zero, revoke a key in a vault).
 *
 * <p>Settings: {@code url} (required, http or https; plain http only to a loopback host unless the
 * service allows insecure http), {@code method} (default {@code POST}), {@code body} (a template:
 * {@code {{service}}} and {@code {{event}}}, which is {@code stop} or {@code undo}, are replaced;
 * default {@code {"service":"{{service}}","event":"{{event}}"}}; only the bodies are templates, a
 * placeholder in a URL is a config error), {@code bearer_env} (a variable
 * whose value is sent as a bearer token), {@code undo_url}, {@code undo_method}, {@code undo_body}.
 * Any 2xx is success; 401/403 is a permission failure (not retried), 5xx is retried.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class WebhookActionProvider implements EmergencyActionProvider {

  static final String DEFAULT_BODY = "{\"service\":\"{{service}}\",\"event\":\"{{event}}\"}";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public WebhookActionProvider() {}

  @Override
  public String type() {
    return "webhook";
  }

  @Override
  public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
    Object v = action.get("bearer_env");
    return v instanceof String ? List.of((String) v) : List.of();
  }

  @Override
  public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
      SecretSource secrets) {
    Settings s = new Settings(service, action, path, List.of("url", "method", "body", "bearer_env", "undo_url",
        "undo_method", "undo_body"));
    String bearer = s.string("bearer_env");
    WebhookStop.Call stop = call(s, service, secrets, bearer, "url", "method", "body");
    WebhookStop.Call undo = s.string("undo_url") == null ? null
        : call(s, service, secrets, bearer, "undo_url", "undo_method", "undo_body");
    return new WebhookStop(service.name(), stop, undo);
  }

  private static WebhookStop.Call call(Settings s, ServiceSettings service, SecretSource secrets, String bearer,
      String urlKey, String methodKey, String bodyKey) {
    String raw = s.require(urlKey, "the webhook's URL, such as \"https://ops.example.com/hooks/stop\"");
    if (raw.contains("{{")) {
      // Only the body is a template: a placeholder in the URL used to fail as "not a valid URL".
      throw s.error(urlKey, "is not a template: {{service}} and {{event}} are replaced in " + bodyKey
          + " only; write the URL out, such as \"https://ops.example.com/hooks/stop\", and put the service and"
          + " the event in " + bodyKey);
    }
    URI url;
    try {
      url = new URI(raw);
    } catch (URISyntaxException e) {
      throw s.error(urlKey, "must be an absolute http or https URL (not a valid URL at index " + e.getIndex() + ")");
    }
    if (url.getScheme() == null || url.getHost() == null
        || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
      throw s.error(urlKey, "must be an absolute http or https URL such as https://ops.example.com/hooks/stop");
    }
    String method = s.string(methodKey) == null ? "POST" : s.string(methodKey).toUpperCase(Locale.ROOT);
    if (!List.of("POST", "PUT", "PATCH", "DELETE", "GET").contains(method)) {
      throw s.error(methodKey, "must be one of POST, PUT, PATCH, DELETE, GET");
    }
    String body = s.string(bodyKey) == null ? (method.equals("GET") || method.equals("DELETE") ? null : DEFAULT_BODY)
        : s.string(bodyKey);
    ApiClient.Builder b = ApiClient.builder().service(service.name()).product("the webhook").baseUrl(url)
        .timeoutsFrom(service);
    if (bearer != null) {
      b.bearer(secrets.require(bearer));
    }
    return new WebhookStop.Call(b.build(), url, method, body);
  }
}
