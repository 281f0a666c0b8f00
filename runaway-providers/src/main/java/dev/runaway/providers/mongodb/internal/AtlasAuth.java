package dev.runaway.providers.mongodb.internal;

import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;

/**
 * How the Atlas detector authenticates a request: a service account's OAuth 2.0 token, or a
 * programmatic API key through HTTP Digest.
 *
 * <p>Implementations are thread-safe.
 */
public sealed interface AtlasAuth permits ServiceAccountAuth, ApiKeyDigestAuth {

  /**
   * Sends a request with credentials, answering the service's challenge or refreshing a refused
   * token once.
   *
   * @param request the request, without credentials
   * @return the successful response
   * @throws PollException as {@link dev.runaway.providers.http.ApiClient#send} does; a refused
   *     credential is {@code UNAUTHORIZED} naming its environment variables
   * @throws InterruptedException if interrupted
   */
  ApiResponse send(ApiRequest request) throws PollException, InterruptedException;
}
