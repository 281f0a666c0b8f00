package dev.runaway.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17, item 1: a {@code rest} service whose URL takes a {@code ${VAR}} holding a space, with
 * the API key sent as a query parameter. No form of the key (raw, percent-encoded, form-encoded,
 * Base64 as in Basic auth) may reach an exception, a log line, an alert or a {@code toString}.
 */
final class SecretEncodingLeakTest {

  /** Characters every encoding changes: '+', '/', '=', '&', a space and a non-ASCII letter. */
  static final String KEY = "k3y+with/slash=and&amp sp\u00e9cial-9f27c1";
  static final String ACCOUNT = "acme corp";

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private int mark;

  @BeforeEach
  void setUp() {
    mark = LogCapture.mark();
  }

  static List<String> forms(String value) {
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    return List.of(value, form, form.replace("+", "%20"),
        Base64.getEncoder().encodeToString(("user:" + value).getBytes(StandardCharsets.UTF_8)));
  }

  static String everything(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w + " " + t;
  }

  private void assertNoForm(String where, String text) {
    for (String f : forms(KEY)) {
      assertThat(text).as("%s holds the key as %s", where, f).doesNotContain(f);
    }
  }

  private String logs() {
    return LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
  }

  @Test
  void restWithApiKeyQuery_aSpaceInASubstitutedVariableFailsAtBuildWithoutTheKey() {
    String config = "{\"monitoring_interval\": 300, \"services\": {\"vendor\": {\"type\": \"rest\", \"request\": {"
        + "\"url\": \"" + stub.baseUrl() + "/usage/${VENDOR_ACCOUNT}?start={{windowStart}}\", \"auth\": {\"type\":"
        + " \"apiKeyQuery\", \"name\": \"api_key\", \"keyEnv\": \"VENDOR_KEY\"}}, \"metrics\": [{\"name\":"
        + " \"requests\", \"valuePointer\": \"/count\"}]}}}";
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    Throwable thrown = catchThrowable(() -> RunawayMonitor.builder()
        .config(MonitorConfig.parse(config))
        .secrets(SecretSource.of(Map.of("VENDOR_KEY", KEY, "VENDOR_ACCOUNT", ACCOUNT)))
        .ticker(ManualTicker.startingAt(Instant.parse("2026-08-21T14:05:00Z")))
        .alertSink(alerts::add)
        .build().pollOnce());
    assertThat(thrown).isInstanceOf(ConfigException.class).hasMessageContaining("services.vendor.request.url")
        .hasMessageContaining("not a valid URL");
    assertNoForm("the exception", everything(thrown));
    assertThat(everything(thrown)).doesNotContain(ACCOUNT);
    assertNoForm("the alerts", alerts.toString());
    assertNoForm("the logs", logs());
    assertThat(stub.requests()).isEmpty();
  }

  @Test
  void apiClient_invalidPathWithAKeyInTheQueryFailsBeforeTheKeyIsInTheUri() throws Exception {
    Secret key = Secret.of("VENDOR_KEY", KEY);
    try (ApiClient client = ApiClient.builder().service("vendor").baseUrl(stub.baseUrl()).credential(key).build()) {
      ApiRequest request = ApiRequest.get("/usage/" + ACCOUNT).withQuery("api_key", key.reveal());
      Throwable thrown = catchThrowable(() -> client.send(request));
      assertThat(thrown).isInstanceOf(PollException.class);
      assertThat(((PollException) thrown).kind()).isEqualTo(PollException.Kind.MISCONFIGURED);
      assertThat(thrown).hasMessageContaining("not a valid URI");
      assertNoForm("the exception", everything(thrown));
      assertNoForm("the request", request.toString());
      assertNoForm("the client", client.toString());
    }
    assertNoForm("the logs", logs());
    assertThat(stub.requests()).isEmpty();
  }

  @Test
  void apiClient_errorBodyEchoingEveryFormOfTheKeyIsRedacted() throws Exception {
    Secret key = Secret.of("VENDOR_KEY", KEY);
    stub.enqueue("/usage", StubResponse.json(400, "{\"error\":{\"message\":\"bad key " + String.join(" | ",
        forms(KEY)).replace("\\", "\\\\") + "\"}}"));
    try (ApiClient client = ApiClient.builder().service("vendor").baseUrl(stub.baseUrl()).credential(key).build()) {
      Throwable thrown = catchThrowable(() -> client.send(ApiRequest.get("/usage").withQuery("api_key", KEY)));
      assertThat(thrown).isInstanceOf(PollException.class);
      assertNoForm("the exception", everything(thrown));
    }
    assertThat(stub.requests()).singleElement().satisfies(r -> assertThat(r.toString()).isNotNull());
    assertNoForm("the logs", logs());
  }
}
