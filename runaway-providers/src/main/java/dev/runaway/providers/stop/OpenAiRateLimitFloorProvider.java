package dev.runaway.providers.stop;

import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.openai.OpenAiDetectorProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code "type": "openai_lower_rate_limits"}: lowers an OpenAI project's per-model rate limits to
 * a floor ({@code GET /v1/organization/projects/{id}/rate_limits}, then
 * {@code POST /v1/organization/projects/{id}/rate_limits/{rate_limit_id}} for each limit above
 * it), remembering the previous values in the stop's record; undo posts them back.
 *
 * <p>Settings: {@code project_id} (required, {@code proj_...}), {@code floor} (required: the
 * limit fields and their floor values, such as
 * {@code {"max_requests_per_1_minute": 1, "max_tokens_per_1_minute": 1000}}), {@code models}
 * (default all of the project's limits). The key is {@code OPENAI_ADMIN_KEY}, the detector's.
 * <b>Permission:</b> an admin key (organization owner); project keys cannot change limits.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class OpenAiRateLimitFloorProvider extends TokenActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public OpenAiRateLimitFloorProvider() {
    super("openai_lower_rate_limits", List.of("project_id", "floor", "models"), service -> OpenAiDetectorProvider.ADMIN_KEY_ENV);
  }

  @Override
  EmergencyAction create(Settings s, Secret token) {
    ServiceSettings service = s.service();
    String project = s.require("project_id", "the project's id, proj_...");
    Map<String, Long> floor = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : s.map("floor").entrySet()) {
      Object v = e.getValue();
      if (!e.getKey().matches("[a-z0-9_]+") || !(v instanceof Number) || ((Number) v).doubleValue() < 0
          || ((Number) v).doubleValue() != Math.rint(((Number) v).doubleValue())) {
        throw s.error("floor." + e.getKey(), "must be a whole number of zero or more, under a limit field's name"
            + " such as max_requests_per_1_minute");
      }
      floor.put(e.getKey(), ((Number) v).longValue());
    }
    if (floor.isEmpty()) {
      throw s.error("floor", "is required: the limits to lower and their floor, such as"
          + " {\"max_requests_per_1_minute\": 1, \"max_tokens_per_1_minute\": 1000}");
    }
    ApiClient client = ApiClient.builder().settings(service, "https://api.openai.com/v1").product("the OpenAI API")
        .bearer(token).credentialHint("changing rate limits needs an admin key of an organization owner").build();
    return new OpenAiRateLimitStop(client, project, floor, s.strings("models"));
  }
}
