package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Secret#redact(String)} over every key length from 1 to 40: the whole value in each form
 * the javadoc names, and for values of {@value Secret#WHOLE_WORD_BELOW} characters or more the
 * start or end a service quotes beside an elision mark, masked exactly when it holds at least 4
 * characters beyond the head. The keys are Base64 text ({@code +}, {@code /}, {@code =} among
 * letters and digits), as many keys are, with and without the vendor head {@code sk-}.
 */
final class SecretLengthTableTest {

  private static final String BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final Pattern UPPER_HEX = Pattern.compile("%[0-9A-F]{2}");

  /** A key of {@code length} characters: the head, then Base64 text with a + and a / near each end. */
  static String key(String head, int length) {
    SplittableRandom random = new SplittableRandom(length * 31L + head.length());
    char[] body = new char[length - head.length()];
    for (int i = 0; i < body.length; i++) {
      body[i] = BASE64.charAt(random.nextInt(BASE64.length()));
    }
    if (body.length >= 9) {
      body[4] = '+';
      body[body.length - 5] = '/';
      body[body.length - 1] = '=';
    }
    return head + new String(body);
  }

  static Stream<Arguments> keys() {
    return Stream.of("", "sk-").flatMap(head -> IntStream.rangeClosed(head.length() + 1, 40)
        .mapToObj(length -> Arguments.of(head, length)));
  }

  /** The forms named on {@link Secret#redact(String)}. */
  static List<String> forms(String value) {
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    String percent = form.replace("+", "%20");
    List<String> forms = new ArrayList<>(List.of(value, form, percent,
        UPPER_HEX.matcher(percent).replaceAll(m -> m.group().toLowerCase(Locale.ROOT))));
    if (value.getBytes(StandardCharsets.UTF_8).length >= Secret.BASE64_MIN_BYTES) {
      for (String user : List.of("u:", "us:", "use:")) {
        byte[] basic = (user + value).getBytes(StandardCharsets.UTF_8);
        forms.add(Base64.getEncoder().encodeToString(basic));
        forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(basic));
      }
    }
    return forms;
  }

  @ParameterizedTest(name = "head \"{0}\", {1} characters")
  @MethodSource("keys")
  void redact_masksTheWholeValueInEveryForm(String head, int length) {
    String key = key(head, length);
    Secret secret = Secret.of("API_KEY", key);
    for (String form : forms(key)) {
      // Spaces and parentheses around it: a Base64 form's whole token is masked, '=' and '/' included.
      String out = secret.redact("sent token " + form + " -> 401 (" + form + ")");
      assertThat(out).as(form).isEqualTo("sent token *** -> 401 (***)");
    }
  }

  @ParameterizedTest(name = "head \"{0}\", {1} characters")
  @MethodSource("keys")
  void redact_masksAQuotedStartOrEndOfAtLeastFourCharactersBeyondTheHead(String head, int length) {
    String key = key(head, length);
    Secret secret = Secret.of("API_KEY", key);
    boolean fragments = length >= Secret.WHOLE_WORD_BELOW;
    for (int p = 1; p < length; p++) {
      String text = "Incorrect API key provided: " + key.substring(0, p) + "****...; see the docs.";
      String masked = "Incorrect API key provided: " + head + "***" + "****...; see the docs.";
      assertThat(secret.redact(text)).as("the first %d of %s", p, key)
          .isEqualTo(fragments && p - head.length() >= 4 ? masked : text);
    }
    for (int q = 1; q < length; q++) {
      String text = "Incorrect API key provided: ****..." + key.substring(length - q) + "; see the docs.";
      String masked = "Incorrect API key provided: ****...***; see the docs.";
      assertThat(secret.redact(text)).as("the last %d of %s", q, key)
          .isEqualTo(fragments && Math.min(q, length - head.length()) >= 4 ? masked : text);
    }
  }
}
