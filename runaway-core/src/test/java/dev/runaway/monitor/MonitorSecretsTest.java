package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Credentials: a missing one is reported once by name; a present one never reaches a log line or an alert. */
final class MonitorSecretsTest {

  private static final String SENTINEL = "sk-SENTINEL-7f3a9c1e5b";
  private static final String CONFIG = "{\"monitoring_interval\": 300, \"services\": {"
      + "\"leaky\": {\"type\": \"leaky\"}, \"plain\": {\"type\": \"plain\"}}}";

  private final MonitorFixture fx = new MonitorFixture();

  /** A provider that needs LEAKY_API_KEY; the test's secret source does not have it. */
  private static FakeProvider needsKey() {
    return new FakeProvider("leaky", List.of("LEAKY_API_KEY"),
        (settings, secrets) -> FakeDetector.spending(settings.name(), "1"));
  }

  @Test
  void missingCredential_isReportedOnceByNameAndTheOtherServicesRun() {
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder(CONFIG)
        .providers(List.of(needsKey(), FakeProvider.of("plain", "0.10")))
        .build()) {
      for (int i = 0; i < 3; i++) {
        assertThat(monitor.pollOnce()).containsOnlyKeys("plain");
        fx.nextInterval();
      }
      assertThat(monitor.services()).containsExactly("plain");
      MonitorStatus skipped = monitor.status().get("leaky");
      assertThat(skipped.health()).isEqualTo(MonitorStatus.Health.SKIPPED);
      assertThat(skipped.lastError()).contains("LEAKY_API_KEY");
      assertThatThrownBy(() -> monitor.snapshot("leaky"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("LEAKY_API_KEY");
    }
    List<LogCapture.Event> reports = LogCapture.since(mark).stream()
        .filter(e -> e.message().contains("LEAKY_API_KEY"))
        .collect(Collectors.toList());
    assertThat(reports).singleElement().satisfies(e -> {
      assertThat(e.level()).isEqualTo(Level.WARN);
      assertThat(e.message()).contains("leaky").contains("not monitored");
    });
  }

  @Test
  void missingCredential_askedForOnlyInsideCreateIsAlsoSkippedByName() {
    FakeProvider undeclared = new FakeProvider("leaky", List.of(), (settings, secrets) -> {
      secrets.require("UNDECLARED_TOKEN");
      return FakeDetector.spending(settings.name(), "1");
    });
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder(CONFIG)
        .providers(List.of(undeclared, FakeProvider.of("plain", "0.10"))).build()) {
      assertThat(monitor.services()).containsExactly("plain");
      assertThat(monitor.status().get("leaky").lastError()).contains("UNDECLARED_TOKEN");
      monitor.pollOnce(); // the skipped service is logged when polling begins
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("UNDECLARED_TOKEN")).hasSize(1);
  }

