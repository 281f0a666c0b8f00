package dev.runaway.telegram.internal;

import dev.runaway.internal.SanitizedException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.config.Secret;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

final class BotApiSanitizedExceptionTest {

  private static final String TOKEN = "7000000001:SENTINEL_redact_me";

  @Test
  void of_redactsTheTokenFromEveryMessageInTheChainAndKeepsClassesAndStack() {
    String uri = "https://api.telegram.org/bot" + TOKEN + "/sendMessage";
    IOException original = new IOException("failed to send to " + uri,
        new HttpTimeoutException("request timed out: POST " + uri));
    original.getCause().initCause(new ConnectException(null));

    SanitizedException s = SanitizedException.of(original, Secret.of("TELEGRAM_BOT_TOKEN", TOKEN));

    StringWriter sw = new StringWriter();
    s.printStackTrace(new PrintWriter(sw));
    assertThat(sw.toString()).doesNotContain(TOKEN)
        .contains("java.io.IOException: failed to send to https://api.telegram.org/bot***/sendMessage")
        .contains("java.net.http.HttpTimeoutException: request timed out: POST https://api.telegram.org/bot***/sendMessage")
        .contains("java.net.ConnectException")
        .contains("BotApiSanitizedExceptionTest.of_redacts");
    assertThat(s.originalClass()).isEqualTo("java.io.IOException");
    assertThat(s.getCause()).isInstanceOf(SanitizedException.class);
    assertThat(s.getCause().getCause()).isInstanceOf(SanitizedException.class);
    assertThat(s.getCause().getCause().getCause()).isNull();
  }
}
