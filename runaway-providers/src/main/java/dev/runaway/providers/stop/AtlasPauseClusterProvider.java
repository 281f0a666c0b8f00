package dev.runaway.providers.stop;

import dev.runaway.Ticker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import dev.runaway.providers.mongodb.internal.AtlasSession;
import java.util.List;
import java.util.Map;

/**
 * {@code "type": "mongodb_atlas_pause_cluster"}: pauses the named MongoDB Atlas clusters
 * ({@code PATCH /api/atlas/v2/groups/{groupId}/clusters/{clusterName}} with {@code {"paused": true}},
 * {@code Accept: application/vnd.atlas.2024-08-05+json}); undo sends {@code {"paused": false}} to
 * the clusters this action paused, never to one that was already paused before it.
 *
 * <p>Settings: {@code group_id} (required: the project's id, 24 hex digits), {@code clusters}
 * (required: a non-empty list of cluster names). Credentials are the Atlas detector's: a service
 * account ({@code MONGODB_ATLAS_CLIENT_ID}, {@code MONGODB_ATLAS_CLIENT_SECRET}, preferred) or a
 * programmatic API key ({@code MONGODB_ATLAS_PUBLIC_KEY}, {@code MONGODB_ATLAS_PRIVATE_KEY}),
 * renamed with the service's {@code *_env} settings and chosen with its {@code auth}.
 * <b>Permission:</b> the Project Cluster Manager role on the project (the detector's Organization
 * Billing Viewer role is not enough). Serverless and free (M0) clusters cannot be paused.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class AtlasPauseClusterProvider implements EmergencyActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public AtlasPauseClusterProvider() {}

  @Override
  public String type() {
    return "mongodb_atlas_pause_cluster";
  }

  /**
   * Returns the variables of the configured {@code auth}; none when {@code auth} is not set, since
   * then either kind of credential will do (a missing one fails {@link #create}, naming both).
   */
  @Override
  public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
    return AtlasSession.secretNames(service);
  }

  @Override
  public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
      SecretSource secrets) {
    Settings s = new Settings(service, action, path, List.of("group_id", "clusters"));
    String group = s.require("group_id", "the Atlas project's id (24 hex digits, Project Settings)");
    if (!group.matches("[0-9a-fA-F]{24}")) {
      throw s.error("group_id", "must be 24 hexadecimal digits, got '" + group + "'");
    }
    List<String> clusters = s.strings("clusters");
    if (clusters.isEmpty() || clusters.stream().anyMatch(String::isBlank)) {
      throw s.error("clusters", "must name at least one cluster, e.g. [\"Cluster0\"]");
    }
    String mode = service.string("auth").orElse(null);
    if (mode != null && !mode.equals("service_account") && !mode.equals("api_key")) {
      throw service.error("auth", "must be service_account or api_key, got '" + mode + "'");
    }
    AtlasSession session = AtlasSession.open(service, secrets, mode, "the Project Cluster Manager role on project "
        + group + " (pausing a cluster); the organization's IP access list applies to API calls", Ticker.system(),
        null);
    return new AtlasClusterPauseStop(session, group, clusters);
  }
}
