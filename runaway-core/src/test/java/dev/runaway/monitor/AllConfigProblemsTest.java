package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.testing.LogCapture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Building a monitor reports the config errors of every service and notifier at once (nu42
 * trial: five typos needed five runs of {@code check}), each located, none quoting a secret; and
 * the services skipped for a missing credential are logged when polling begins, not by a monitor
 * that never polls ({@code resume}).
 */
final class AllConfigProblemsTest {

  private static final String SECRET_A = "sk-SENTINEL-aaaa-1111";
  private static final String SECRET_B = "sk-SENTINEL-bbbb-2222";

  private final MonitorFixture fx = new MonitorFixture();

  /** A provider whose settings check reads {@code limit}, the way built-in providers do. */
  private static FakeProvider strict(String type, String variable) {
    return new FakeProvider(type, List.of(variable), (s, secrets) -> {
      String key = secrets.require(variable).reveal();
      s.reader().allowOnly(java.util.Set.of("limit"));
      if (s.number("limit").orElse(1) < 0) {
        // A careless provider that quotes its credential in a config error.
        throw s.error("limit", "must be zero or more (key " + key + ")");
      }
      return FakeDetector.spending(s.name(), "0.1");
    });
  }

  @Test
  void build_errorsInTwoServices_areBothReportedInFileOrder_withoutTheirSecrets() {
    String json = "{\"services\": {\n"
        + "  \"a\": {\"type\": \"alpha\", \"limt\": 5},\n"
        + "  \"ok\": {\"type\": \"plain\"},\n"
        + "  \"b\": {\"type\": \"beta\", \"limit\": -1}\n"
        + "}}";
    int mark = LogCapture.mark();
    assertThatThrownBy(() -> RunawayMonitor.builder().config(MonitorConfig.parse(json))
        .secrets(SecretSource.of(Map.of("A_KEY", SECRET_A, "B_KEY", SECRET_B)))
        .providers(List.of(strict("alpha", "A_KEY"), strict("beta", "B_KEY"), FakeProvider.of("plain", "0.1")))
        .alertSink(a -> { }).build().close())
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).hasSize(2);
          assertThat(e.problems().get(0).getMessage()).startsWith("line 2, column 26: services.a.limt:")
              .contains("did you mean \"limit\"");
          assertThat(e.problems().get(1).getMessage()).contains("services.b.limit: must be zero or more");
          // Redacted, and still located, so it keeps its place in file order.
          assertThat(e.problems().get(1).line()).isEqualTo(4);
          assertThat(e.problems().get(1).getMessage()).contains("(key ***)");
          assertThat(e.getMessage()).startsWith("2 problems, in file order:")
              .contains("services.a.limt").contains("services.b.limit")
              .doesNotContain(SECRET_A).doesNotContain(SECRET_B).doesNotContain("SENTINEL");
          assertThat(e.path()).contains("services.a.limt");
          assertThat(e.line()).isEqualTo(2);
        });
    assertThat(LogCapture.since(mark)).noneMatch(ev -> ev.message().contains("SENTINEL"));
  }

  @Test
  void build_anEmergencyStopError_isReportedBesideAnotherServicesError() {
    String json = "{\"services\": {\n"
        + "  \"a\": {\"type\": \"alpha\", \"limt\": 5},\n"
        + "  \"ok\": {\"type\": \"plain\", \"on_runaway\": {\"actions\": [{\"type\": \"pause_projet\"}]}}\n"
        + "}}";
    assertThatThrownBy(() -> RunawayMonitor.builder().config(MonitorConfig.parse(json))
        .secrets(SecretSource.of(Map.of("A_KEY", SECRET_A, "PAUSE_TOKEN", SECRET_B)))
        .providers(List.of(strict("alpha", "A_KEY"), FakeProvider.of("plain", "0.1")))
        .actionProviders(List.of(new EmergencyStopsTest.FakeActions()))
        .alertSink(a -> { }).build().close())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(p -> p.path().orElse(""))
            .containsExactly("services.a.limt", "services.ok.on_runaway.actions[0].type"));
  }

  @Test
  void build_oneError_isThrownAsBefore_notWrapped() {
    String json = "{\"services\": {\"a\": {\"type\": \"alpha\", \"limt\": 5}}}";
    assertThatThrownBy(() -> RunawayMonitor.builder().config(MonitorConfig.parse(json))
        .secrets(SecretSource.of(Map.of("A_KEY", SECRET_A))).providers(List.of(strict("alpha", "A_KEY")))
        .alertSink(a -> { }).build().close())
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).containsExactly(e);
          assertThat(e.getMessage()).startsWith("line 1, column 38: services.a.limt: is not a known setting");
        });
  }

  @Test
  void build_skippedServices_areLoggedWhenPollingBegins_notByABuildThatNeverPolls() {
    FakeProvider needsKey = new FakeProvider("leaky", List.of("LEAKY_API_KEY"),
        (ServiceSettings s, SecretSource secrets) -> FakeDetector.spending(s.name(), "1"));
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder("{\"services\": {\"leaky\": {\"type\": \"leaky\"}}}")
        .providers(List.of(needsKey)).build()) {
      assertThat(LogCapture.since(mark)).noneMatch(e -> e.message().contains("not monitored"));
      monitor.pollOnce();
      monitor.pollOnce();
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("not monitored")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("LEAKY_API_KEY"));
  }

  @Test
  void skippedService_isOneAlertWhenPollingBegins_soAChatWithoutTheLogHearsOfIt() {
    // New-user trial: with GITHUB_TOKEN missing, start watched the other services and said so at
    // WARN in the log only; the Telegram chat, the one place a monitor's reader looks, never heard
    // that github_actions was not watched (a missing emergency-stop credential is an alert).
    FakeProvider needsKey = new FakeProvider("leaky", List.of("LEAKY_API_KEY"),
        (ServiceSettings s, SecretSource secrets) -> FakeDetector.spending(s.name(), "1"));
    try (RunawayMonitor monitor = fx.builder("{\"services\": {\"leaky\": {\"type\": \"leaky\"},"
        + " \"ok\": {\"type\": \"plain\"}}}")
        .providers(List.of(needsKey, FakeProvider.of("plain", "0.1"))).build()) {
      assertThat(fx.alerts).isEmpty();
      monitor.pollOnce();
      monitor.pollOnce();
    }
    assertThat(fx.alerts(dev.runaway.alert.AlertType.SERVICE_STATUS)).singleElement().satisfies(a -> {
      assertThat(a.service()).isEqualTo("leaky");
      assertThat(a.severity()).isEqualTo(dev.runaway.alert.Severity.WARNING);
      assertThat(a.title()).isEqualTo("Usage monitoring of leaky is off: missing credential LEAKY_API_KEY");
      assertThat(a.detail()).contains("set it and restart").contains("does not see this service's account-wide spend");
      assertThat(a.facts()).containsEntry("status", "not_monitored").containsEntry("detector", "leaky");
    });
  }
}
