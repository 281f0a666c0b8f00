package dev.runaway.providers.stop;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import java.util.List;
import java.util.Map;

/**
 * {@code "type": "github_disable_workflow"}: disables a looping GitHub Actions workflow
 * ({@code PUT /repos/{owner}/{repo}/actions/workflows/{workflow}/disable}) and cancels its queued
 * and in-progress runs ({@code GET .../workflows/{workflow}/runs?status=...}, then
 * {@code POST /repos/{owner}/{repo}/actions/runs/{id}/cancel}); undo:
 * {@code PUT .../workflows/{workflow}/enable} (cancelled runs are not re-run).
 *
 * <p>Settings: {@code workflow} (required: the file name such as {@code ci.yml}, or the numeric
 * id), {@code repository} ({@code owner/repo}; default the service's only entry of
 * {@code repositories}), {@code token_env} (default {@code GITHUB_TOKEN}). The service's
 * {@code base_url} and {@code api_version} apply. <b>Permission:</b> Actions: write on the
 * repository (fine-grained token), or the {@code repo} scope (classic token); the monitor's
 * read-only token is not enough.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class GitHubWorkflowStopProvider implements EmergencyActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public GitHubWorkflowStopProvider() {}

  @Override
  public String type() {
    return "github_disable_workflow";
  }

  @Override
  public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
    return List.of(tokenEnv(action));
  }

  private static String tokenEnv(Map<String, Object> action) {
    Object v = action.get("token_env");
    return v instanceof String ? (String) v : "GITHUB_TOKEN";
  }

  @Override
  public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
      SecretSource secrets) {
    Settings s = new Settings(service, action, path, List.of("workflow", "repository", "token_env"));
    return new GitHubWorkflowStop(s, secrets.require(tokenEnv(action)));
  }
}
