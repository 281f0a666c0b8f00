package dev.runaway.providers.stop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lowers an OpenAI project's rate limits to a floor ({@code POST
 * /organization/projects/{id}/rate_limits/{rate_limit_id}}), remembering the previous values, and
 * restores them on undo. Only limits above the floor are changed.
 *
 * <p>The previous values are captured once per stop and kept across retries: a retry after a
 * partial success must not take the floor it set itself for the value to restore.
 *
 * <p>Thread-safe; calls never overlap (the monitor's contract).
 */
final class OpenAiRateLimitStop implements EmergencyAction {

  private final ApiClient client;
  private final String project;
  private final Map<String, Long> floor;
  private final List<String> models;
  // Guarded by this: "rate_limit_id.field" -> previous value, for the stop under way.
  private final Map<String, String> captured = new TreeMap<>();

  /**
   * Creates the action.
   *
   * @param client the client (base URL ending in {@code /v1}), with the admin key
   * @param project the project id
   * @param floor the field names of the limits to lower and their floor values
   * @param models the models whose limits are lowered, empty for all
   */
  public OpenAiRateLimitStop(ApiClient client, String project, Map<String, Long> floor, List<String> models) {
    this.client = client;
    this.project = project;
    this.floor = Map.copyOf(floor);
    this.models = List.copyOf(models);
  }

  private String base() {
    return "/organization/projects/" + Settings.segment(project) + "/rate_limits";
  }

  @Override
  public String plan() {
    return "lower the rate limits of OpenAI project " + project + (models.isEmpty() ? "" : " for " + models)
        + " to " + new TreeMap<>(floor);
  }

  @Override
  public String manualUndo() {
    return "restore the previous limits of project " + project
        + " in the OpenAI dashboard (Settings > Project > Limits); they are listed in the stop's record";
  }

  @Override
  public String manualStep() {
    return "lower the rate limits of project " + project + " in the OpenAI dashboard (Settings > Project > Limits),"
        + " or revoke the leaking key; the admin key (OPENAI_ADMIN_KEY) must be an organization owner's";
  }

  @Override
  public synchronized Map<String, String> execute(Duration timeout) throws PollException, InterruptedException {
    String after = null;
    for (int page = 0; page < 100; page++) {
      ApiRequest req = ApiRequest.get(base()).withQuery("limit", 100);
      if (after != null) {
        req = req.withQuery("after", after);
      }
      JsonNode body = client.getJson(req);
      for (JsonNode rl : body.path("data")) {
        String id = rl.path("id").asText("");
        if (id.isEmpty() || (!models.isEmpty() && !models.contains(rl.path("model").asText()))) {
          continue;
        }
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Long> f : new TreeMap<>(floor).entrySet()) {
          JsonNode current = rl.get(f.getKey());
          if (current == null || !current.canConvertToLong() || current.asLong() <= f.getValue()) {
            continue;
          }
          captured.putIfAbsent(id + "." + f.getKey(), Long.toString(current.asLong()));
          json.append(json.length() > 1 ? "," : "").append('"').append(f.getKey()).append("\":").append(f.getValue());
        }
        if (json.length() > 1) {
          client.send(ApiRequest.post(base() + "/" + Settings.segment(id), json.append('}').toString()));
        }
      }
      if (!body.path("has_more").asBoolean(false)) {
        break;
      }
      after = body.path("last_id").asText(null);
      if (after == null) {
        break;
      }
    }
    Map<String, String> record = new LinkedHashMap<>(captured);
    captured.clear();
    return record;
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws PollException, InterruptedException {
    Map<String, Map<String, String>> byLimit = new TreeMap<>();
    record.forEach((k, v) -> {
      int dot = k.lastIndexOf('.');
      if (dot > 0) {
        byLimit.computeIfAbsent(k.substring(0, dot), x -> new TreeMap<>()).put(k.substring(dot + 1), v);
      }
    });
    for (Map.Entry<String, Map<String, String>> e : byLimit.entrySet()) {
      StringBuilder json = new StringBuilder("{");
      e.getValue().forEach((field, value) -> {
        if (value.matches("\\d{1,18}") && field.matches("[a-z0-9_]+")) {
          json.append(json.length() > 1 ? "," : "").append('"').append(field).append("\":").append(value);
        }
      });
      if (json.length() > 1) {
        client.send(ApiRequest.post(base() + "/" + Settings.segment(e.getKey()), json.append('}').toString()));
      }
    }
  }
}
