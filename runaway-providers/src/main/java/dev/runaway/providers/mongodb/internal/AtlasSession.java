package dev.runaway.providers.mongodb.internal;

import dev.runaway.Ticker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.RateLimitPolicy;
import dev.runaway.providers.http.ResponseCheck;
import dev.runaway.providers.http.internal.DigestAuth;
import java.util.ArrayList;
import java.util.List;

/**
 * An authenticated connection to the Atlas Administration API, shared by the detector and the
 * cluster-pause action so both find and use the credentials the same way: a service account
 * (OAuth 2.0 client credentials, preferred) or a programmatic API key (HTTP Digest).
 *
 * <p>Thread-safe.
 */
public final class AtlasSession {

  private final ApiClient client;
  private final AtlasAuth auth;

  private AtlasSession(ApiClient client, AtlasAuth auth) {
    this.client = client;
    this.auth = auth;
  }

  /**
   * Finds the credentials and builds the client.
   *
   * @param settings the Atlas service's settings ({@code base_url}, {@code *_env})
   * @param secrets where the credentials are
   * @param mode {@code service_account}, {@code api_key}, or {@code null} to use whichever is set
   *     (the service account first)
   * @param credentialHint the role the calls need, for the error on 401/403
   * @param ticker the clock for token expiry and retries
   * @param check an extra response check (such as a 429 whose wait is in its body), or {@code null}
   * @return the session
   * @throws ConfigException naming the missing variables when no credential is found
   */
  public static AtlasSession open(ServiceSettings settings, SecretSource secrets, String mode,
      String credentialHint, Ticker ticker, ResponseCheck check) {
    Credentials credentials = Credentials.find(settings, secrets, mode);
    ApiClient.Builder b = ApiClient.builder().settings(settings, "https://cloud.mongodb.com").product("MongoDB Atlas")
        .credentialHint(credentialHint).rateLimits(RATE_LIMITS).ticker(ticker);
    if (check != null) {
      b.check(check);
    }
    ApiClient client = credentials.applyTo(b).build();
    return new AtlasSession(client, credentials.authenticator(client, ticker));
  }

  /** Atlas's rate-limit headers: a remaining count and no reset (mongodb-atlas.md). */
  public static final RateLimitPolicy RATE_LIMITS = RateLimitPolicy.builder().resetHeader(null)
      .remainingHeader("RateLimit-Remaining").build();

  /**
   * The credentials found for a session: a service account's id and secret, or an API key's public
   * and private key. Applied to a client builder (which then masks them), then made into the
   * authenticator of the built client.
   */
  public static final class Credentials {
    private final boolean serviceAccount;
    private final Secret first;
    private final Secret second;

    private Credentials(boolean serviceAccount, Secret first, Secret second) {
      this.serviceAccount = serviceAccount;
      this.first = first;
      this.second = second;
    }

    /**
     * Finds the credentials.
     *
     * @param settings the Atlas service's settings ({@code *_env})
     * @param secrets where the credentials are
     * @param mode {@code service_account}, {@code api_key}, or {@code null} to use whichever is set
     *     (the service account first)
     * @return the credentials
     * @throws ConfigException naming the missing variables when no credential is found
     */
    public static Credentials find(ServiceSettings settings, SecretSource secrets, String mode) {
      Env env = Env.of(settings);
      if (mode == null) {
        // Whichever pair is complete (the service account first); else the pair the user began, so
        // that the error names its missing half rather than a half of the other pair. The API key's
        // variables are not looked for beside a complete service account: a monitor would take
        // them for missing.
        boolean id = secrets.get(env.clientId).isPresent();
        boolean secret = secrets.get(env.clientSecret).isPresent();
        if (id && secret) {
          mode = "service_account";
        } else {
          boolean publicKey = secrets.get(env.publicKey).isPresent();
          boolean privateKey = secrets.get(env.privateKey).isPresent();
          if (!id && !secret && !publicKey && !privateKey) {
            throw new ConfigException(settings.file().orElse(null), settings.pathOf("auth"), 0, 0, "found no "
                + "credentials: set " + env.clientId + " and " + env.clientSecret + " (a service account,"
                + " preferred) or " + env.publicKey + " and " + env.privateKey + " (a programmatic API key);"
                + " looked in: " + secrets.describe(), null);
          }
          boolean apiKey = publicKey && privateKey;
          if (!apiKey && (id || secret) && (publicKey || privateKey)) {
            throw new ConfigException(settings.file().orElse(null), settings.pathOf("auth"), 0, 0, "found half of"
                + " each kind of credential: " + (id ? env.clientId : env.clientSecret) + " of a service account"
                + " and " + (publicKey ? env.publicKey : env.privateKey) + " of a programmatic API key; set "
                + (id ? env.clientSecret : env.clientId) + " or " + (publicKey ? env.privateKey : env.publicKey)
                + " to complete one (looked in: " + secrets.describe() + ")", null);
          }
          mode = apiKey || publicKey || privateKey ? "api_key" : "service_account";
        }
      }
      if (mode.equals("service_account")) {
        requirePair(secrets, env.clientId, env.clientSecret, "a service account's client id and secret");
        return new Credentials(true, secrets.require(env.clientId), secrets.require(env.clientSecret));
      }
      requirePair(secrets, env.publicKey, env.privateKey, "a programmatic API key's public and private key");
      return new Credentials(false, secrets.require(env.publicKey), secrets.require(env.privateKey));
    }

