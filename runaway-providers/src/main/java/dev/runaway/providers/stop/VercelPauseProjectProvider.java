package dev.runaway.providers.stop;

import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.providers.http.ApiClient;
import java.util.List;

/**
 * {@code "type": "vercel_pause_project"}: pauses a Vercel project
 * ({@code POST /v1/projects/{project}/pause}, with {@code ?teamId=} for a team project), so its
 * deployments stop serving; undo: {@code POST /v1/projects/{project}/unpause}.
 *
 * <p>Settings: {@code project} (required: the project's id or name), {@code team_id} (default the
 * service's {@code team_id}), {@code token_env} (default the service's, else {@code VERCEL_TOKEN}).
 * <b>Permission:</b> a token of a team member allowed to change the project's settings (Owner or
 * Member role, or Project Administrator on the project).
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class VercelPauseProjectProvider extends TokenActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public VercelPauseProjectProvider() {
    super("vercel_pause_project", List.of("project", "team_id", "token_env"), service -> service.string("token_env").orElse("VERCEL_TOKEN"));
  }

  @Override
  EmergencyAction create(Settings s, Secret token) {
    ServiceSettings service = s.service();
    String project = s.require("project", "the Vercel project's id (prj_...) or name");
    String team = s.string("team_id") != null ? s.string("team_id") : service.string("team_id").orElse(null);
    // A service that names its team by slug reads the team's billing; the pause must be scoped to
    // that team too, or Vercel looks the project up in the token's personal account.
    String slug = team == null ? service.string("team_slug").orElse(null) : null;
    String query = team != null ? "?teamId=" + Settings.segment(team) : slug != null ? "?slug=" + Settings.segment(slug) : "";
    String base = "/v1/projects/" + Settings.segment(project);
    ApiClient client = ApiClient.builder().settings(service, "https://api.vercel.com").product("the Vercel API")
        .bearer(token)
        .credentialHint("pausing a project needs a token of a team Owner or Member, or a Project Administrator")
        .build();
    return new ProjectPauseStop(client, base + "/pause" + query, base + "/unpause" + query,
        "pause Vercel project " + project + " (its deployments stop serving)",
        "vercel project unpause: POST /v1/projects/" + project + "/unpause, or Project Settings > General > Resume"
            + " project",
        "pause Vercel project " + project + " by hand (POST /v1/projects/" + project + "/pause with a token of a"
            + " team Owner or Member), or remove its production domain");
  }
}
