package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.config.MonitorConfig.CircuitBreakerSettings;
import dev.runaway.config.MonitorConfig.CostThresholds;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

final class MonitorConfigTest {

  @TempDir
  Path dir;

  @Test
  void seedFile_loadsUnchangedWithExactValues() {
    Path seed = Path.of("../config/monitor_config.json");

    MonitorConfig config = MonitorConfig.load(seed);

    assertThat(config.file()).contains(seed);
    assertThat(config.monitoringInterval()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.costThresholds()).containsExactly(
        Map.entry("openai", new CostThresholds(Cost.usd("10"), Cost.usd("100"))),
        Map.entry("github_actions", new CostThresholds(Cost.usd("5"), Cost.usd("50"))));
    assertThat(config.costThresholds().get("openai").budgets())
        .containsExactly(Budget.hourly(Cost.usd("10")), Budget.daily(Cost.usd("100")));
    assertThat(config.usageSpikeMultiplier()).isEqualTo(3.0);
    assertThat(config.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(true, 5.0));
    assertThat(config.services()).containsOnlyKeys("openai", "github_actions");
    assertThat(config.services().keySet()).containsExactly("openai", "github_actions");
    assertThat(config.services().get("openai").type()).isEqualTo("openai");
    assertThat(config.services().get("github_actions").type()).isEqualTo("github_actions");
    assertThat(config.services().get("github_actions").values()).isEmpty();
    assertThat(config.notifications()).isEmpty();
    assertThat(config.stateDir()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    MonitorConfig config = MonitorConfig.defaults();

    assertThat(config.file()).isEmpty();
    assertThat(config.monitoringInterval()).isEqualTo(MonitorConfig.DEFAULT_INTERVAL).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.usageSpikeMultiplier()).isEqualTo(MonitorConfig.DEFAULT_SPIKE_MULTIPLIER).isEqualTo(3.0);
    assertThat(config.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(MonitorConfig.DEFAULT_BREAKER_ENABLED,
        MonitorConfig.DEFAULT_BREAKER_MULTIPLIER));
    assertThat(config.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(true, 5.0));
    assertThat(config.costThresholds()).isEmpty();
    assertThat(config.services()).isEmpty();
    assertThat(config.notifications()).isEmpty();
    assertThat(config.stateDir()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void nullValues_countAsAbsent() {
    MonitorConfig config = MonitorConfig.parse("""
        {"monitoring_interval": null, "cost_thresholds": {"openai": {"hourly": null, "daily": 5}, "x": null},
         "circuit_breaker": {"enabled": null}, "services": null, "notifications": {"telegram": null},
         "state_dir": null}
        """);

    assertThat(config.monitoringInterval()).isEqualTo(MonitorConfig.DEFAULT_INTERVAL);
    assertThat(config.costThresholds()).containsExactly(
        Map.entry("openai", new CostThresholds(null, Cost.usd("5"))));
    assertThat(config.circuitBreaker().enabled()).isTrue();
    assertThat(config.services()).containsOnlyKeys("openai");
    assertThat(config.notifications()).isEmpty();
    assertThat(config.stateDir()).isEmpty();
  }

  @Test
  void fullFile_keepsServicesNotificationsAndProviderValues() throws Exception {
    Path file = resource("config/full_monitor_config.json");

    MonitorConfig config = MonitorConfig.load(file);

    assertThat(config.monitoringInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.usageSpikeMultiplier()).isEqualTo(2.5);
    assertThat(config.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(false, 4.0));
    // Rounded half-up to the nano-dollar.
    assertThat(config.costThresholds().get("stripe").hourly()).contains(Cost.ofNanos(2));
    assertThat(config.costThresholds().get("github_actions").hourly()).isEmpty();
    // In order of first appearance, explicit and implicit services together.
    assertThat(config.services().keySet()).containsExactly("github_actions", "openai", "stripe", "search-api");
    assertThat(config.services().get("stripe").type()).isEqualTo("stripe");
    assertThat(config.services().get("search-api").type()).isEqualTo("rest");

    ServiceSettings openai = config.services().get("openai");
    assertThat(openai.file()).contains(file);
    assertThat(openai.values().keySet()).containsExactly("base_url", "project", "price_per_1k", "max_pages", "big",
        "include_batch", "orgs", "prices");
    assertThat(openai.values()).containsEntry("project", "proj_123")
        .containsEntry("price_per_1k", 0.002)
        .containsEntry("max_pages", 10L)
        .containsEntry("big", 1.2345678901234568E29)
        .containsEntry("include_batch", true)
        .containsEntry("orgs", List.of("a", "b"))
        .containsEntry("prices", Map.of("gpt-4o", Map.of("input", 2.5, "output", 10L)));
    assertThat(openai.baseUrl("https://api.openai.com/v1")).isEqualTo(new URI("http://127.0.0.1:8080/v1"));
    assertThat(openai.stringList("orgs")).containsExactly("a", "b");
    assertThat(openai.number("price_per_1k")).hasValue(0.002);
    assertThat(config.services().get("search-api").baseUrl("https://example.org/"))
        .isEqualTo(new URI("https://example.org"));

    assertThat(config.notifications().keySet()).containsExactly("telegram", "webhook");
    assertThat(config.notifications().get("telegram")).isEmpty();
    assertThat(config.notifications().get("webhook")).containsExactly(Map.entry("url_env", "ALERT_WEBHOOK_URL"),
        Map.entry("retries", 3L));
    assertThat(config.stateDir()).contains(file.toAbsolutePath().getParent().resolve("state"));
  }

  @Test
  void collections_areUnmodifiable() throws Exception {
    MonitorConfig config = MonitorConfig.load(resource("config/full_monitor_config.json"));

    assertThatThrownBy(() -> config.services().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> config.costThresholds().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> config.notifications().get("webhook").clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> config.services().get("openai").stringList("orgs").clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> config.warnings().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void serviceSettingsErrors_pointAtTheKeyOrTheServiceEntry() throws IOException {
    Path file = write("""
        {
          "services": {
            "github": {
              "type": "github_actions",
              "price": "cheap"
            }
          },
          "cost_thresholds": {"stripe": {}}
        }
        """);
    MonitorConfig config = MonitorConfig.load(file);
    ServiceSettings github = config.services().get("github");

    ConfigException wrongType = catchThrowableOfType(ConfigException.class, () -> github.number("price"));
    ConfigException missing = catchThrowableOfType(ConfigException.class, () -> github.requireString("org", "your"
        + " organisation's login"));
    ConfigException implicit = catchThrowableOfType(ConfigException.class,
        () -> config.services().get("stripe").requireString("account", "the account id"));

    assertThat(wrongType.getMessage()).isEqualTo(file + ":5:7: services.github.price: must be a number, got a string");
    assertThat(missing.getMessage())
        .isEqualTo(file + ":3:5: services.github.org: is required: your organisation's login");
    assertThat(implicit.getMessage()).startsWith(file + ":8:23: services.stripe.account: is required");
  }

  @Test
  void stateDir_relativeIsResolvedAgainstTheConfigFolder() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("etc").resolve("runaway"));

    Path file = write(sub, "{\"state_dir\": \"state\"}");
    Path up = write(sub.resolve("up.json"), "{\"state_dir\": \"../var/./state\"}");
    Path absolute = write(sub.resolve("abs.json"), "{\"state_dir\": \"" + dir.resolve("abs").toAbsolutePath()
        .toString().replace("\\", "\\\\") + "\"}");

    assertThat(MonitorConfig.load(file).stateDir()).contains(sub.toAbsolutePath().resolve("state"));
    assertThat(MonitorConfig.load(up).stateDir()).contains(dir.toAbsolutePath().resolve("etc/var/state"));
    assertThat(MonitorConfig.load(absolute).stateDir()).contains(dir.resolve("abs").toAbsolutePath());
  }

  @Test
  void stateDir_relativeWithoutAFileStaysRelative() {
    assertThat(MonitorConfig.parse("{\"state_dir\": \"var/state\"}").stateDir()).contains(Path.of("var/state"));
  }

  @Test
  void load_missingFile_namesTheFileAndHowToStart() {
    Path missing = dir.resolve("nope.json");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.load(missing));

    assertThat(e.getMessage()).startsWith(missing + ": no such file").contains(missing.toAbsolutePath().toString())
        .contains("create it");
    assertThat(e.file()).contains(missing);
  }

  @Test
  void load_directory_saysToPassTheFile() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.load(dir));

