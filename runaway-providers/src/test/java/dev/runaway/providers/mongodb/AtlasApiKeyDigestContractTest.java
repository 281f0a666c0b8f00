package dev.runaway.providers.mongodb;

import static dev.runaway.providers.mongodb.AtlasFixtures.ACCEPT;
import static dev.runaway.providers.mongodb.AtlasFixtures.PENDING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Atlas detector with a programmatic API key over HTTP Digest, against a loopback server that
 * challenges with 401 as Atlas does and checks every answer (RFC 7616, MD5, qop=auth).
 */
final class AtlasApiKeyDigestContractTest extends AtlasContractTest {

  static final String PUBLIC_KEY = "qwerasdf";
  static final String REALM = "MMS Public API";
  private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]+))");

  private final AtomicInteger nonces = new AtomicInteger();
  private volatile String nonce = "none";
  private volatile int lastNc;

  @Override
  String auth() {
    return "api_key";
  }

  @Override
  protected String secretEnv() {
    return "MONGODB_ATLAS_PRIVATE_KEY";
  }

  @Override
  protected Map<String, String> secrets() {
    return Map.of("MONGODB_ATLAS_PUBLIC_KEY", PUBLIC_KEY, "MONGODB_ATLAS_PRIVATE_KEY", SECRET);
  }

  @Override
  protected String errorBody(int status, String message) {
    return AtlasFixtures.apiError(status, "UNEXPECTED_ERROR", "Error", message);
  }

  static String md5(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static Map<String, String> params(String header) {
    Map<String, String> out = new HashMap<>();
    Matcher m = PARAM.matcher(header.substring("Digest ".length()));
    while (m.find()) {
      out.put(m.group(1), m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3));
    }
    return out;
  }

  StubResponse challenge(boolean stale) {
    nonce = "bm9uY2Ut" + nonces.incrementAndGet() + "+/, with a comma";
    lastNc = 0;
    return StubResponse.json(401, AtlasFixtures.apiError(401, "UNAUTHORIZED", "Unauthorized",
        "You are not authorized for this resource.")).withHeader("WWW-Authenticate", "Digest realm=\"" + REALM
        + "\", domain=\"\", nonce=\"" + nonce + "\", algorithm=MD5, qop=\"auth\", stale=" + stale);
  }

  /** Atlas's side of RFC 7616: verify the answer against the nonce issued, or challenge. */
  StubResponse digest(RecordedRequest r, String password) {
    Optional<String> auth = r.header("Authorization");
    if (auth.isEmpty() || !auth.get().startsWith("Digest ")) {
      return challenge(false);
    }
    Map<String, String> p = params(auth.get());
    String uri = r.path() + (r.rawQuery() == null ? "" : "?" + r.rawQuery());
    int nc = Integer.parseInt(p.getOrDefault("nc", "0"), 16);
    if (!p.get("nonce").equals(nonce)) {
      return challenge(true);
    }
    String ha1 = md5(p.get("username") + ":" + REALM + ":" + password);
    String ha2 = md5(r.method() + ":" + uri);
    String expected = md5(ha1 + ":" + nonce + ":" + p.get("nc") + ":" + p.get("cnonce") + ":auth:" + ha2);
    if (!p.get("username").equals(PUBLIC_KEY) || !p.get("uri").equals(uri) || !p.get("qop").equals("auth")
        || !p.get("algorithm").equals("MD5") || nc <= lastNc || !expected.equals(p.get("response"))) {
      return challenge(false);
    }
    lastNc = nc;
    return AtlasFixtures.pending(stub, r);
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.route(PENDING, r -> digest(r, SECRET));
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    List<RecordedRequest> rs = stub.requests();
    // 401 challenge, the answered first page, then the second page on the same nonce (nc=2).
    assertThat(rs).hasSize(3);
    assertThat(rs.get(0).header("Authorization")).isEmpty();
    assertThat(params(rs.get(1).header("Authorization").orElseThrow())).containsEntry("nc", "00000001")
        .containsEntry("username", PUBLIC_KEY).containsEntry("realm", REALM);
    assertThat(params(rs.get(2).header("Authorization").orElseThrow())).containsEntry("nc", "00000002")
        .containsEntry("uri", PENDING + "?pageNum=2&itemsPerPage=1");
    assertThat(rs).allSatisfy(r -> assertThat(r.header("Accept")).contains(ACCEPT));
    assertThat(rs.get(1).header("Authorization").orElseThrow()).doesNotContain(SECRET);
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.route(PENDING, r -> {
      StubResponse s = digest(r, SECRET);
      return s.status() == 200 ? StubResponse.ok(AtlasFixtures.page(stub.baseUrl() + PENDING, null)) : s;
    });
  }

  @Test
  void poll_reusesTheNonceAcrossPollsWithoutAnotherChallenge() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    d.poll(context());
    d.poll(context());
    assertThat(stub.requests()).hasSize(5); // 401, page 1, page 2, then page 1 and page 2 again
    assertThat(params(stub.requests().get(4).header("Authorization").orElseThrow())).containsEntry("nc", "00000004");
    assertThat(nonces).hasValue(1);
  }

  @Test
  void poll_staleNonce_isAnsweredWithTheNewChallenge() throws Exception {
    scriptHappyDay(stub, context());
    Detector d = create();
    d.poll(context());
    nonce = "expired-by-the-server"; // the next request's nonce no longer matches: 401 stale=true
    assertThat(d.poll(context()).cost()).isEqualTo(AtlasFixtures.HAPPY_COST);
    assertThat(nonces).hasValue(2);
  }

  @Test
  void poll_wrongPrivateKey_isUnauthorizedNamingTheVariablesAfterOneAnswer() {
    stub.route(PENDING, r -> digest(r, "the-real-private-key"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("MONGODB_ATLAS_PUBLIC_KEY").contains("MONGODB_ATLAS_PRIVATE_KEY");
    assertThat(stub.requests()).hasSize(2);
  }

  @Test
  void poll_401WithoutADigestChallenge_isUnauthorized() {
    stub.route(PENDING, r -> StubResponse.json(401, AtlasFixtures.apiError(401, "UNAUTHORIZED", "Unauthorized",
        "no")).withHeader("WWW-Authenticate", "Basic realm=\"x\""));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).contains("Digest challenge").contains("MONGODB_ATLAS_PRIVATE_KEY");
  }
}