  @Test
  void credentialWrittenWhereItsVariableNameBelongs_isAConfigErrorThatNeverQuotesIt() {
    // A user pastes the token itself into token_env: the monitor must not print it back as the
    // name of a "missing credential" (in the log, the skip status, check's credentials table).
    String config = "{\"services\": {\n"
        + "  \"leaky\": {\"type\": \"leaky\",\n"
        + "    \"auth\": {\"token_env\": \"" + SENTINEL + "\"}}}}";
    FakeProvider byName = new FakeProvider("leaky", List.of(), (settings, secrets) -> {
      secrets.require(String.valueOf(((Map<?, ?>) settings.values().get("auth")).get("token_env")));
      return FakeDetector.spending(settings.name(), "1");
    });
    int mark = LogCapture.mark();
    assertThatThrownBy(() -> fx.builder(config).providers(List.of(byName)).build().close())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          ConfigException c = (ConfigException) e;
          assertThat(c.path()).contains("services.leaky.auth.token_env");
          assertThat(c.line()).isEqualTo(3);
          assertThat(c.getMessage()).contains("environment variable").doesNotContain(SENTINEL)
              .doesNotContain("sk-SENTINEL");
        });
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.message().contains("SENTINEL"));
  }

  @Test
  void missingCredentialNameShapedLikeAToken_isAConfigErrorThatNeverQuotesIt() {
    // GitHub (ghp_...), Stripe (sk_live_...) and Vercel tokens are letters, digits and '_': valid
    // identifiers, but no one's variable name. Missing, they were printed as the credential's name.
    for (String token : List.of("ghp_R8x2Kq9LmZ4vT7wYb3Nc6Hd1Fj5Gs0Pa2Qe8", "sk_live_51HqT2aBcDeFgHiJkLmNoPq",
        "Wd3kQx9LmPz7Rt2Yv8Bn4Hc6")) {
      FakeProvider declared = new FakeProvider("leaky", List.of(token),
          (settings, secrets) -> FakeDetector.spending(settings.name(), "1"));
      String config = "{\"services\": {\"leaky\": {\"type\": \"leaky\", \"token_env\": \"" + token + "\"}}}";
      int mark = LogCapture.mark();
      assertThatThrownBy(() -> fx.builder(config).providers(List.of(declared)).build().close())
          .as(token)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("services.leaky.token_env")
          .hasMessageNotContaining(token);
      assertThat(LogCapture.since(mark)).noneMatch(e -> e.message().contains(token));
    }
  }

  @Test
  void missingCredentialWithAnOrdinaryName_isStillSkippedByName() {
    for (String name : List.of("LEAKY_API_KEY", "my_token", "Leaky.Key2")) {
      FakeProvider declared = new FakeProvider("leaky", List.of(name),
          (settings, secrets) -> FakeDetector.spending(settings.name(), "1"));
      try (RunawayMonitor monitor = fx.builder(CONFIG)
          .providers(List.of(declared, FakeProvider.of("plain", "0.10"))).build()) {
        assertThat(monitor.status().get("leaky").lastError()).as(name).contains("missing credential " + name);
      }
    }
  }

  @Test
  void declaredCredentialNameThatIsNoVariableName_isAConfigErrorToo() {
    FakeProvider declared = new FakeProvider("leaky", List.of(SENTINEL),
        (settings, secrets) -> FakeDetector.spending(settings.name(), "1"));
    String config = "{\"services\": {\"leaky\": {\"type\": \"leaky\", \"token_env\": \"" + SENTINEL + "\"}}}";
    assertThatThrownBy(() -> fx.builder(config).providers(List.of(declared)).build().close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.leaky.token_env")
        .hasMessageNotContaining(SENTINEL);
  }

  @Test
  void secretInFailureMessages_neverReachesALogLineAnAlertOrTheStatus() {
    SecretSource secrets = SecretSource.of(Map.of("LEAKY_API_KEY", SENTINEL));
    Secret[] seen = new Secret[1];
    FakeProvider provider = new FakeProvider("leaky", List.of("LEAKY_API_KEY"), (settings, src) -> {
      Secret key = src.require("LEAKY_API_KEY");
      seen[0] = key;
      List<FakeDetector.Script> scripts = List.of(
          ctx -> {
            throw new PollException(PollException.Kind.UNAUTHORIZED,
                "HTTP 401 for key " + key.reveal() + "; check LEAKY_API_KEY", null,
                new IOException("server said: invalid token " + key.reveal()));
          },
          ctx -> {
            throw new IllegalStateException("GET https://api.example.test/usage?api_key=" + key.reveal());
          },
          ctx -> {
            throw new PollException(PollException.Kind.RATE_LIMITED, "429 for " + key.reveal(),
                Duration.ofSeconds(1), null);
          },
          ctx -> FakeDetector.span("leaky", ctx, "0.10", 1));
      int[] call = {0};
      return new FakeDetector(settings.name(), ctx -> scripts.get(Math.min(call[0]++, scripts.size() - 1)).poll(ctx));
    });
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(CONFIG))
        .secrets(secrets)
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(Runnable::run)
        .alertSink(fx.alerts::add)
        .providers(List.of(provider, FakeProvider.of("plain", "0.10")))
        .build()) {
      for (int i = 0; i < 5; i++) {
        monitor.pollOnce();
        assertThat(monitor.status().toString()).doesNotContain(SENTINEL);
        fx.nextInterval();
      }
      assertThat(monitor.toString()).doesNotContain(SENTINEL);
    }
    assertThat(seen[0].reveal()).isEqualTo(SENTINEL); // the detector really had it
    List<Alert> status = fx.alerts(AlertType.SERVICE_STATUS, "leaky");
    assertThat(status).extracting(Alert::severity).containsExactly(Severity.CRITICAL, Severity.INFO);
    assertThat(status.get(0).detail()).contains("***").contains("LEAKY_API_KEY");
    assertThat(fx.alerts.toString()).doesNotContain(SENTINEL);
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
    assertThat(logs).contains("LEAKY_API_KEY").doesNotContain(SENTINEL);
  }

  @Test
  void providerConfigErrorQuotingTheSecret_isRethrownWithoutIt() {
    SecretSource secrets = SecretSource.of(Map.of("LEAKY_API_KEY", SENTINEL));
    FakeProvider provider = new FakeProvider("leaky", List.of("LEAKY_API_KEY"), (settings, src) -> {
      throw settings.error("base_url", "cannot use key " + src.require("LEAKY_API_KEY").reveal() + " here");
    });
    int mark = LogCapture.mark();
    assertThatThrownBy(() -> RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(CONFIG))
        .secrets(secrets)
        .ticker(fx.ticker)
        .providers(List.of(provider, FakeProvider.of("plain", "0.10")))
        .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.leaky.base_url")
        .hasMessageNotContaining(SENTINEL);
    assertThat(LogCapture.since(mark).toString()).doesNotContain(SENTINEL);
  }

  @Test
  void encodedSecretInFailureMessages_neverReachesALogLineAnAlertOrTheStatus() {
    String key = "k3y+with/slash=and&amp sp\u00e9cial-9f27c1";
    String form = java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
    String basic = java.util.Base64.getEncoder().encodeToString(("svc:" + key)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    List<String> forms = List.of(key, form, form.replace("+", "%20"), basic);
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = failingWith(key, new IllegalArgumentException("Illegal character in path at"
        + " index 28: http://127.0.0.1/usage/a b?api_key=" + form.replace("+", "%20") + "&raw=" + form
        + " Authorization: Basic " + basic))) {
      monitor.pollOnce();
      String status = monitor.status().toString();
      forms.forEach(f -> assertThat(status).doesNotContain(f));
    }
    assertThat(fx.alerts(AlertType.SERVICE_STATUS, "leaky")).isNotEmpty();
    String alerts = fx.alerts.toString();
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
    for (String f : forms) {
      assertThat(alerts).as("alerts, form %s", f).doesNotContain(f);
      assertThat(logs).as("logs, form %s", f).doesNotContain(f);
    }
    assertThat(alerts).contains("api_key=***");
  }

  @Test
  void shortSecret_isWarnedAboutAndDoesNotMangleOrdinaryWords() {
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = failingWith("x", new IllegalStateException("raise 40_max_pages or the limit"))) {
      monitor.pollOnce();
    }
    assertThat(fx.alerts(AlertType.SERVICE_STATUS, "leaky").get(0).detail()).contains("40_max_pages");
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN
        && e.message().contains("LEAKY_API_KEY") && e.message().contains("implausibly short")).hasSize(1);
  }

  /** A monitor whose "leaky" service holds LEAKY_API_KEY = {@code key} and fails every poll with {@code failure}. */
  private RunawayMonitor failingWith(String key, RuntimeException failure) {
    FakeProvider provider = new FakeProvider("leaky", List.of("LEAKY_API_KEY"), (settings, src) -> {
      src.require("LEAKY_API_KEY");
      return new FakeDetector(settings.name(), ctx -> {
        throw failure;
      });
    });
    return RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(CONFIG))
        .secrets(SecretSource.of(Map.of("LEAKY_API_KEY", key)))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(Runnable::run)
        .alertSink(fx.alerts::add)
        .providers(List.of(provider, FakeProvider.of("plain", "0.10")))
        .build();
  }
}
