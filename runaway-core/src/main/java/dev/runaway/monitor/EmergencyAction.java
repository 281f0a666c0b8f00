package dev.runaway.monitor;

import java.time.Duration;
import java.util.Map;

/**
 * One reversible emergency stop of a monitored service, such as disabling a looping GitHub
 * workflow or pausing a Vercel project, taken when the monitor's breaker for the service opens
 * (configured under {@code services.<name>.on_runaway.actions}).
 *
 * <p>Lifecycle: created once per configured action by its {@link EmergencyActionProvider} when the
 * monitor is built. {@link #plan()} is called for every alert and dry run; {@link #execute} at most
 * once per episode (a retry after a failure calls it again, so it must be idempotent: stopping what
 * is already stopped succeeds); {@link #undo} once, when the service is resumed, possibly by a
 * restarted monitor that only has the record {@code execute} returned. Calls for one action never
 * overlap; they run off the polling threads.
 *
 * <p>Implementations never put a credential in a message, a record or an exception.
 */
public interface EmergencyAction {

  /**
   * Says what {@link #execute} would do, in one sentence naming the resources, such as
   * {@code "cancel the queued and in-progress runs of workflow ci.yml in acme/app and disable it"}.
   * Used in dry-run alerts and in the alert that reports the stop.
   *
   * @return the plan; no secret
   */
  String plan();

  /**
   * Says how to undo the stop by hand (a command or a console page), for the alert that reports
   * it and for when {@link #undo} fails.
   *
   * @return the manual undo; no secret
   */
  String manualUndo();

  /**
   * Says what a person must do when the stop failed, naming the permission the credential lacks
   * when that is the likely cause.
   *
   * @return the manual step; no secret
   */
  String manualStep();

  /**
   * Takes the stop.
   *
   * @param timeout how long the action may take in all (each request's timeout)
   * @return what {@link #undo} needs to restore the previous state (such as previous rate
   *     limits), kept in {@code state_dir}; empty when nothing; no secret
   * @throws PollException when the service refused ({@link PollException.Kind#UNAUTHORIZED} is
   *     not retried) or failed ({@link PollException.Kind#UNAVAILABLE} is retried with backoff)
   * @throws Exception when the stop failed otherwise (retried with backoff)
   */
  Map<String, String> execute(Duration timeout) throws Exception;

  /**
   * Reverts the stop, restoring the state recorded by {@link #execute}.
   *
   * @param record what {@link #execute} returned
   * @param timeout how long the undo may take in all
   * @throws Exception when the undo failed; the service stays recorded as stopped
   */
  void undo(Map<String, String> record, Duration timeout) throws Exception;
}
