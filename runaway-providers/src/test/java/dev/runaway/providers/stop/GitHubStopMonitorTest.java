package dev.runaway.providers.stop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Severity;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone monitor against a loopback GitHub whose workflow loops: the day's Actions bill
 * passes the daily budget, and within the same polling round the workflow is disabled and its
 * runs cancelled (actions found with the ServiceLoader, as in production); the record survives a
 * restart; resume re-enables the workflow.
 */
final class GitHubStopMonitorTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  private static final String WF = "/repos/acme-corp/api/actions/workflows/ci.yml";
  @RegisterExtension
  final StubServer stub = StubServer.start();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  @TempDir
  Path dir;

  @BeforeEach
  void start() {
    stub.route("/organizations/acme-corp/settings/billing/usage",
        r -> StubResponse.ok(Fixtures.read("github/usage-day-1.json")));
    stub.route(WF + "/disable", r -> StubResponse.json(204, ""));
    stub.route(WF + "/enable", r -> StubResponse.json(204, ""));
    stub.route(WF + "/runs", r -> StubResponse.ok("queued".equals(r.param("status").orElse(""))
        ? Fixtures.read("stop/github-runs-queued.json")
        : "in_progress".equals(r.param("status").orElse("")) ? Fixtures.read("stop/github-runs-in-progress.json")
        : "{\"total_count\":0,\"workflow_runs\":[]}"));
    for (String id : List.of("30433641", "30433642", "30433643")) {
      stub.route("/repos/acme-corp/api/actions/runs/" + id + "/cancel", r -> StubResponse.json(202, "{}"));
    }
  }

  private String config(String confirm) {
    return "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\",\n"
        + " \"cost_thresholds\": {\"github\": {\"daily\": 50.0}},\n"
        + " \"services\": {\"github\": {\"type\": \"github_actions\", \"org\": \"acme-corp\", \"base_url\": \""
        + stub.baseUrl() + "\",\n"
        + "   \"on_runaway\": {\"confirm\": \"" + confirm + "\", \"retry_backoff_seconds\": 0,\n"
        + "     \"actions\": [{\"type\": \"github_disable_workflow\", \"repository\": \"acme-corp/api\","
        + " \"workflow\": \"ci.yml\"}]}}}}";
  }

  private RunawayMonitor monitor(String confirm) {
    return RunawayMonitor.builder()
        .config(MonitorConfig.parse(config(confirm)))
        .secrets(SecretSource.of(Map.of("GITHUB_TOKEN", StopActionsTest.TOKEN)))
        .ticker(ManualTicker.startingAt(NOW))
        .executor(Runnable::run)
        .actionExecutor(Runnable::run)
        .alertSink(alerts::add)
        .build();
  }

  private List<String> writes() {
    return stub.requests().stream().filter(r -> !r.method().equals("GET"))
        .map(r -> r.method() + " " + r.path()).collect(Collectors.toList());
  }

  private List<Alert> stopAlerts() {
    return alerts.stream().filter(a -> "emergency_stop".equals(a.key())).collect(Collectors.toList());
  }

  @Test
  void loopingWorkflow_isDisabledAndItsRunsCancelledInThePollThatSawIt_andResumeAfterARestartEnablesIt()
      throws Exception {
    try (RunawayMonitor monitor = monitor("auto")) {
      monitor.pollOnce(); // $76.80 of Actions today against a $50 daily budget

      assertThat(writes()).containsExactly("PUT " + WF + "/disable",
          "POST /repos/acme-corp/api/actions/runs/30433642/cancel",
          "POST /repos/acme-corp/api/actions/runs/30433643/cancel",
          "POST /repos/acme-corp/api/actions/runs/30433641/cancel");
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains("Stopped: disable GitHub Actions workflow ci.yml in acme-corp/api and cancel"
            + " its queued and in-progress runs").contains("runaway-monitor resume github")
            .contains("gh workflow enable ci.yml -R acme-corp/api");
      });
      monitor.pollOnce(); // still over budget: nothing is called twice in one episode
      assertThat(writes()).hasSize(4);
    }

    try (RunawayMonitor restarted = monitor("auto")) {
      assertThat(restarted.stopped()).containsOnlyKeys("github");
      assertThat(restarted.stopped().get("github").since()).isEqualTo(NOW);
      restarted.resume("github");
      assertThat(writes()).last().isEqualTo("PUT " + WF + "/enable");
      assertThat(restarted.stopped()).isEmpty();
    }
    try (RunawayMonitor again = monitor("auto")) {
      assertThat(again.stopped()).isEmpty();
    }
    for (RecordedRequest r : stub.requests()) {
      assertThat(r.header("authorization")).hasValue("Bearer " + StopActionsTest.TOKEN);
    }
    String record = Files.readString(dir.resolve("monitor").resolve("emergency-stops.json"));
    assertThat(record).doesNotContain(StopActionsTest.TOKEN);
    assertThat(alerts).allSatisfy(a -> assertThat(a.toString()).doesNotContain(StopActionsTest.TOKEN));
  }

  @Test
  void dryRun_callsNothingAndTheAlertSaysWhatWouldHaveBeenDone() {
    try (RunawayMonitor monitor = monitor("dry_run")) {
      monitor.pollOnce();
      assertThat(writes()).isEmpty();
      assertThat(stub.requests()).allSatisfy(r -> assertThat(r.path()).doesNotContain("/actions/"));
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.WARNING);
        assertThat(a.detail()).contains("would have done: 1) disable GitHub Actions workflow ci.yml in acme-corp/api")
            .contains("Nothing was called");
      });
      assertThat(monitor.stopped()).isEmpty();
    }
  }

  @Test
  void missingPermission_isACriticalAlertWithTheManualStep() {
    stub.route(WF + "/disable", r -> StubResponse.json(403,
        "{\"message\":\"Resource not accessible by personal access token\"}"));
    try (RunawayMonitor monitor = monitor("auto")) {
      monitor.pollOnce();
      assertThat(stub.requestsTo(WF + "/disable")).hasSize(1); // a refused permission is not retried
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains("do it by hand: gh workflow disable ci.yml -R acme-corp/api")
            .contains("Actions: write").doesNotContain(StopActionsTest.TOKEN);
      });
    }
  }

  @Test
  void serverError_isRetriedThenACriticalAlert() {
    stub.route(WF + "/disable", r -> StubResponse.json(503, "{\"message\":\"unavailable\"}"));
    try (RunawayMonitor monitor = monitor("auto")) {
      monitor.pollOnce();
      assertThat(stub.requestsTo(WF + "/disable")).hasSize(3);
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains("3 attempts failed").contains("HTTP 503");
      });
    }
  }
}
