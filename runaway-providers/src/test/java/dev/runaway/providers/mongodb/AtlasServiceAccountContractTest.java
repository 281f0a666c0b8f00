package dev.runaway.providers.mongodb;

import static dev.runaway.providers.mongodb.AtlasFixtures.ACCEPT;
import static dev.runaway.providers.mongodb.AtlasFixtures.ORG;
import static dev.runaway.providers.mongodb.AtlasFixtures.PENDING;
import static dev.runaway.providers.mongodb.AtlasFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Atlas detector with a service account (OAuth 2.0 client credentials), mongodb-atlas.md §3. */
final class AtlasServiceAccountContractTest extends AtlasContractTest {

  static final String CLIENT_ID = "mdb_sa_id_6745a0c1e4b0a1b2c3d4e5f6";

  private final AtomicInteger tokensIssued = new AtomicInteger();

  @Override
  String auth() {
    return "service_account";
  }

  @Override
  protected String secretEnv() {
    return "MONGODB_ATLAS_CLIENT_SECRET";
  }

  @Override
  protected Map<String, String> secrets() {
    return Map.of("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID, "MONGODB_ATLAS_CLIENT_SECRET", SECRET);
  }

  @Override
  protected String errorBody(int status, String message) {
    return AtlasFixtures.apiError(status, status == 401 ? "NOT_ORG_GROUP_CREATOR" : status == 429
        ? "RATE_LIMITED_TOKEN_BUCKET" : "UNEXPECTED_ERROR", status == 401 ? "Unauthorized" : "Error", message);
  }

  /** The token endpoint: checks Basic client authentication and the form, issues numbered tokens. */
  StubResponse token(RecordedRequest r, long expiresIn) {
    String basic = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + SECRET)
        .getBytes(StandardCharsets.UTF_8));
    if (!r.method().equals("POST") || !r.header("Authorization").equals(Optional.of(basic))
        || !r.body().equals("grant_type=client_credentials")) {
      return StubResponse.json(401, "{\"error\":\"invalid_client\",\"error_description\":\"bad client\"}");
    }
    return StubResponse.ok("{\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.token-" + tokensIssued.incrementAndGet()
        + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}");
  }

  /** The API: only the newest token is valid. */
  StubResponse api(RecordedRequest r) {
    String valid = "Bearer eyJhbGciOiJSUzI1NiJ9.token-" + tokensIssued.get();
    if (!r.header("Authorization").equals(Optional.of(valid))) {
      return StubResponse.json(401, AtlasFixtures.apiError(401, "UNAUTHORIZED", "Unauthorized",
          "Current user is not authorized to perform this action."));
    }
    if (!r.header("Accept").equals(Optional.of(ACCEPT))) {
      return StubResponse.json(406, AtlasFixtures.apiError(406, "INVALID_VERSION_DATE", "Not Acceptable", "bad"));
    }
    return AtlasFixtures.pending(stub, r);
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, this::api);
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("ATLAS_AWS_INSTANCE_M30",
        "ATLAS_AWS_DATA_TRANSFER_INTERNET", "ATLAS_AWS_INSTANCE_M10", "ATLAS_AWS_BACKUP_SNAPSHOT_STORAGE");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("38.88"));
    assertThat(report.items().get(0).units()).containsEntry("server_hours", 72.0);
    assertThat(report.units()).containsEntry("atlas_aws_instance_m30.server_hours", 72.0)
        .containsEntry("atlas_aws_data_transfer_internet.gb", 412.7)
        .containsEntry("atlas_aws_backup_snapshot_storage.gb_days", 870.0);
    List<RecordedRequest> rs = stub.requests();
    assertThat(rs).extracting(RecordedRequest::path).containsExactly(TOKEN, PENDING, PENDING);
    RecordedRequest t = rs.get(0);
    assertThat(t.header("Content-Type")).contains("application/x-www-form-urlencoded");
    assertThat(t.header("Accept")).contains("application/json");
    assertThat(rs.get(2).param("pageNum")).contains("2");
    assertThat(rs.subList(1, 3)).allSatisfy(r -> assertThat(r.header("Accept")).contains(ACCEPT));
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> StubResponse.ok(AtlasFixtures.page(stub.baseUrl() + PENDING, null)));
  }

  @Test
  void poll_keepsTheTokenAndRenewsItShortlyBeforeItExpires() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    d.poll(context());
    d.poll(context());
    assertThat(stub.requestsTo(TOKEN)).hasSize(1);
    ticker.advance(Duration.ofMinutes(53)); // 3600 s token, renewed 360 s before it expires
    d.poll(context());
    assertThat(stub.requestsTo(TOKEN)).hasSize(1);
    ticker.advance(Duration.ofMinutes(1));
    assertThat(d.poll(context()).cost()).isEqualTo(AtlasFixtures.HAPPY_COST);
    assertThat(stub.requestsTo(TOKEN)).hasSize(2);
  }

  @Test
  void poll_shortLivedToken_isRenewedAtLeastAMinuteEarly() throws Exception {
    stub.route(TOKEN, r -> token(r, 100));
    stub.route(PENDING, this::api);
    Detector d = create();
    d.poll(context());
    ticker.advance(Duration.ofSeconds(49)); // half its life is the longest margin
    d.poll(context());
    assertThat(stub.requestsTo(TOKEN)).hasSize(1);
    ticker.advance(Duration.ofSeconds(1));
    d.poll(context());
    assertThat(stub.requestsTo(TOKEN)).hasSize(2);
  }

  @Test
  void poll_tokenRefusedBeforeItsTime_isRenewedOnceAndThePollSucceeds() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    d.poll(context());
    tokensIssued.incrementAndGet(); // Atlas revoked token-1: only a new one is valid
    assertThat(d.poll(context()).cost()).isEqualTo(AtlasFixtures.HAPPY_COST);
    assertThat(stub.requestsTo(TOKEN)).hasSize(2);
  }

  @Test
  void poll_apiRefusesEvenAFreshToken_isUnauthorizedNamingBothVariables() {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> StubResponse.json(401, AtlasFixtures.apiError(401, "UNAUTHORIZED", "Unauthorized",
        "IP address 203.0.113.7 is not allowed to access this resource.")));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("MONGODB_ATLAS_CLIENT_ID").contains("MONGODB_ATLAS_CLIENT_SECRET")
        .contains("IP access list");
    assertThat(stub.requestsTo(TOKEN)).hasSize(2);
  }

  @Test
  void poll_errorEchoingTheAccessToken_neverShowsIt() {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> StubResponse.json(500, AtlasFixtures.apiError(500, "UNEXPECTED_ERROR", "Error",
        "failed for " + r.header("Authorization").orElse(""))));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("failed for Bearer ***").doesNotContain("token-1");
  }

  @Test
  void poll_tokenEndpointInvalidClient_isUnauthorized() {
    stub.route(TOKEN, r -> StubResponse.json(400, "{\"error\":\"invalid_client\",\"error_description\":"
        + "\"Invalid client credentials " + SECRET + "\"}"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("MONGODB_ATLAS_CLIENT_SECRET").contains("invalid_client");
  }

  @Test
  void poll_429WithTheWaitOnlyInItsDetail_waitsThatLong() {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> StubResponse.json(429, "{ \"detail\": \"Rate limit exceeded for api/atlas/v2/orgs. "
        + "Please retry after 55 seconds. Request capacity: 10. Refill rate: 5 per 60 seconds.\", \"error\": 429, "
        + "\"errorCode\": \"RATE_LIMITED_TOKEN_BUCKET\", \"parameters\": [\"api/atlas/v2/orgs\", 55, 10, 5, 60], "
        + "\"reason\": \"Too Many Requests\" }").withHeader("RateLimit-Limit", "10")
        .withHeader("RateLimit-Remaining", "0"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(55));
  }

  @Test
  void poll_nextLinkNamingAnotherHost_isFollowedThroughBaseUrl() throws Exception {
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> r.param("pageNum").isPresent() ? api(r) : StubResponse.ok(AtlasFixtures.page(
        "https://cloud.mongodb.com" + PENDING, "https://cloud.mongodb.com" + PENDING + "?pageNum=2",
        AtlasFixtures.invoice("a", ORG, "2026-08-01T00:00:00Z", AtlasFixtures.line("X", "c", 1, "GB", 1, 100)))));
    UsageReport r = create().poll(context());
    // 100 cents on page 1, 1337 cents on page 2 (read from the stub, not from the named host).
    assertThat(r.cost()).isEqualTo(Cost.usd("14.37"));
    assertThat(stub.requestsTo(PENDING)).hasSize(2);
  }

  @Test
  void poll_noPendingInvoice_reportsTheSpanAskedForAtZero() throws Exception {
    scriptEmptyDay(stub, context());
    UsageReport r = create().poll(context());
    assertThat(r.from()).isEqualTo(context().since());
    assertThat(r.cost()).isEqualTo(Cost.ZERO);
  }

  @Test
  void poll_linkedInvoicesInsideTheInvoice_areCountedOnceOrLeftOutWhenAsked() throws Exception {
    String linked = AtlasFixtures.invoice("L1", AtlasFixtures.LINKED_ORG, "2026-08-01T00:00:00Z",
        AtlasFixtures.line("Y", "c", 1, "GB", 1, 500));
    String own = AtlasFixtures.invoice("O1", ORG, "2026-08-01T00:00:00Z", AtlasFixtures.line("X", "c", 1, "GB", 1, 200))
        .replace("\"linkedInvoices\":[]", "\"linkedInvoices\":[" + linked + "]");
    stub.route(TOKEN, r -> token(r, 3600));
    stub.route(PENDING, r -> StubResponse.ok(AtlasFixtures.page(stub.baseUrl() + PENDING, null, own, linked)));
    assertThat(create().poll(context()).cost()).isEqualTo(Cost.usd("7.00"));
    assertThat(create(Map.of("include_linked_invoices", false)).poll(context()).cost()).isEqualTo(Cost.usd("7.00"));
    stub.route(PENDING, r -> StubResponse.ok(AtlasFixtures.page(stub.baseUrl() + PENDING, null, own)));
    assertThat(create(Map.of("include_linked_invoices", false)).poll(context()).cost()).isEqualTo(Cost.usd("2.00"));
  }

  @Test
  void create_withoutAuthSetting_usesWhicheverPairIsPresent() {
    Map<String, Object> s = new LinkedHashMap<>(settings(stub.baseUrl()));
    s.remove("auth");
    ServiceSettings settings = ServiceSettings.of(SERVICE, "mongodb_atlas", s);
    assertThat(provider().requiredSecrets(settings)).isEmpty();
    Detector sa = provider().create(settings, SecretSource.of(secrets()));
    Detector key = provider().create(settings, SecretSource.of(Map.of("MONGODB_ATLAS_PUBLIC_KEY", "pubkey01",
        "MONGODB_ATLAS_PRIVATE_KEY", SECRET)));
    try {
      assertThat(sa.toString()).contains("ServiceAccountAuth");
      assertThat(key.toString()).contains("ApiKeyDigestAuth");
    } finally {
      sa.close();
      key.close();
    }
    Throwable none = catchThrowable(() -> provider().create(settings, SecretSource.of(Map.of(
        "MONGODB_ATLAS_CLIENT_ID", CLIENT_ID))));
    // Half of the service account is set: its other half is named, not the API key's (nu42).
    assertThat(none).isInstanceOf(ConfigException.class).hasMessageContaining("MONGODB_ATLAS_CLIENT_SECRET")
        .hasMessageNotContaining("MONGODB_ATLAS_PRIVATE_KEY");
    assertNoSecret(none);
  }

  @Test
  void create_validatesTheOrganizationAndTheAuthMode() {
    assertThat(catchThrowable(() -> create(Map.of("org_id", "acme")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("24 hexadecimal digits");
    assertThat(catchThrowable(() -> create(Map.of("auth", "password")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("service_account");
    assertThat(provider().requiredSecrets(ServiceSettings.of(SERVICE, "mongodb_atlas", Map.of("auth", "api_key",
        "public_key_env", "ATLAS_PUB")))).containsExactly("ATLAS_PUB", "MONGODB_ATLAS_PRIVATE_KEY");
  }
}
