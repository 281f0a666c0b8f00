package dev.runaway.providers.stop;

import dev.runaway.config.Secret;
import dev.runaway.monitor.EmergencyAction;
import java.util.List;

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
public final class GitHubWorkflowStopProvider extends TokenActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public GitHubWorkflowStopProvider() {
    super("github_disable_workflow", List.of("workflow", "repository", "token_env"), service -> "GITHUB_TOKEN");
  }

  @Override
  EmergencyAction create(Settings s, Secret token) {
    return new GitHubWorkflowStop(s, token);
  }
}
