package dev.runaway.config.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class RedactionShownTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "mychannel | \"mychannel\"",
      "123456789:AAHk3bXyZSECRET123abcdefGHIJKLmnopq | a value of 45 characters (not shown: it may be a credential)",
      "sk-test-SECRET123 | a value of 17 characters (not shown: it may be a credential)"})
  void shown_quotesOrdinaryValuesAndDescribesCredentialLikeOnes(String value, String shown) {
    assertThat(Redaction.shown(value)).isEqualTo(shown);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://u:sk-test-SECRET123@127.0.0.1:9/x?key=sk-test-SECRET123 | https://127.0.0.1:9/... (the rest not shown: it may carry a credential)",
      "http://127.0.0.1:8080 | http://127.0.0.1:8080",
      "http://127.0.0.1/bot123:SECRET/ | http://127.0.0.1/... (the rest not shown: it may carry a credential)",
      "not a uri SECRET | a value of 16 characters (not shown: it may be a credential)"})
  void shownUri_showsOnlySchemeHostAndPort(String uri, String shown) {
    assertThat(Redaction.shownUri(uri)).isEqualTo(shown);
  }
}
