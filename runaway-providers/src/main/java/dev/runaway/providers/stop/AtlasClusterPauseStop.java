package dev.runaway.providers.stop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.mongodb.internal.AtlasSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pauses MongoDB Atlas clusters ({@code PATCH /api/atlas/v2/groups/{groupId}/clusters/{name}} with
 * {@code {"paused": true}}) and resumes, on undo, only those this action paused: a cluster that was
 * already paused before the stop stays paused.
 *
 * <p>Each cluster's state before the stop is read once per stop ({@code GET} the cluster) and kept
 * across retries, so that a retry after a partial success does not mistake a cluster it paused
 * itself for one that was paused before.
 *
 * <p>Thread-safe; calls never overlap (the monitor's contract).
 */
final class AtlasClusterPauseStop implements EmergencyAction {

  /**
   * The resource version sent in {@code Accept} and {@code Content-Type}: the latest that the
   * Admin API v2 lists for {@code getCluster} and {@code updateCluster}.
   */
  public static final String MEDIA_TYPE = "application/vnd.atlas.2024-08-05+json";
  /** Record value: the cluster was running and this action paused it. */
  static final String PAUSED_BY_US = "paused_by_runaway_guard";
  /** Record value: the cluster was paused before the stop; undo leaves it paused. */
  static final String WAS_PAUSED = "already_paused";

  private final AtlasSession session;
  private final String groupId;
  private final List<String> clusters;
  // Guarded by this: cluster -> its state before the stop under way.
  private final Map<String, String> captured = new LinkedHashMap<>();

  /**
   * Creates the action.
   *
   * @param session the authenticated Atlas connection
   * @param groupId the project (group) id, 24 hex digits
   * @param clusters the names of the clusters to pause
   */
  AtlasClusterPauseStop(AtlasSession session, String groupId, List<String> clusters) {
    this.session = session;
    this.groupId = groupId;
    this.clusters = List.copyOf(clusters);
  }

  private String path(String cluster) {
    return "/api/atlas/v2/groups/" + Settings.segment(groupId) + "/clusters/" + Settings.segment(cluster);
  }

  @Override
  public String plan() {
    return "pause MongoDB Atlas cluster" + (clusters.size() == 1 ? " " : "s ") + String.join(", ", clusters)
        + " in project " + groupId + " (their data stays; clients cannot connect while paused)";
  }

  @Override
  public String manualUndo() {
    return "resume the cluster" + (clusters.size() == 1 ? " " : "s ") + String.join(", ", clusters)
        + " in the Atlas UI (Database > ... > Resume) or with " + cli("start")
        + "; clusters that were paused before the stop are listed as " + WAS_PAUSED + " in its record";
  }

  /** The Atlas CLI command for each cluster, so that it can be pasted as it is. */
  private String cli(String verb) {
    List<String> commands = new ArrayList<>();
    for (String c : clusters) {
      commands.add("`atlas clusters " + verb + " " + c + " --projectId " + groupId + "`");
    }
    return String.join(", ", commands);
  }

  @Override
  public String manualStep() {
    return "pause cluster" + (clusters.size() == 1 ? " " : "s ") + String.join(", ", clusters) + " of project "
        + groupId + " by hand (Atlas UI: ... > Pause Cluster, or " + cli("pause")
        + "); the API credential needs the Project Cluster Manager role on the project";
  }

  @Override
  public synchronized Map<String, String> execute(Duration timeout) throws PollException, InterruptedException {
    for (String cluster : clusters) {
      if (!captured.containsKey(cluster)) {
        ApiResponse r = session.send(ApiRequest.get(path(cluster)).withHeader("Accept", MEDIA_TYPE));
        JsonNode paused = r.json().get("paused");
        if (paused == null || !paused.isBoolean()) {
          throw r.unexpected("no boolean 'paused' in the cluster");
        }
        captured.put(cluster, paused.asBoolean() ? WAS_PAUSED : PAUSED_BY_US);
      }
      if (captured.get(cluster).equals(PAUSED_BY_US)) {
        session.send(patch(cluster, true));
      }
    }
    Map<String, String> record = new LinkedHashMap<>(captured);
    captured.clear();
    return record;
  }

  private ApiRequest patch(String cluster, boolean paused) {
    return ApiRequest.of("PATCH", path(cluster), "{\"paused\":" + paused + "}").withHeader("Accept", MEDIA_TYPE)
        .withHeader("Content-Type", MEDIA_TYPE);
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws PollException, InterruptedException {
    for (Map.Entry<String, String> e : record.entrySet()) {
      // Only what we paused, and only clusters this action is configured for: a stale or edited
      // record must not resume anything else.
      if (e.getValue().equals(PAUSED_BY_US) && clusters.contains(e.getKey())) {
        session.send(patch(e.getKey(), false));
      }
    }
  }
}
