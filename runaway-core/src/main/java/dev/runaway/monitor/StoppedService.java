package dev.runaway.monitor;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A service the monitor stopped with its emergency actions and that has not been resumed, as
 * recorded in {@code state_dir}.
 *
 * @param service the service
 * @param since when the stop was taken
 * @param reason why: the breaker trip's detail
 * @param actions what was stopped, one plan per action that succeeded
 * @param failed the actions that failed, each with the manual step
 * @param undo how to undo by hand, one per action that succeeded
 */
public record StoppedService(String service, Instant since, String reason, List<String> actions,
    List<String> failed, List<String> undo) {

  /** Copies the lists; all fields are required. */
  public StoppedService {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(reason, "reason");
    actions = List.copyOf(actions);
    failed = List.copyOf(failed);
    undo = List.copyOf(undo);
  }
}
