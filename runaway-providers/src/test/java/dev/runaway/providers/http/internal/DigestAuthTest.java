package dev.runaway.providers.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Digest against the worked examples of RFC 7616 §3.9.1 and the rules of §3.4. */
final class DigestAuthTest {

  // RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
  private static final String RFC_CHALLENGE = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
      + "algorithm=%s, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      + "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  private static final String RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

  @ParameterizedTest
  @CsvSource({
      "MD5, 8ca523f5e9506fed4657c9700eebdbec",
      "SHA-256, 753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"})
  void header_rfc7616WorkedExample_matchesTheRfcResponse(String algorithm, String expected) {
    DigestAuth.Challenge c = challenge(String.format(RFC_CHALLENGE, algorithm));
    assertThat(c.qop()).containsExactly("auth", "auth-int");
    DigestAuth auth = new DigestAuth("Mufasa", Secret.of("PW", "Circle of Life"), () -> RFC_CNONCE);
    auth.challenged(c);

    String header = auth.authorization("GET", "/dir/index.html", new byte[0]).orElseThrow();

    Map<String, String> p = params(header);
    assertThat(p).containsEntry("response", expected)
        .containsEntry("username", "Mufasa")
        .containsEntry("realm", "http-auth@example.org")
        .containsEntry("uri", "/dir/index.html")
        .containsEntry("algorithm", algorithm)
        .containsEntry("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")
        .containsEntry("nc", "00000001")
        .containsEntry("cnonce", RFC_CNONCE)
        .containsEntry("qop", "auth")
        .containsEntry("opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    // RFC 7616 §3.4: algorithm, qop and nc are sent as tokens, never quoted.
    assertThat(header).contains("algorithm=" + algorithm + ",").contains("nc=00000001,").contains("qop=auth,")
        .doesNotContain("Circle of Life");
  }

  @Test
  void response_rfc7616Md5Example_stepByStep() {
    // HA1 = MD5("Mufasa:http-auth@example.org:Circle of Life"), HA2 = MD5("GET:/dir/index.html").
    DigestAuth.Algorithm md5 = DigestAuth.Algorithm.MD5;
    String ha1 = md5.hash("Mufasa:http-auth@example.org:Circle of Life");
    String ha2 = md5.hash("GET:/dir/index.html");
    String expected = md5.hash(ha1 + ":7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:" + RFC_CNONCE
        + ":auth:" + ha2);
    assertThat(expected).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
    assertThat(DigestAuth.response(md5, "Mufasa", "http-auth@example.org", "Circle of Life", "GET",
        "/dir/index.html", new byte[0], "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001", RFC_CNONCE,
        "auth")).isEqualTo(expected);
  }

  @Test
  void authorization_reusesTheNonceWithAnIncreasingCountAndAFreshCnonce() {
    Deque<String> cnonces = new ArrayDeque<>(List.of("c1", "c2", "c3"));
    DigestAuth auth = new DigestAuth("pub", Secret.of("PRIV", "priv"), cnonces::poll);
    assertThat(auth.authorization("GET", "/x", new byte[0])).isEmpty();
    auth.challenged(challenge("Digest realm=\"MMS Public API\", domain=\"\", nonce=\"n1\", algorithm=MD5, "
        + "qop=\"auth\", stale=false"));

    Map<String, String> first = params(auth.authorization("GET", "/x?a=1", new byte[0]).orElseThrow());
    Map<String, String> second = params(auth.authorization("GET", "/x?a=2", new byte[0]).orElseThrow());
    auth.challenged(challenge("Digest realm=\"MMS Public API\", nonce=\"n2\", algorithm=MD5, qop=\"auth\", "
        + "stale=true"));
    Map<String, String> third = params(auth.authorization("GET", "/x", new byte[0]).orElseThrow());

    assertThat(first).containsEntry("nc", "00000001").containsEntry("cnonce", "c1").containsEntry("uri", "/x?a=1");
    assertThat(second).containsEntry("nc", "00000002").containsEntry("cnonce", "c2").containsEntry("nonce", "n1");
    assertThat(third).containsEntry("nc", "00000001").containsEntry("nonce", "n2");
    assertThat(second.get("response")).isEqualTo(DigestAuth.response(DigestAuth.Algorithm.MD5, "pub",
        "MMS Public API", "priv", "GET", "/x?a=2", new byte[0], "n1", "00000002", "c2", "auth"));
  }

  @Test
  void header_withoutQop_usesTheRfc2069FormAndNoNonceCount() {
    // RFC 2617 §3.2.2.1 (kept by RFC 7616 for compatibility): response = H(HA1:nonce:HA2).
    DigestAuth.Challenge c = challenge("Digest realm=\"testrealm@host.com\", "
        + "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    String header = DigestAuth.header(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", new byte[0], 1, "x");
    Map<String, String> p = params(header);
    DigestAuth.Algorithm md5 = DigestAuth.Algorithm.MD5;
    String expected = md5.hash(md5.hash("Mufasa:testrealm@host.com:Circle Of Life")
        + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + md5.hash("GET:/dir/index.html"));
    assertThat(p).containsEntry("response", expected).doesNotContainKeys("nc", "qop", "cnonce");
  }

  @Test
  void header_md5SessAndAuthInt_foldTheNoncesAndTheBody() {
    DigestAuth.Challenge c = challenge("Digest realm=\"r\", nonce=\"N\", algorithm=MD5-sess, qop=\"auth-int\"");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> p = params(DigestAuth.header(c, "u", "p", "POST", "/y", body, 3, "C"));
    DigestAuth.Algorithm md5 = DigestAuth.Algorithm.MD5;
    String ha1 = md5.hash(md5.hash("u:r:p") + ":N:C");
    String ha2 = md5.hash("POST:/y:" + md5.hash("{}"));
    assertThat(p).containsEntry("response", md5.hash(ha1 + ":N:00000003:C:auth-int:" + ha2))
        .containsEntry("qop", "auth-int").containsEntry("algorithm", "MD5-sess");
  }

  @Test
  void header_userhash_sendsTheHashedName() {
    DigestAuth.Challenge c = challenge("Digest realm=\"api@example.org\", nonce=\"n\", algorithm=SHA-256, "
        + "qop=\"auth\", userhash=true");
    Map<String, String> p = params(DigestAuth.header(c, "J\u00e4s\u00f8n Doe", "Secret, or not?", "GET",
        "/doe.json", new byte[0], 1, "c"));
    assertThat(p).containsEntry("username", DigestAuth.Algorithm.SHA_256.hash("J\u00e4s\u00f8n Doe:api@example.org"))
        .containsEntry("userhash", "true");
  }

  @Test
  void header_nonAsciiUserWithoutUserhash_usesExtendedNotation() {
    DigestAuth.Challenge c = challenge("Digest realm=\"r\", nonce=\"n\", qop=auth");
    String header = DigestAuth.header(c, "J\u00e4s\u00f8n Doe", "p", "GET", "/", new byte[0], 1, "c");
    assertThat(header).contains("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe,");
  }

  @Test
  void select_prefersTheStrongestSupportedChallengeAndSkipsUnusableOnes() {
    List<AuthChallenge> all = AuthChallenge.parse(List.of(
        "Digest realm=\"r\", nonce=\"a\", algorithm=UNKNOWN-ALG",
        "Digest realm=\"r\", nonce=\"b\", algorithm=MD5, qop=\"auth\"",
        "Digest realm=\"r\", nonce=\"c\", algorithm=SHA-256, qop=\"auth\"",
        "Digest realm=\"r\", nonce=\"d\", algorithm=SHA-512-256, qop=\"auth-conf\"",
        "Basic realm=\"r\""));
    Optional<DigestAuth.Challenge> c = DigestAuth.Challenge.select(all);
    assertThat(c).isPresent();
    assertThat(c.get().nonce()).isEqualTo("c");
    assertThat(DigestAuth.Challenge.select(AuthChallenge.parse(List.of("Basic realm=\"x\"")))).isEmpty();
    assertThat(DigestAuth.Challenge.select(AuthChallenge.parse(List.of("Digest nonce=\"x\"")))).isEmpty();
  }

  @Test
  void challenge_staleFlag_isRead() {
    assertThat(challenge("Digest realm=\"r\", nonce=\"n\", stale=TRUE").stale()).isTrue();
    assertThat(challenge("Digest realm=\"r\", nonce=\"n\", stale=false").stale()).isFalse();
  }

  @Test
  void toString_neverShowsTheCredentials() {
    DigestAuth auth = new DigestAuth("public-key-123", Secret.of("PRIV", "private-456"));
    assertThat(auth.toString()).doesNotContain("public-key-123").doesNotContain("private-456");
  }

  private static DigestAuth.Challenge challenge(String header) {
    return DigestAuth.Challenge.select(AuthChallenge.parse(List.of(header))).orElseThrow();
  }

  /** Reads an Authorization header back with the challenge parser, which shares its syntax. */
  private static Map<String, String> params(String header) {
    AuthChallenge c = AuthChallenge.parse(List.of(header)).get(0);
    assertThat(c.scheme()).isEqualTo("Digest");
    return new LinkedHashMap<>(c.params());
  }
}