    assertThat(e.getMessage()).startsWith(dir + ": is a folder, not a config file")
        .contains(dir.resolve("monitor_config.json").toString());
  }

  @Test
  void load_notUtf8_namesTheLine() throws IOException {
    Path file = dir.resolve("latin1.json");
    Files.write(file, "{\n  \"state_dir\": \"caf\u00e9\"\n}".getBytes(StandardCharsets.ISO_8859_1));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MonitorConfig.load(file));

    assertThat(e.getMessage()).startsWith(file + ":2:20: is not UTF-8 text").contains("save the file as UTF-8");
  }

  @Test
  void load_acceptsAByteOrderMarkAndNonAsciiText() throws IOException {
    Path file = dir.resolve("bom.json");
    Files.write(file, "\uFEFF{\"state_dir\": \"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(MonitorConfig.load(file).stateDir()).contains(dir.toAbsolutePath().resolve("caf\u00e9"));
  }

  @Test
  void warnings_hourlyAboveDaily_isReportedAndLoggedNotRejected() throws IOException {
    Path file = write("""
        {
          "cost_thresholds": {"openai": {"hourly": 20, "daily": 10}}
        }
        """);
    int mark = LogCapture.mark();

    MonitorConfig config = MonitorConfig.load(file);

    assertThat(config.warnings()).containsExactly(
        file + ":2:33: cost_thresholds.openai: the hourly limit $20.00 is above the daily limit $10.00, so the daily"
            + " limit binds first");
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN)
        .extracting(LogCapture.Event::message)
        .containsExactly("Config: " + config.warnings().get(0));
  }

  @Test
  void load_breakerMultiplierBelowSpike_isRaisedWithAWarningNamingFileLineKeyAndFix() throws IOException {
    // Deprecation path: such a file loaded (silently clamped) before; it still loads, loudly.
    Path file = write("""
        {
          "usage_spike_multiplier": 4.0,
          "circuit_breaker": {"threshold_multiplier": 2.0}
        }
        """);

    MonitorConfig config = MonitorConfig.load(file);

    assertThat(config.circuitBreaker().thresholdMultiplier()).isEqualTo(4.0);
    assertThat(config.warnings()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(file + ":3:47: circuit_breaker.threshold_multiplier: 2.0 is below usage_spike_multiplier 4.0")
        .contains("so 4.0 is used instead")
        .contains("set circuit_breaker.threshold_multiplier to at least 4.0 or lower usage_spike_multiplier to at"
            + " most 2.0")
        .contains("a future version will reject this config");
    // The rule itself lives in DetectionSettings, which the config's value now passes.
    assertThat(DetectionSettings.builder().spikeMultiplier(4.0).breakerMultiplier(
        config.circuitBreaker().thresholdMultiplier()).build().breakerMultiplier()).isEqualTo(4.0);
  }

  @Test
  void parse_breakerMultiplierBelowSpike_isRaisedEvenWhenTheBreakerIsDisabled() {
    // The multiple still classifies runaways when the breaker only alerts.
    MonitorConfig config = MonitorConfig.parse("""
        {"usage_spike_multiplier": 4.0, "circuit_breaker": {"enabled": false, "threshold_multiplier": 2.0}}
        """);

    assertThat(config.circuitBreaker().thresholdMultiplier()).isEqualTo(4.0);
    assertThat(config.warnings()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("circuit_breaker.threshold_multiplier: 2.0 is below usage_spike_multiplier 4.0");
  }

  @Test
  void parse_spikeAboveTheDefaultBreakerMultiplier_warnsAtTheSpikeKey() {
    MonitorConfig config = MonitorConfig.parse("{\"usage_spike_multiplier\": 6.0}");

    assertThat(config.circuitBreaker().thresholdMultiplier()).isEqualTo(6.0);
    assertThat(config.warnings()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("usage_spike_multiplier: circuit_breaker.threshold_multiplier (default) 5.0 is below"
            + " usage_spike_multiplier 6.0")
        .contains("at least 6.0");
  }

  @Test
  void parse_acceptsBreakerMultiplierEqualToSpike() {
    MonitorConfig config = MonitorConfig.parse(
        "{\"usage_spike_multiplier\": 4.0, \"circuit_breaker\": {\"threshold_multiplier\": 4.0}}");

    assertThat(config.circuitBreaker().thresholdMultiplier()).isEqualTo(4.0);
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void integralFloatInterval_isAccepted() {
    assertThat(MonitorConfig.parse("{\"monitoring_interval\": 6e1}").monitoringInterval())
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(MonitorConfig.parse("{\"monitoring_interval\": 86400}").monitoringInterval())
        .isEqualTo(Duration.ofDays(1));
    assertThat(MonitorConfig.parse("{\"monitoring_interval\": 1.0}").monitoringInterval())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void toString_namesServicesButNotTheirValues() throws Exception {
    MonitorConfig config = MonitorConfig.load(resource("config/full_monitor_config.json"));

    assertThat(config.toString()).contains("openai", "webhook", "monitoringInterval=PT1M")
        .doesNotContain("proj_123", "ALERT_WEBHOOK_URL", "127.0.0.1");
    assertThat(config.services().get("openai").toString()).contains("project")
        .doesNotContain("proj_123", "127.0.0.1");
  }

  private Path write(String json) throws IOException {
    return write(dir.resolve("monitor_config.json"), json);
  }

  private static Path write(Path file, String json) throws IOException {
    Path target = Files.isDirectory(file) ? file.resolve("monitor_config.json") : file;
    return Files.writeString(target, json, StandardCharsets.UTF_8);
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(MonitorConfigTest.class.getClassLoader().getResource(name).toURI());
  }
}
