package dev.runaway.monitor;

import java.time.Instant;
import java.util.Objects;

/**
 * How the polling of one service stands: when it was last polled, whether that worked, what went
 * wrong, and when the monitor will poll it next at the earliest. Obtained from
 * {@link RunawayMonitor#status()}; the standalone monitor prints it as its status table.
 *
 * <p>Messages never contain a secret.
 *
 * @param service the service's name
 * @param type the detector type, such as {@code openai}, or {@code custom} for a detector added
 *     with {@link RunawayMonitor.Builder#detector(Detector)}
 * @param health how the service stands
 * @param lastPoll when the last finished poll started (the end of the span it asked for), or
 *     {@code null} before the first
 * @param lastSuccess when the last successful poll started, or {@code null}
 * @param lastError what went wrong in the current failure, rate limit or skip, or {@code null}
 *     when the last poll worked
 * @param nextPollAllowed the earliest time of the next poll (the self rate limit, or the wait a
 *     service asked for), or {@code null} when it may be polled now or is not polled at all
 * @param polling whether a poll is running now
 * @param polls polls finished, successful or not
 * @param failures polls that failed or timed out
 * @param skippedRounds rounds that skipped this service because its previous poll was still
 *     running
 */
public record MonitorStatus(String service, String type, Health health, Instant lastPoll, Instant lastSuccess,
    String lastError, Instant nextPollAllowed, boolean polling, long polls, long failures, long skippedRounds) {

  /** How a monitored service stands. */
  public enum Health {
    /** Not polled yet. */
    PENDING,
    /** The last poll worked. */
    OK,
    /** The service asked the monitor to wait (HTTP 429 with {@code Retry-After}); it will be polled after that. */
    RATE_LIMITED,
    /** Polls fail; one {@code SERVICE_STATUS} alert was raised and one follows when it works again. */
    FAILING,
    /** Not monitored: its credentials are missing ({@link MonitorStatus#lastError()} names them). */
    SKIPPED
  }

  /** Validates the required fields. */
  public MonitorStatus {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(health, "health");
  }
}
