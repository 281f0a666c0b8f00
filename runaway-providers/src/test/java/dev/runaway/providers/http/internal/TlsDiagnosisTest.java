package dev.runaway.providers.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsDiagnosisTest {

  private static final URI HTTPS = URI.create("https://127.0.0.1:8443/v1/usage");

  @Test
  void afterFailure_anSslExceptionAfterTheHandshake_isAFailedConnectionNotAFailedHandshake() {
    // A record that fails its integrity check mid-response, wrapped as the HTTP client does: the
    // handshake had completed, and "the TLS handshake failed" sent the user to certificates and ports.
    IOException failure = new IOException("failed", new SSLException("Tag mismatch"));
    assertThat(TlsDiagnosis.afterFailure(HTTPS, failure)).hasValueSatisfying(m -> assertThat(m)
        .startsWith("the TLS connection with 127.0.0.1:8443 failed (SSLException: Tag mismatch)")
        .doesNotContain("handshake").doesNotContain("plain HTTP"));
  }

  @Test
  void afterFailure_aHandshakeFailure_saysSo() {
    assertThat(TlsDiagnosis.afterFailure(HTTPS, new SSLHandshakeException("PKIX path building failed")))
        .hasValueSatisfying(m -> assertThat(m).startsWith("the TLS handshake with 127.0.0.1:8443 failed")
            .doesNotContain("plain HTTP"));
    assertThat(TlsDiagnosis.afterFailure(HTTPS, new SSLException("Remote host terminated the handshake")))
        .hasValueSatisfying(m -> assertThat(m).startsWith("the TLS handshake with"));
  }

  @Test
  void afterFailure_aPlainHttpAnswer_isAFailedHandshakeWithTheSchemeHint() {
    assertThat(TlsDiagnosis.afterFailure(HTTPS, new SSLException("Unsupported or unrecognized SSL message")))
        .hasValueSatisfying(m -> assertThat(m).startsWith("the TLS handshake with").contains("plain HTTP",
            "http://127.0.0.1:8443"));
  }

  @Test
  void afterFailure_noSslExceptionOrNotHttps_explainsNothing() {
    assertThat(TlsDiagnosis.afterFailure(HTTPS, new IOException("Connection reset"))).isEmpty();
    assertThat(TlsDiagnosis.afterFailure(URI.create("http://127.0.0.1:8080/"), new SSLException("x"))).isEmpty();
  }
}
