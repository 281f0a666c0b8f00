package dev.runaway.providers.stop;

import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.providers.http.ApiClient;
import java.util.List;

/**
 * {@code "type": "supabase_pause_project"}: pauses a Supabase project through the Management API
 * ({@code POST /v1/projects/{ref}/pause}); undo: {@code POST /v1/projects/{ref}/restore}. Supabase
 * allows pausing on some plans only (the Free plan); elsewhere the API refuses and the alert names
 * the manual step.
 *
 * <p>Settings: {@code project_ref} (default the service's {@code project_ref}), {@code token_env}
 * (default the service's, else {@code SUPABASE_ACCESS_TOKEN}). <b>Permission:</b> a personal access
 * token of an Owner or Administrator of the project's organization.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class SupabasePauseProjectProvider extends TokenActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public SupabasePauseProjectProvider() {
    super("supabase_pause_project", List.of("project_ref", "token_env"), service -> service.string("token_env").orElse("SUPABASE_ACCESS_TOKEN"));
  }

  @Override
  EmergencyAction create(Settings s, Secret token) {
    ServiceSettings service = s.service();
    String ref = s.string("project_ref") != null ? s.string("project_ref")
        : service.string("project_ref").orElseThrow(() -> s.error("project_ref",
            "is required (the service has none): the project's reference id, such as \"abcdefghijklmnopqrst\""));
    String base = "/v1/projects/" + Settings.segment(ref);
    ApiClient client = ApiClient.builder().settings(service, "https://api.supabase.com").product("the Supabase"
        + " Management API").bearer(token)
        .credentialHint("pausing needs an access token of an organization Owner or Administrator").build();
    return new ProjectPauseStop(client, base + "/pause", base + "/restore",
        "pause Supabase project " + ref + " (database, auth, storage and functions stop)",
        "restore project " + ref + " from the Supabase dashboard (Restore project) or POST /v1/projects/" + ref
            + "/restore",
        "pause project " + ref + " in the Supabase dashboard (Project Settings > General > Pause project); if the"
            + " plan does not allow pausing, rotate the project's API keys");
  }
}
