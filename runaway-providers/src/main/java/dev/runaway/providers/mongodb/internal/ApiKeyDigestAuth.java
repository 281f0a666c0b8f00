package dev.runaway.providers.mongodb.internal;

import dev.runaway.config.Secret;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.internal.AuthChallenge;
import dev.runaway.providers.http.internal.DigestAuth;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * A programmatic API key through HTTP Digest (mongodb-atlas.md §3.2): the public key is the user
 * name, the private key the password. The first request draws Atlas's {@code 401} challenge; its
 * nonce then serves later requests with a rising nonce count until Atlas challenges again.
 *
 * <p>Thread-safe.
 */
public final class ApiKeyDigestAuth implements AtlasAuth {

  private final ApiClient client;
  private final DigestAuth digest;
  private final String names;

  /**
   * Creates the authenticator.
   *
   * @param client the client, with both keys registered for redaction
   * @param publicKey the public key
   * @param privateKey the private key
   * @param digest the digest state (a test may pass one with fixed cnonces)
   */
  public ApiKeyDigestAuth(ApiClient client, Secret publicKey, Secret privateKey, DigestAuth digest) {
    this.client = client;
    this.digest = digest;
    this.names = publicKey.name() + " and " + privateKey.name();
  }

  @Override
  public ApiResponse send(ApiRequest request) throws PollException, InterruptedException {
    Optional<String> header = authorization(request);
    ApiRequest first = header.map(h -> request.withHeader("Authorization", h)).orElse(request);
    ApiResponse r = client.send(first.accepting(Set.of(401)));
    if (r.status() != 401) {
      return r;
    }
    Optional<DigestAuth.Challenge> challenge;
    try {
      challenge = DigestAuth.Challenge.select(AuthChallenge.parse(r.headers().allValues("WWW-Authenticate")));
    } catch (IllegalArgumentException e) {
      challenge = Optional.empty();
    }
    if (challenge.isEmpty()) {
      String detail = r.errorMessage();
      throw client.failure(Kind.UNAUTHORIZED, "MongoDB Atlas refused the credential for " + r.request() + " (HTTP 401"
          + (detail.isEmpty() ? "" : ": " + detail) + ") without a usable Digest challenge; check the environment "
          + "variables " + names + " (a programmatic API key with the Organization Billing Viewer role)", null);
    }
    // A first challenge, a stale nonce, or refused credentials: answer the new challenge once; a
    // second 401 is mapped by the client, naming the variables.
    digest.challenged(challenge.get());
    return client.send(request.withHeader("Authorization", authorization(request).orElseThrow()));
  }

  private Optional<String> authorization(ApiRequest request) {
    URI uri = request.resolve(client.baseUrl());
    String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    byte[] body = request.body().map(b -> b.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
    return digest.authorization(request.method(), target, body);
  }

  @Override
  public String toString() {
    return "ApiKeyDigestAuth[" + names + "]";
  }
}