    /**
     * Gives the builder the credentials to mask (and, for a service account, the Basic value made
     * of them).
     *
     * @param b the client builder
     * @return the builder
     */
    public ApiClient.Builder applyTo(ApiClient.Builder b) {
      b.credential(first).credential(second);
      if (serviceAccount) {
        b.redacting(Secret.of(second.name(), ServiceAccountAuth.basicValue(first, second)));
      }
      return b;
    }

    /**
     * Makes the authenticator of a client built with {@link #applyTo}.
     *
     * @param client the client
     * @param ticker the clock for token expiry
     * @return the authenticator
     */
    public AtlasAuth authenticator(ApiClient client, Ticker ticker) {
      return serviceAccount ? new ServiceAccountAuth(client, ticker, first, second)
          : new ApiKeyDigestAuth(client, first, second, new DigestAuth(first.reveal(), second));
    }

    @Override
    public String toString() {
      return "Credentials[" + (serviceAccount ? "service account " : "API key ") + first.name() + ", "
          + second.name() + "]";
    }
  }

  /**
   * Returns the underlying client (base URL, failures, close).
   *
   * @return the client
   */
  public ApiClient client() {
    return client;
  }

  AtlasAuth auth() {
    return auth;
  }

  /**
   * Sends a request with credentials.
   *
   * @param request the request, without credentials
   * @return the successful response
   * @throws PollException on refusal or failure; a refused credential is {@code UNAUTHORIZED}
   * @throws InterruptedException if interrupted
   */
  public ApiResponse send(ApiRequest request) throws PollException, InterruptedException {
    return auth.send(request);
  }

  /** Fails naming every missing variable of a pair, not only the first. */
  private static void requirePair(SecretSource secrets, String first, String second, String what) {
    List<String> missing = new ArrayList<>();
    for (String name : List.of(first, second)) {
      if (secrets.get(name).isEmpty()) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new ConfigException("missing credential" + (missing.size() == 1 ? " " : "s ") + String.join(" and ",
          missing) + " (" + what + "; looked in: " + secrets.describe() + "); set the environment variable"
          + (missing.size() == 1 ? " " : "s ") + String.join(" and ", missing) + " or add "
          + (missing.size() == 1 ? "it" : "them") + " to .env");
    }
  }

  /** The variables of the two kinds of credentials. */
  record Env(String clientId, String clientSecret, String publicKey, String privateKey) {
    static Env of(ServiceSettings s) {
      return new Env(s.string("client_id_env").orElse("MONGODB_ATLAS_CLIENT_ID"),
          s.string("client_secret_env").orElse("MONGODB_ATLAS_CLIENT_SECRET"),
          s.string("public_key_env").orElse("MONGODB_ATLAS_PUBLIC_KEY"),
          s.string("private_key_env").orElse("MONGODB_ATLAS_PRIVATE_KEY"));
    }
  }

  /**
   * Returns the variables the configured {@code auth} needs; none when {@code auth} is not set
   * (either kind of credential will do, and a missing one fails {@link #open}, naming both).
   *
   * @param settings the service's settings
   * @return the variable names
   */
  public static List<String> secretNames(ServiceSettings settings) {
    Env env = Env.of(settings);
    String mode = settings.string("auth").orElse("");
    if (mode.equals("service_account")) {
      return List.of(env.clientId(), env.clientSecret());
    }
    if (mode.equals("api_key")) {
      return List.of(env.publicKey(), env.privateKey());
    }
    return List.of();
  }

  /**
   * Returns the variables of both kinds of credentials.
   *
   * @param settings the service's settings
   * @return the four variable names
   */
  public static List<String> allSecretNames(ServiceSettings settings) {
    Env env = Env.of(settings);
    return List.of(env.clientId, env.clientSecret, env.publicKey, env.privateKey);
  }
}
