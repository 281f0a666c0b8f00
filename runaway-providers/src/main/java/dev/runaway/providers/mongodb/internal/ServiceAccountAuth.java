package dev.runaway.providers.mongodb.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Ticker;
import dev.runaway.config.Secret;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.PollException.Kind;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * A service account's OAuth 2.0 client-credentials grant (mongodb-atlas.md §3.2): {@code POST
 * /api/oauth/token} with HTTP Basic client authentication, then {@code Authorization: Bearer}.
 * The token is kept and fetched again shortly before it expires, measured on the ticker (a tenth
 * of its lifetime before, at least a minute, at most half of it), or when Atlas refuses it.
 *
 * <p>Thread-safe; the token is only read and replaced under this object's lock.
 */
public final class ServiceAccountAuth implements AtlasAuth {

  static final String TOKEN_PATH = "/api/oauth/token";
  private static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
  private static final Duration MIN_MARGIN = Duration.ofMinutes(1);

  private final ApiClient client;
  private final Ticker ticker;
  private final String basic;
  private final String names;
  private String token;
  private Secret tokenSecret;
  private long refreshAt;

  /**
   * Creates the authenticator.
   *
   * @param client the client, with both secrets and the Basic value registered for redaction
   * @param ticker the monitor's ticker
   * @param clientId the service account's client id
   * @param clientSecret its secret
   */
  public ServiceAccountAuth(ApiClient client, Ticker ticker, Secret clientId, Secret clientSecret) {
    this.client = client;
    this.ticker = ticker;
    this.basic = basicValue(clientId, clientSecret);
    this.names = clientId.name() + " and " + clientSecret.name();
  }

  public static String basicValue(Secret clientId, Secret clientSecret) {
    return Base64.getEncoder().encodeToString((clientId.reveal() + ":" + clientSecret.reveal())
        .getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public ApiResponse send(ApiRequest request) throws PollException, InterruptedException {
    String t = token(false);
    ApiResponse r = client.send(request.withHeader("Authorization", "Bearer " + t).accepting(Set.of(401)));
    if (r.status() != 401) {
      return r;
    }
    // Revoked, or expired earlier than announced: one fresh token, then the usual 401 mapping.
    t = token(true);
    return client.send(request.withHeader("Authorization", "Bearer " + t));
  }

  private synchronized String token(boolean renew) throws PollException, InterruptedException {
    if (!renew && token != null && ticker.nanoTime() - refreshAt < 0) {
      return token;
    }
    token = null;
    ApiResponse r = client.send(ApiRequest.of("POST", TOKEN_PATH, "grant_type=client_credentials")
        .withHeader("Authorization", "Basic " + basic)
        .withHeader("Content-Type", "application/x-www-form-urlencoded")
        .withHeader("Accept", "application/json")
        .accepting(Set.of(400)));
    JsonNode body = r.json();
    if (r.status() == 400) {
      // RFC 6749 §5.2: invalid_client and friends come as 400 (or 401, which the client maps).
      String error = body.path("error").asText("");
      String detail = body.path("error_description").asText("");
      String said = "HTTP 400: " + error + (detail.isEmpty() ? "" : " (" + detail + ")");
      if (error.equals("invalid_client") || error.equals("unauthorized_client") || error.equals("invalid_grant")) {
        throw client.failure(Kind.UNAUTHORIZED, "MongoDB Atlas refused the service account at " + TOKEN_PATH + " ("
            + said + "); check the environment variables " + names, null);
      }
      throw client.failure(Kind.MISCONFIGURED, "MongoDB Atlas rejected the token request " + TOKEN_PATH + " ("
          + said + ")", null);
    }
    JsonNode access = body.path("access_token");
    if (!access.isTextual() || access.asText().isBlank()) {
      throw r.unexpected("no 'access_token' in the token answer");
    }
    String type = body.path("token_type").asText("Bearer");
    if (!type.equalsIgnoreCase("Bearer")) {
      throw r.unexpected("a token of type '" + type + "' where Bearer was expected");
    }
    Duration lifetime = body.path("expires_in").isNumber() && body.path("expires_in").asLong() > 0
        ? Duration.ofSeconds(body.path("expires_in").asLong()) : DEFAULT_LIFETIME;
    Duration margin = lifetime.dividedBy(10);
    if (margin.compareTo(MIN_MARGIN) < 0) {
      margin = MIN_MARGIN;
    }
    if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
      margin = lifetime.dividedBy(2);
    }
    Secret fresh = Secret.of("the Atlas access token", access.asText());
    client.addSecret(fresh);
    if (tokenSecret != null) {
      client.removeSecret(tokenSecret);
    }
    tokenSecret = fresh;
    token = fresh.reveal();
    refreshAt = ticker.nanoTime() + lifetime.minus(margin).toNanos();
    return token;
  }

  @Override
  public String toString() {
    return "ServiceAccountAuth[" + names + "]";
  }
}
