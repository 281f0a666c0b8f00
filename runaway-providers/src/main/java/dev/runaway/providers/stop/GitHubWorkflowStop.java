package dev.runaway.providers.stop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.config.Secret;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Disables a looping GitHub Actions workflow and cancels its queued and in-progress runs; undo
 * re-enables it. Disabling comes first: a run cancelled while the workflow is still enabled can
 * trigger the next one ({@code workflow_run}, a push), so the loop would outlive the cancels.
 *
 * <p>Thread-safe; calls never overlap (the monitor's contract).
 */
final class GitHubWorkflowStop implements EmergencyAction {

  /** The run states a stop cancels (GitHub's {@code status} filter values of unfinished runs). */
  static final List<String> UNFINISHED = List.of("queued", "in_progress", "waiting", "requested", "pending");

  private final ApiClient client;
  private final String owner;
  private final String repo;
  private final String workflow;

  /**
   * Creates the action.
   *
   * @param s the action's settings: {@code repository} ({@code owner/repo}; default the service's
   *     only entry of {@code repositories}) and {@code workflow} (its file name such as
   *     {@code ci.yml}, or its numeric id)
   * @param token the token
   */
  public GitHubWorkflowStop(Settings s, Secret token) {
    String repository = s.string("repository");
    if (repository == null) {
      List<String> repos = s.service().stringList("repositories");
      if (repos.size() != 1) {
        throw s.error("repository", "is required (the service watches " + repos.size() + " repositories): the"
            + " repository of the looping workflow, such as \"acme/app\"");
      }
      repository = repos.get(0);
    }
    int slash = repository.indexOf('/');
    if (slash <= 0 || slash == repository.length() - 1 || repository.indexOf('/', slash + 1) >= 0) {
      throw s.error("repository", "must be \"owner/repo\", such as \"acme/app\"");
    }
    this.owner = repository.substring(0, slash);
    this.repo = repository.substring(slash + 1);
    this.workflow = s.require("workflow", "the looping workflow's file name, such as \"ci.yml\", or its id");
    String version = s.service().string("api_version").orElse("2022-11-28");
    this.client = ApiClient.builder().settings(s.service(), "https://api.github.com").product("GitHub")
        .bearer(token).header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", version)
        .credentialHint("disabling a workflow and cancelling runs need Actions: write on " + repository
            + " (fine-grained token) or the repo scope (classic token)")
        .build();
  }

  private String repoPath() {
    return "/repos/" + Settings.segment(owner) + "/" + Settings.segment(repo);
  }

  private String workflowPath() {
    return repoPath() + "/actions/workflows/" + Settings.segment(workflow);
  }

  @Override
  public String plan() {
    return "disable GitHub Actions workflow " + workflow + " in " + owner + "/" + repo
        + " and cancel its queued and in-progress runs";
  }

  @Override
  public String manualUndo() {
    return "gh workflow enable " + workflow + " -R " + owner + "/" + repo
        + " (or Actions > the workflow > Enable workflow); cancelled runs are not re-run";
  }

  @Override
  public String manualStep() {
    return "gh workflow disable " + workflow + " -R " + owner + "/" + repo + " and cancel its runs (gh run cancel);"
        + " or give the token Actions: write on " + owner + "/" + repo;
  }

  @Override
  public Map<String, String> execute(Duration timeout) throws PollException, InterruptedException {
    client.send(ApiRequest.of("PUT", workflowPath() + "/disable", null));
    int cancelled = 0;
    for (String status : UNFINISHED) {
      JsonNode page = client.getJson(ApiRequest.get(workflowPath() + "/runs").withQuery("status", status)
          .withQuery("per_page", 100));
      for (JsonNode run : page.path("workflow_runs")) {
        long id = run.path("id").asLong(-1);
        if (id <= 0) {
          continue;
        }
        // 409: the run finished in the meantime, which is what a cancel wants.
        client.send(ApiRequest.of("POST", repoPath() + "/actions/runs/" + id + "/cancel", null)
            .accepting(Set.of(409)));
        cancelled++;
      }
    }
    return Map.of("runs_cancelled", Integer.toString(cancelled));
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws PollException, InterruptedException {
    client.send(ApiRequest.of("PUT", workflowPath() + "/enable", null));
  }
}
