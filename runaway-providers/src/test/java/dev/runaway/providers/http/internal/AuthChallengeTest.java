package dev.runaway.providers.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class AuthChallengeTest {

  @Test
  void parse_atlasChallenge_readsEveryParameter() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of("Digest realm=\"MMS Public API\", domain=\"\", "
        + "nonce=\"OGQ3ZDdmNDAtYjQ=\", algorithm=MD5, qop=\"auth\", stale=false"));
    assertThat(c).hasSize(1);
    assertThat(c.get(0).scheme()).isEqualTo("Digest");
    assertThat(c.get(0).params()).containsExactly(
        java.util.Map.entry("realm", "MMS Public API"), java.util.Map.entry("domain", ""),
        java.util.Map.entry("nonce", "OGQ3ZDdmNDAtYjQ="), java.util.Map.entry("algorithm", "MD5"),
        java.util.Map.entry("qop", "auth"), java.util.Map.entry("stale", "false"));
  }

  @Test
  void parse_quotedCommasAndEscapes_stayInsideTheValue() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of(
        "Digest realm=\"a, b=c\", qop=\"auth, auth-int\", nonce=\"x\\\"y\\\\z\", opaque=\"\""));
    assertThat(c).hasSize(1);
    assertThat(c.get(0).param("realm")).contains("a, b=c");
    assertThat(c.get(0).param("QOP")).contains("auth, auth-int");
    assertThat(c.get(0).param("nonce")).contains("x\"y\\z");
    assertThat(c.get(0).param("opaque")).contains("");
  }

  @Test
  void parse_severalChallengesInOneValue_areSplitAtTheNextScheme() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of(
        "Basic realm=\"simple\", Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
            + "Digest realm=\"d\", nonce=\"n\""));
    assertThat(c).extracting(AuthChallenge::scheme).containsExactly("Basic", "Newauth", "Digest");
    assertThat(c.get(1).params()).containsOnlyKeys("realm", "type", "title");
    assertThat(c.get(1).param("title")).contains("Login to \"apps\"");
    assertThat(c.get(2).param("nonce")).contains("n");
  }

  @Test
  void parse_token68AndBareSchemes_areRecognised() {
    List<AuthChallenge> c = AuthChallenge.parse(List.of("Negotiate a87421/000+0==, Basic", "Bearer , Digest "
        + "realm=r ,nonce=n"));
    assertThat(c).extracting(AuthChallenge::scheme).containsExactly("Negotiate", "Basic", "Bearer", "Digest");
    assertThat(c.get(0).token68()).contains("a87421/000+0==");
    assertThat(c.get(1).params()).isEmpty();
    assertThat(c.get(3).param("realm")).contains("r");
    assertThat(c.get(3).param("nonce")).contains("n");
  }

  @Test
  void parse_nameEqualsWithoutValue_isAToken68AsTheGrammarSays() {
    assertThat(AuthChallenge.parse(List.of("Digest realm=")).get(0).token68()).contains("realm=");
  }

  @Test
  void parse_repeatedParameter_keepsTheFirst() {
    assertThat(AuthChallenge.parse(List.of("Digest realm=\"a\", realm=\"b\", nonce=n")).get(0).param("realm"))
        .contains("a");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Digest realm=\"unterminated", "Digest realm=\"a\", nonce=", "Digest realm=\"a\" nonce=\"b\"",
      "Digest\"x\"", "=x"})
  void parse_malformed_failsWithoutQuotingTheValue(String header) {
    assertThatThrownBy(() -> AuthChallenge.parse(List.of(header)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed authentication challenge")
        .hasMessageNotContaining("unterminated");
  }
}
