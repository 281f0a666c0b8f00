package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.monitor.internal.TrackingSecrets;
import dev.runaway.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Monitor messages that used to mislead a new user (issue 18). */
final class MisleadingMonitorMessagesTest {

  private final MonitorFixture fx = new MonitorFixture();

  private static FakeProvider needsKey(String type) {
    return new FakeProvider(type, List.of("LEAKY_API_KEY"), (s, secrets) -> FakeDetector.spending(s.name(), "1"));
  }

  @Test
  void build_theOnlyServiceSkipped_doesNotClaimTheOthersAreMonitored() {
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder("{\"services\": {\"leaky\": {\"type\": \"leaky\"}}}")
        .providers(List.of(needsKey("leaky"))).build()) {
      assertThat(monitor.services()).isEmpty();
      monitor.pollOnce(); // the skipped service is logged when polling begins (nu42)
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("not monitored")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("No service is monitored.")
            .doesNotContain("other services are monitored"));
  }

  @Test
  void build_oneSkippedOneRunning_namesTheOneThatRuns() {
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder("{\"services\": {\"leaky\": {\"type\": \"leaky\"}, "
        + "\"plain\": {\"type\": \"plain\"}}}").providers(List.of(needsKey("leaky"), FakeProvider.of("plain", "0.1")))
        .build()) {
      assertThat(monitor.services()).containsExactly("plain");
      monitor.pollOnce(); // the skipped service is logged when polling begins (nu42)
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("not monitored")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("Service plain is monitored."));
  }

  /**
   * A plug-in whose {@code create} throws (its backend down at start) failed the whole monitor
   * with a ConfigException, so no service was watched (nu27 trial: {@code check} and {@code start}
   * exited 2). It is now skipped and reported like a service without credentials.
   */
  @Test
  void build_aProviderWhoseCreateThrows_skipsThatService_andMonitorsTheOthers() {
    FakeProvider broken = new FakeProvider("vaulted", List.of(), (s, secrets) -> {
      throw new IllegalStateException("vault unreachable");
    });
    int mark = LogCapture.mark();
    try (RunawayMonitor monitor = fx.builder("{\"services\": {\"vaulted\": {\"type\": \"vaulted\"}, "
        + "\"plain\": {\"type\": \"plain\"}}}").providers(List.of(broken, FakeProvider.of("plain", "0.1")))
        .build()) {
      assertThat(monitor.services()).containsExactly("plain");
      assertThat(monitor.status().get("vaulted")).satisfies(st -> {
        assertThat(st.health()).isEqualTo(MonitorStatus.Health.SKIPPED);
        assertThat(st.lastError()).contains("could not be created").contains("vault unreachable");
      });
      monitor.pollOnce(); // the skipped service is logged when polling begins (nu42)
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.message().contains("not monitored")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("vaulted").contains("fix the cause and restart")
            .contains("Service plain is monitored."));
  }

  @Test
  void build_aBudgetUnderAMisspeltServiceName_namesTheBudgetAndTheServiceMeant() {
    // nu30 config trial: "serach_b" under cost_thresholds was reported as
    // "services.serach_b.type: unknown detector type 'serach_b'", a key the file does not have.
    String json = "{\"cost_thresholds\": {\"search_a\": {\"daily\": 5},\n  \"serach_b\": {\"daily\": 20}},\n"
        + " \"services\": {\"search_a\": {\"type\": \"plain\"}, \"search_b\": {\"type\": \"plain\"}}}";
    assertThatThrownBy(() -> fx.builder(json).providers(List.of(FakeProvider.of("plain", "0.1"))).build().close())
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.path()).contains("cost_thresholds.serach_b");
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.getMessage()).contains("did you mean the service 'search_b'? Rename this key to search_b")
              .doesNotContain("services.serach_b");
        });
  }

  @Test
  void build_aBudgetForAServiceOfItsTypeNameWithoutAService_isStillMonitoredByThatType() {
    try (RunawayMonitor monitor = fx.builder("{\"cost_thresholds\": {\"plain\": {\"daily\": 5}},"
        + " \"services\": {\"plain2\": {\"type\": \"plain\"}}}").providers(List.of(FakeProvider.of("plain", "0.1")))
        .build()) {
      assertThat(monitor.services()).containsExactly("plain", "plain2");
    }
  }

  @Test
  void describe_namesTheExceptionAStandInRepresents_notItsWrapperClass() {
    TrackingSecrets secrets = new TrackingSecrets(dev.runaway.config.SecretSource.of(java.util.Map.of()));
    Exception standIn = new Exception("Connection refused") {
      @Override
      public String toString() {
        return "java.net.ConnectException: Connection refused"; // as a sanitized copy names its original
      }
    };
    PollException e = new PollException(PollException.Kind.UNAVAILABLE, "could not reach the API", null, standIn);
    assertThat(secrets.describe(e)).isEqualTo("could not reach the API; caused by ConnectException: Connection refused");
  }
}
