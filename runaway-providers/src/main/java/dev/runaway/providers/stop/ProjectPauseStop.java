package dev.runaway.providers.stop;

import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import java.time.Duration;
import java.util.Map;

/**
 * Pauses a project with one {@code POST} and resumes it with another (Vercel's
 * {@code /v1/projects/{id}/pause} and {@code /unpause}, Supabase's {@code /v1/projects/{ref}/pause}
 * and {@code /restore}).
 *
 * <p>Thread-safe.
 */
final class ProjectPauseStop implements EmergencyAction {

  private final ApiClient client;
  private final String stopPath;
  private final String undoPath;
  private final String plan;
  private final String manualUndo;
  private final String manualStep;

  /**
   * Creates the action.
   *
   * @param client the client, with the credential
   * @param stopPath the pause request's path and query
   * @param undoPath the resume request's path and query
   * @param plan what it does
   * @param manualUndo how to undo it by hand
   * @param manualStep what to do by hand when it fails
   */
  public ProjectPauseStop(ApiClient client, String stopPath, String undoPath, String plan, String manualUndo,
      String manualStep) {
    this.client = client;
    this.stopPath = stopPath;
    this.undoPath = undoPath;
    this.plan = plan;
    this.manualUndo = manualUndo;
    this.manualStep = manualStep;
  }

  @Override
  public String plan() {
    return plan;
  }

  @Override
  public String manualUndo() {
    return manualUndo;
  }

  @Override
  public String manualStep() {
    return manualStep;
  }

  @Override
  public Map<String, String> execute(Duration timeout) throws PollException, InterruptedException {
    client.send(ApiRequest.post(stopPath, "{}"));
    return Map.of();
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws PollException, InterruptedException {
    client.send(ApiRequest.post(undoPath, "{}"));
  }
}
