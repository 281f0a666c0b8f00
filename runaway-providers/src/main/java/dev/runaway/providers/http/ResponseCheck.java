package dev.runaway.providers.http;

import dev.runaway.monitor.PollException;

/**
 * A provider's own reading of a response, run by {@link ApiClient} before its generic status
 * mapping: for errors a service reports inside an HTTP 200 body, or a service-specific signal
 * such as Stripe's {@code 400} with {@code code: rate_limit}. It throws to fail the request and
 * returns normally to let the generic mapping decide.
 *
 * <p>Implementations must be thread-safe. The client redacts the messages of the exceptions they
 * throw, but they should build messages from {@link ApiResponse#errorMessage()}, which is
 * redacted already.
 */
@FunctionalInterface
public interface ResponseCheck {

  /** A check that accepts everything, leaving the decision to the generic mapping. */
  ResponseCheck NONE = response -> {};

  /**
   * Inspects a response.
   *
   * @param response the response, of any status
   * @throws PollException to fail the request
   */
  void check(ApiResponse response) throws PollException;
}
