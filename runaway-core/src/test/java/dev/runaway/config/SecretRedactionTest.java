package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Secret#redact(String)} masks every encoded form of a secret, and short values only as whole words. */
final class SecretRedactionTest {

  /** A key with characters that every encoding changes: '+', '/', '=', '&', a space and a non-ASCII letter. */
  static final String KEY = "k3y+with/slash=and&amp sp\u00e9cial-9f27c1";

  /** Every form in which {@code value} may leave the process, as a test checks for them. */
  static List<String> encodedForms(String value) {
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    return List.of(value, form, form.replace("+", "%20"), form.toLowerCase(java.util.Locale.ROOT),
        Base64.getEncoder().encodeToString(("user:" + value).getBytes(StandardCharsets.UTF_8)),
        Base64.getEncoder().encodeToString(("ab:" + value).getBytes(StandardCharsets.UTF_8)),
        Base64.getEncoder().encodeToString(("a:" + value).getBytes(StandardCharsets.UTF_8)),
        Base64.getUrlEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void redact_masksPercentEncodedFormEncodedAndBasicAuthForms() {
    Secret s = Secret.of("API_KEY", KEY);
    for (String form : encodedForms(KEY)) {
      String text = "GET http://127.0.0.1/usage?api_key=" + form + "&x=1 Authorization: Basic " + form + " done";
      String out = s.redact(text);
      assertThat(out).as(form).doesNotContain(form).contains("***").endsWith(" done");
    }
  }

  @Test
  void redact_masksTheWholeBase64TokenOfABasicAuthHeaderAtEveryOffset() {
    Secret s = Secret.of("PASSWORD", "hunter2-correct-horse");
    for (String user : List.of("u", "us", "use", "user", "svc-account-17")) {
      String header = Base64.getEncoder().encodeToString((user + ":hunter2-correct-horse")
          .getBytes(StandardCharsets.UTF_8));
      assertThat(s.redact("Authorization: Basic " + header + ";")).as(user)
          .isEqualTo("Authorization: Basic ***;");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "ma", "age"})
  void redact_shortValueOnlyAsAWholeWord(String value) {
    Secret s = Secret.of("SHORT", value);
    assertThat(s.redact("set 40_max_pages for maximal pages")).isEqualTo("set 40_max_pages for maximal pages");
    assertThat(s.redact("key=" + value + "&next")).isEqualTo("key=***&next");
    assertThat(s.redact(value)).isEqualTo("***");
  }

  @Test
  void redact_longValueEvenInsideALongerWord() {
    Secret s = Secret.of("LONG", "sk-abcdef0123456789");
    assertThat(s.redact("token=prefixsk-abcdef0123456789suffix")).isEqualTo("token=prefix***suffix");
  }

  @Test
  void redactAll_longestFirstSoAContainingSecretIsMaskedWhole() {
    Secret shortOne = Secret.of("A", "abcdef0123456789");
    Secret longOne = Secret.of("B", "abcdef0123456789-and-more");
    assertThat(Secret.redactAll("x abcdef0123456789-and-more y", List.of(shortOne, longOne)))
        .isEqualTo("x *** y");
  }

  /** A project key in OpenAI's shape: head {@code sk-proj-}, then base64url characters. */
  static final String PROJECT_KEY = "sk-proj-Qx7Lm2Vb9Tk4Wc8Zr1Hn5Dj3Fp6Ys0Ga2Ue7Io4Pl9Kq3Mx8Nb5Vc1Rt6Zy4XeMxYA";

  @Test
  void redact_masksTheLastFourCharactersOpenAiEchoesAfterAsterisks() {
    Secret s = Secret.of("OPENAI_API_KEY", PROJECT_KEY);
    String echoed = "Incorrect API key provided: sk-proj-****************************************MxYA. You can"
        + " find your API key at https://platform.openai.com/account/api-keys.";
    assertThat(s.redact(echoed)).isEqualTo("Incorrect API key provided: sk-proj-****************************************"
        + "***. You can find your API key at https://platform.openai.com/account/api-keys.");
  }

  @Test
  void redact_masksTheFirstEightAndLastFourOfALegacyKeyButKeepsTheHead() {
    Secret s = Secret.of("OPENAI_API_KEY", "sk-PMafPq3Zt8Lw2Vn6Hy0Rb4Xc7Jd1Gk5Ms9E873");
    assertThat(s.redact("Incorrect API key provided: sk-PMafP" + "*".repeat(39) + "E873."))
        .isEqualTo("Incorrect API key provided: sk-***" + "*".repeat(39) + "***.")
        .doesNotContain("PMafP").doesNotContain("E873");
    assertThat(s.redact("key sk-PMafPq3Z...9E873 refused")).isEqualTo("key sk-***...*** refused");
  }

  @Test
  void redact_keepsOnlyTheVendorsHeadWhenTheKeyItselfStartsWithALowerCaseSegment() {
    // A project key whose random part starts "abc_" (base64url holds '-' and '_'): the head is
    // "sk-proj-", the vendor's, not "sk-proj-abc_" (a rule by shape kept "abc" readable).
    Secret s = Secret.of("OPENAI_API_KEY", "sk-proj-abc_Qx7Lm2Vb9Tk4Wc8Zr1Hn5Dj3Fp6Ys0Ga2Ue7Io4Pl9Kq3Mx8Nb5Wq7e");
    assertThat(s.redact("Incorrect API key provided: sk-proj-abc_" + "*".repeat(30) + "Wq7e."))
        .isEqualTo("Incorrect API key provided: sk-proj-***" + "*".repeat(30) + "***.")
        .doesNotContain("abc").doesNotContain("Wq7e");
    // A lower-case segment after a longer vendor head is the key's own as well.
    Secret ant = Secret.of("ANTHROPIC_API_KEY", "sk-ant-api03-xyz-Qx7Lm2Vb9Tk4Wc8Zr1Hn5Dj3Fp6Ys0Ga2Ue7Io4Pl9AA");
    assertThat(ant.redact("key sk-ant-api03-xyz-**** refused")).isEqualTo("key sk-ant-api03-******* refused").doesNotContain("xyz");
    // A key of no known vendor has no head: its lower-case start is secret too.
    Secret other = Secret.of("TOKEN", "qwe-rty_Qx7Lm2Vb9Tk4Wc8Zr1Hn5Dj3Fp6Ys0Ga2");
    assertThat(other.redact("token qwe-rty_**** refused")).isEqualTo("token ******* refused");
  }

  @Test
  void redact_masksAMixedFragmentWithoutAnElisionMark() {
    Secret s = Secret.of("API_KEY", "AKIAQ7XK2M4PZ9RT5W3B");
    assertThat(s.redact("key AKIAQ7XK rejected")).isEqualTo("key *** rejected");
    assertThat(s.redact("key ending in T5W3B rejected")).isEqualTo("key ending in *** rejected");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "deploy sk-proj- keys only", // the head alone is not secret
      "created in 2024 and renamed", // a plain number equal to the key's last four
      "the word abcd stands here", // a plain word equal to the key's first four beyond no head
      "sk-proj-Qx7 is too short", // three characters beyond the head
      "ending in Zy4Xe20245 is another key", // not the key's end: a different token
  })
  void redact_leavesOrdinaryTextThatOnlyResemblesAFragment(String text) {
    assertThat(Secret.of("A", "abcdQ7XK2M4PZ9RT5W3B2024").redact(text)).isEqualTo(text);
    assertThat(Secret.of("B", PROJECT_KEY.replace("MxYA", "2024")).redact(text)).isEqualTo(text);
  }

  @Test
  void redact_shortValuesHaveNoFragments() {
    Secret s = Secret.of("SHORT", "Ab3dEf7hIj");
    assertThat(s.redact("x Ab3dEf7 y ***Ij7hIj")).isEqualTo("x Ab3dEf7 y ***Ij7hIj");
  }

  @Test
  void redact_aUuidKeyHasNoHeadSoItsFirstGroupIsMasked() {
    Secret s = Secret.of("UUID_KEY", "deadbeef-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
    assertThat(s.redact("key deadbeef-**** refused")).isEqualTo("key ******* refused");
    assertThat(s.redact("key dead****4a5b refused")).isEqualTo("key ***" + "****" + "*** refused");
  }

  @Test
  void implausiblyShort_belowEightCharacters() {
    assertThat(Secret.of("A", "1234567").implausiblyShort()).isTrue();
    assertThat(Secret.of("A", "12345678").implausiblyShort()).isFalse();
  }
}
