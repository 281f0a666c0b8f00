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

  @Test
  void implausiblyShort_belowEightCharacters() {
    assertThat(Secret.of("A", "1234567").implausiblyShort()).isTrue();
    assertThat(Secret.of("A", "12345678").implausiblyShort()).isFalse();
  }
}
