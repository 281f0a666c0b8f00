package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class EmergencyStopsTest {

  private static final String SECRET = "sk-live-TOPSECRET-123";

  @TempDir
  Path dir;

  private final MonitorFixture fx = new MonitorFixture();

  /** A scripted action: counts calls, fails as told, returns a record for its undo. */
  static final class FakeAction implements EmergencyAction {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> undone = new CopyOnWriteArrayList<>();
    volatile Exception failWith;
    volatile int failures = Integer.MAX_VALUE;
    private final String target;

    FakeAction(String target) {
      this.target = target;
    }

    @Override
    public String plan() {
      return "pause project " + target;
    }

    @Override
    public String manualUndo() {
      return "unpause project " + target + " in the console";
    }

    @Override
    public String manualStep() {
      return "pause project " + target + " in the console (the token needs the projects:write permission)";
    }

    @Override
    public Map<String, String> execute(Duration timeout) throws Exception {
      calls.add("execute");
      if (failWith != null && failures-- > 0) {
        throw failWith;
      }
      return Map.of("previous_limit", "500");
    }

    @Override
    public void undo(Map<String, String> record, Duration timeout) {
      calls.add("undo");
      undone.add(record);
    }
  }

  static class FakeActions implements EmergencyActionProvider {
    final List<FakeAction> created = new ArrayList<>();
    Exception failWith;
    int failures = Integer.MAX_VALUE;

    @Override
    public String type() {
      return "pause_project";
    }

    @Override
    public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
      return List.of("PAUSE_TOKEN");
    }

    @Override
    public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
        SecretSource secrets) {
      secrets.get("PAUSE_TOKEN").orElseThrow();
      Object target = action.get("project");
      if (!(target instanceof String)) {
        throw service.error(path + ".project", "is required: the project to pause");
      }
      FakeAction a = new FakeAction((String) target);
      a.failWith = failWith;
      a.failures = failures;
      created.add(a);
      return a;
    }
  }

  private String config(String onRunaway) {
    return "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\","
        + " \"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0}},"
        + " \"services\": {\"alpha\": {\"type\": \"alpha\", \"on_runaway\": " + onRunaway + "}}}";
  }

  private static final String AUTO = "{\"confirm\": \"auto\", \"retry_backoff_seconds\": 0,"
      + " \"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}";

  private RunawayMonitor monitor(String json, FakeActions actions) {
    return monitor(json, actions, true);
  }

  private RunawayMonitor monitor(String json, FakeActions actions, boolean keepBaselines) {
    return RunawayMonitor.builder()
        .keepBaselines(keepBaselines)
        .config(MonitorConfig.parse(json))
        .secrets(SecretSource.of(Map.of("PAUSE_TOKEN", SECRET)))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(Runnable::run)
        .actionExecutor(Runnable::run)
        .alertSink(fx.alerts::add)
        .detector(FakeDetector.spending("alpha", "5"))
        .actionProviders(List.of(actions))
        .build();
  }

  private List<Alert> stopAlerts() {
    return fx.alerts.stream().filter(a -> "emergency_stop".equals(a.key())).collect(Collectors.toList());
  }

  private void assertNoSecret() {
    for (Alert a : fx.alerts) {
      assertThat(a.toString()).doesNotContain(SECRET);
    }
  }

  @Test
  void usedUpBudget_firesTheActionOncePerEpisodeAndTheAlertSaysWhatAndHowToUndo() {
    FakeActions actions = new FakeActions();
    try (RunawayMonitor monitor = monitor(config(AUTO), actions)) {
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();

      assertThat(actions.created).singleElement().satisfies(a -> assertThat(a.calls).containsExactly("execute"));
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.type()).isEqualTo(AlertType.CIRCUIT_BREAKER);
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains("Stopped: pause project prj_1")
            .contains("runaway-monitor resume alpha")
            .contains("unpause project prj_1 in the console");
        assertThat(a.facts()).containsEntry("undo", "runaway-monitor resume alpha");
      });
      assertThat(monitor.stopped()).containsOnlyKeys("alpha");
      assertThat(monitor.stopped().get("alpha").since()).isEqualTo(fx.ticker.instant().minus(Duration.ofMinutes(10)));
      assertThat(monitor.stopped().get("alpha").actions()).containsExactly("pause project prj_1");
      // Monitor trial: without a guard attached, the budget alert said "Calls that need more are
      // refused", which nothing here does; it names the emergency stop instead.
      assertThat(fx.alerts).filteredOn(a -> a.type() == AlertType.COST_THRESHOLD && a.severity() == Severity.CRITICAL)
          .singleElement().satisfies(a -> assertThat(a.detail()).doesNotContain("Calls that need more are refused")
              .contains("no guard attached", "emergency stop (on_runaway)"));
    }
    assertNoSecret();
  }

  @Test
  void dryRun_callsNothingAndTheAlertSaysWhatWouldHaveBeenDone() {
    FakeActions actions = new FakeActions();
    String dry = "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}"; // dry_run is the default
    try (RunawayMonitor monitor = monitor(config(dry), actions)) {
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();

      assertThat(actions.created.get(0).calls).isEmpty();
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.WARNING);
        assertThat(a.title()).contains("dry run");
        assertThat(a.detail()).contains("would have done: 1) pause project prj_1").contains("Nothing was called");
      });
      assertThat(monitor.stopped()).isEmpty();
    }
    assertThat(dir.resolve("monitor").resolve("emergency-stops.json")).doesNotExist();
  }

  /**
   * New-user trial: every emergency-stop alert (dry run, stopped, resumed) ended in Telegram with
   * the notifier's default "Check the breaker of github_actions (key emergency_stop)": a breaker and
   * a key that the user cannot find. Each now names its own next step.
   */
  @Test
  void stopAlerts_nameTheirOwnNextStep_notABreakerOfKeyEmergencyStop() {
    String dry = "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}";
    try (RunawayMonitor monitor = monitor(config(dry), new FakeActions())) {
      monitor.pollOnce();
      assertThat(stopAlerts()).singleElement().satisfies(a -> assertThat(a.facts().get("action"))
          .contains("Nothing was stopped", "on_runaway.confirm", "\"auto\""));
    }
    fx.alerts.clear();
    try (RunawayMonitor monitor = monitor(config(AUTO), new FakeActions())) {
      monitor.pollOnce();
      assertThat(stopAlerts()).singleElement().satisfies(a -> assertThat(a.facts().get("action"))
          .contains("ind what ran away on alpha", "runaway-monitor resume alpha"));
      monitor.resume("alpha");
      assertThat(stopAlerts()).last().satisfies(a -> assertThat(a.facts().get("action"))
          .startsWith("No action needed"));
    }
    fx.alerts.clear();
    FakeActions failing = new FakeActions();
    failing.failWith = new PollException(PollException.Kind.UNAUTHORIZED, "HTTP 403", null, null);
    try (RunawayMonitor monitor = monitor(config(AUTO), failing)) {
      fx.ticker.advance(Duration.ofHours(2));
      monitor.pollOnce();
      assertThat(stopAlerts()).last().satisfies(a -> assertThat(a.facts().get("action"))
          .contains("by hand").doesNotContain("Check the breaker"));
    }
  }

  @Test
  void resume_afterARestartUndoesWithTheRecordedStateAndForgetsTheStop() {
    FakeActions first = new FakeActions();
    try (RunawayMonitor monitor = monitor(config(AUTO), first)) {
      monitor.pollOnce();
    }
    assertThat(first.created.get(0).calls).containsExactly("execute");
    Path record = dir.resolve("monitor").resolve("emergency-stops.json");
    assertThat(record).exists();

    FakeActions second = new FakeActions();
    int mark = dev.runaway.testing.LogCapture.mark();
    try (RunawayMonitor monitor = monitor(config(AUTO), second)) {
      // Built but not started (as runaway-monitor resume and stopped do): no "stopped by an earlier
      // run ... resume undoes it" warning while the user is resuming it (nu27 trial); start says it.
      assertThat(dev.runaway.testing.LogCapture.since(mark)).noneMatch(e -> e.message().contains("earlier run"));
      assertThat(monitor.stopped()).containsOnlyKeys("alpha");
      monitor.pollOnce(); // still over budget: the episode's stop was already taken by the first run
      assertThat(second.created.get(0).calls).isEmpty();

      assertThat(monitor.resume("alpha")).hasValueSatisfying(s ->
          assertThat(s.actions()).containsExactly("pause project prj_1"));
      assertThat(second.created.get(0).calls).containsExactly("undo");
      assertThat(second.created.get(0).undone).containsExactly(Map.of("previous_limit", "500"));
      assertThat(monitor.stopped()).isEmpty();
      assertThat(stopAlerts()).last().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.INFO);
        assertThat(a.detail()).contains("was undone: pause project prj_1");
      });

      // Resumed while the budget is still used up: no new stop until the budget recovers.
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(second.created.get(0).calls).containsExactly("undo");
    }
    FakeActions third = new FakeActions();
    try (RunawayMonitor monitor = monitor(config(AUTO), third)) {
      assertThat(monitor.stopped()).isEmpty();
    }
  }

  @Test
  void start_afterARestart_saysOnceWhichServiceAnEarlierRunStopped_andHowToUndoIt() {
    try (RunawayMonitor monitor = monitor(config(AUTO), new FakeActions())) {
      monitor.pollOnce();
    }
    int mark = dev.runaway.testing.LogCapture.mark();
    try (RunawayMonitor monitor = monitor(config(AUTO), new FakeActions())) {
      monitor.start();
      monitor.start();
    } catch (IllegalStateException alreadyStarted) {
      // a second start may be refused; the warning must still be said once
    }
    assertThat(dev.runaway.testing.LogCapture.since(mark)).filteredOn(e -> e.message().contains("earlier run"))
        .singleElement().satisfies(e -> assertThat(e.message()).contains("alpha").contains("runaway-monitor resume alpha"));
  }

  /**
   * A stop whose credential is missing failed the whole start, so no service was watched (nu27
   * trial). A running monitor now watches and alerts on every service and says loudly, once, that
   * this stop is off; {@code check} (a dry run) still names the setting as a config error.
   */
  @Test
  void aMissingActionCredential_leavesThatStopOff_withACriticalAlert_andTheServiceMonitored() {
    FakeActions actions = new FakeActions();
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(MonitorConfig.parse(config(AUTO)))
        .secrets(SecretSource.of(Map.of())).ticker(fx.ticker).scheduler(fx.scheduler).executor(Runnable::run)
        .actionExecutor(Runnable::run).alertSink(fx.alerts::add).detector(FakeDetector.spending("alpha", "5"))
        .actionProviders(List.of(actions)).build()) {
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.title()).contains("Emergency stop of alpha is off");
        assertThat(a.detail()).contains("PAUSE_TOKEN").contains("on_runaway.actions[0]").contains("still monitored");
      });
      monitor.pollOnce(); // $5 against a $1 budget: alerted, nothing to stop
      assertThat(actions.created).isEmpty();
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "alpha")).isNotEmpty();
      assertThat(monitor.services()).containsExactly("alpha");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunawayMonitor.builder()
        .config(MonitorConfig.parse(config(AUTO))).secrets(SecretSource.of(Map.of())).ticker(fx.ticker)
        .scheduler(fx.scheduler).executor(Runnable::run).alertSink(a -> { })
        .detector(FakeDetector.spending("alpha", "5")).actionProviders(List.of(new FakeActions()))
        .dryRunStops(true).build())
        .isInstanceOf(dev.runaway.config.ConfigException.class).hasMessageContaining("PAUSE_TOKEN");
  }

  @Test
  void aCredentialWrittenWhereTheActionsVariableNameBelongs_isAConfigErrorThatNeverQuotesIt() {
    String pasted = "xoxb-SENTINEL-hook-token-123";
    FakeActions byName = new FakeActions() {
      @Override
      public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
        return List.of(String.valueOf(action.get("token_env")));
      }
    };
    String onRunaway = "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\", \"token_env\": \""
        + pasted + "\"}]}";
    assertThatThrownBy(() -> monitor(config(onRunaway), byName).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.alpha.on_runaway.actions[0].token_env")
        .hasMessageContaining("environment variable")
        .hasMessageNotContaining("SENTINEL");
  }

  @Test
  void missingPermission_isACriticalAlertNamingTheManualStepAndIsNotRetried() {
    FakeActions actions = new FakeActions();
    actions.failWith = new PollException(PollException.Kind.UNAUTHORIZED,
        "HTTP 403: token " + SECRET + " lacks projects:write", null, null);
    try (RunawayMonitor monitor = monitor(config(AUTO), actions)) {
      monitor.pollOnce();
      assertThat(actions.created.get(0).calls).containsExactly("execute");
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.title()).contains("FAILED");
        assertThat(a.detail()).contains("lacks the permission")
            .contains("do it by hand: pause project prj_1 in the console (the token needs the projects:write");
      });
    }
    assertNoSecret();
  }

  @Test
  void serverError_isRetriedWithBackoffThenSucceeds() {
    FakeActions actions = new FakeActions();
    actions.failWith = new PollException(PollException.Kind.UNAVAILABLE, "HTTP 503", null, null);
    actions.failures = 2;
    try (RunawayMonitor monitor = monitor(config(AUTO), actions)) {
      monitor.pollOnce();
      assertThat(actions.created.get(0).calls).containsExactly("execute", "execute", "execute");
      assertThat(stopAlerts()).singleElement().satisfies(a -> assertThat(a.title()).endsWith("stopped"));
    }
  }

  @Test
  void serverErrorEveryTime_isACriticalAlertAfterTheAttempts() {
    FakeActions actions = new FakeActions();
    actions.failWith = new PollException(PollException.Kind.UNAVAILABLE, "HTTP 502", null, null);
    try (RunawayMonitor monitor = monitor(config(AUTO), actions)) {
      monitor.pollOnce();
      assertThat(actions.created.get(0).calls).hasSize(3);
      assertThat(stopAlerts()).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.detail()).contains("3 attempts failed, the last: HTTP 502").contains("do it by hand");
      });
    }
  }

  @Test
  void onBudgetFalse_aUsedUpBudgetStopsNothing() {
    FakeActions actions = new FakeActions();
    String json = config("{\"confirm\": \"auto\", \"on_budget\": false,"
        + " \"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}");
    try (RunawayMonitor monitor = monitor(json, actions)) {
      monitor.pollOnce();
      assertThat(actions.created.get(0).calls).isEmpty();
      assertThat(stopAlerts()).isEmpty();
    }
  }

  @Test
  void forcedDryRun_aOneOffCheckStopsNothing() {
    FakeActions actions = new FakeActions();
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(MonitorConfig.parse(config(AUTO)))
        .secrets(SecretSource.of(Map.of("PAUSE_TOKEN", SECRET))).ticker(fx.ticker).scheduler(fx.scheduler)
        .executor(Runnable::run).actionExecutor(Runnable::run).alertSink(fx.alerts::add)
        .detector(FakeDetector.spending("alpha", "5")).actionProviders(List.of(actions)).dryRunStops(true).build()) {
      monitor.pollOnce();
      assertThat(actions.created.get(0).calls).isEmpty();
      assertThat(stopAlerts()).singleElement().satisfies(a -> assertThat(a.detail()).contains("one-off run"));
    }
  }

  @Test
  void config_unknownKeyIsLocatedWithADidYouMean() {
    String json = "{\"services\": {\"alpha\": {\"type\": \"alpha\",\n  \"on_runaway\": {\"confirmm\": \"auto\","
        + " \"actions\": []}}}}";
    assertThatThrownBy(() -> monitor(json, new FakeActions()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.alpha.on_runaway.confirmm")
        .hasMessageContaining("did you mean 'confirm'")
        .hasMessageContaining("line 2");
  }

  @Test
  void config_badConfirmAndUnknownActionTypeAreNamed() {
    assertThatThrownBy(() -> monitor(config("{\"confirm\": \"yes\", \"actions\": [{\"type\": \"pause_project\"}]}"),
        new FakeActions()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.alpha.on_runaway.confirm")
        .hasMessageContaining("\"auto\"");
    assertThatThrownBy(() -> monitor(config("{\"actions\": [{\"type\": \"pause_projet\"}]}"), new FakeActions()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.alpha.on_runaway.actions[0].type")
        .hasMessageContaining("did you mean 'pause_project'");
    assertThatThrownBy(() -> monitor(config("{\"actions\": [{\"type\": \"pause_project\"}]}"), new FakeActions()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.alpha.on_runaway.actions[0].project");
  }

  @Test
  void noOnRunaway_nothingIsConfiguredAndNoFileIsWritten() throws Exception {
    String json = "{\"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\","
        + " \"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0}}}";
    try (RunawayMonitor monitor = monitor(json, new FakeActions())) {
      monitor.pollOnce();
      assertThat(stopAlerts()).isEmpty();
      assertThat(fx.alerts).filteredOn(a -> a.type() == AlertType.COST_THRESHOLD && a.severity() == Severity.CRITICAL)
          .singleElement().satisfies(a -> assertThat(a.detail()).doesNotContain("Calls that need more are refused", "emergency stop")
              .contains("no guard attached): stop the caller"));
      assertThat(monitor.stopped()).isEmpty();
      assertThat(Files.exists(dir.resolve("monitor").resolve("emergency-stops.json"))).as("after polling").isFalse();
      // A resume is recorded (only its count), so that a running monitor resets its breaker too.
      assertThat(monitor.resume("alpha")).isEmpty();
      assertThat(monitor.stopped()).isEmpty();
    }
  }

  @Test
  void resumeByAnotherProcess_isSeenByTheRunningMonitorWhichMayStopAgainNextEpisode() throws Exception {
    FakeActions running = new FakeActions();
    try (RunawayMonitor monitor = monitor(config(AUTO), running)) {
      monitor.pollOnce();
      assertThat(running.created.get(0).calls).containsExactly("execute");

      // runaway-monitor resume alpha, from another process, while this monitor runs
      FakeActions cli = new FakeActions();
      // Like the resume command: a one-off monitor that leaves state_dir's lock to the running one.
      try (RunawayMonitor other = monitor(config(AUTO), cli, false)) {
        assertThat(other.resume("alpha")).isPresent();
      }
      Path record = dir.resolve("monitor").resolve("emergency-stops.json");
      // File times may be coarse: make the change visible whatever the file system's resolution.
      Files.setLastModifiedTime(record, java.nio.file.attribute.FileTime.fromMillis(
          Files.getLastModifiedTime(record).toMillis() + 5_000));

      assertThat(monitor.stopped()).isEmpty();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // the budget is still used up: resumed means not stopped again in this episode
      assertThat(running.created.get(0).calls).containsExactly("execute");
    }
  }

  @Test
  void dryRun_isReportedOncePerBudgetEpisode() {
    FakeActions actions = new FakeActions();
    FakeDetector detector = FakeDetector.spending("alpha", "5");
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(MonitorConfig.parse(config(
            "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}")))
        .secrets(SecretSource.of(Map.of("PAUSE_TOKEN", SECRET))).ticker(fx.ticker).scheduler(fx.scheduler)
        .executor(Runnable::run).actionExecutor(Runnable::run).alertSink(fx.alerts::add)
        .detector(detector).actionProviders(List.of(actions)).build()) {
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(stopAlerts()).hasSize(1);
      // The hour rolls over with nothing spent: the budget recovers, and the next overrun is a new episode.
      detector.script(ctx -> FakeDetector.span("alpha", ctx, "0", 0));
      fx.ticker.advance(Duration.ofMinutes(65));
      monitor.pollOnce();
      detector.script(ctx -> FakeDetector.span("alpha", ctx, "5", 1));
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(stopAlerts()).hasSize(2);
      assertThat(actions.created.get(0).calls).isEmpty();
    }
  }

  /**
   * README (resume): "Undoes the emergency stops taken for a service and resets its breaker ... It
   * may run while start runs: the running monitor sees the change". Trial nu87: after a dry-run
   * stop on a used-up budget, `runaway-monitor resume openai` (another process, while start ran)
   * printed "openai: nothing was stopped; its breaker is reset." and exited 0, but the running
   * monitor's breaker, on its status table and status page, stayed OPEN: the reset happened only in
   * the resume command's own, fresh monitor.
   */
  @Test
  void resumeByAnotherProcess_afterADryRun_resetsTheRunningMonitorsBreaker_asItSays() throws Exception {
    FakeActions running = new FakeActions();
    String dry = "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}";
    try (RunawayMonitor monitor = monitor(config(dry), running)) {
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);

      // runaway-monitor resume alpha, from another process, while this monitor runs
      try (RunawayMonitor other = monitor(config(dry), new FakeActions(), false)) {
        assertThat(other.resume("alpha")).isEmpty(); // the command then prints "nothing was stopped; its breaker is reset."
      }
      fx.ticker.advance(Duration.ofSeconds(30));
      assertThat(monitor.snapshot("alpha").breakerState()).as("the running monitor's breaker after resume")
          .isNotEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
    }
  }

  /**
   * README (Emergency stops): "RunawayMonitor.resume(service) undoes the actions in reverse order
   * and resets the breaker." In the same process, after a stop taken on a used-up budget, the
   * monitor's breaker (the BREAKER column of start's table, the status page) stays OPEN.
   */
  @Test
  void resume_inTheRunningMonitor_resetsItsBreaker() {
    try (RunawayMonitor monitor = monitor(config(AUTO), new FakeActions())) {
      monitor.pollOnce();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);

      assertThat(monitor.resume("alpha")).isPresent();

      assertThat(monitor.snapshot("alpha").breakerState()).as("the monitor's breaker right after resume")
          .isNotEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
    }
  }

  /**
   * Trial nu87: the "resumed" alert listed the stop's own description under "Resumed:" ("Resumed:
   * call the webhook POST .../hook/stop"), as if resume had called the stop again. It names the
   * undo that ran, and the stop it reverted apart.
   */
  @Test
  void resumedAlert_namesTheUndoThatRan_notTheStop() {
    try (RunawayMonitor monitor = monitor(config(AUTO), new FakeActions())) {
      monitor.pollOnce();
      assertThat(monitor.resume("alpha")).isPresent();
      assertThat(stopAlerts()).last().satisfies(a -> {
        assertThat(a.title()).isEqualTo("Service alpha resumed");
        assertThat(a.facts().get("resumed")).isEqualTo("unpause project prj_1 in the console");
        assertThat(a.facts().get("reverted")).isEqualTo("pause project prj_1");
        assertThat(a.detail()).contains("undo run: unpause project prj_1 in the console", "breaker is reset");
      });
      assertNoSecret();
    }
  }

  /**
   * A resume by another process after a runaway of the monitor's own breaker (no guard): seen at
   * the next round, and a budget still used up does not reopen the breaker until it recovers.
   */
  @Test
  void resumeByAnotherProcess_keepsTheBreakerClosedUntilTheBudgetRecovers_thenOpensItAgain() {
    FakeDetector detector = FakeDetector.spending("alpha", "5");
    String dry = "{\"actions\": [{\"type\": \"pause_project\", \"project\": \"prj_1\"}]}";
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(MonitorConfig.parse(config(dry)))
        .secrets(SecretSource.of(Map.of("PAUSE_TOKEN", SECRET))).ticker(fx.ticker).scheduler(fx.scheduler)
        .executor(Runnable::run).actionExecutor(Runnable::run).alertSink(fx.alerts::add)
        .detector(detector).actionProviders(List.of(new FakeActions())).build()) {
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
      try (RunawayMonitor other = monitor(config(dry), new FakeActions(), false)) {
        other.resume("alpha");
      }
      int mark = dev.runaway.testing.LogCapture.mark();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // the round sees the resume; the budget is still used up
      assertThat(dev.runaway.testing.LogCapture.since(mark)).anySatisfy(e -> assertThat(e.message())
          .contains("Service alpha was resumed by another process", "breaker", "reset"));
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.CLOSED);
      // The hour rolls over with nothing spent, then the budget is used up again: a new episode.
      detector.script(ctx -> FakeDetector.span("alpha", ctx, "0", 0));
      fx.ticker.advance(Duration.ofMinutes(65));
      monitor.pollOnce();
      detector.script(ctx -> FakeDetector.span("alpha", ctx, "5", 1));
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
    }
  }

  /**
   * README (Emergency stops): "runaway-monitor resume <service> ... resets the breaker. It may run
   * while start runs: the running monitor sees the change in the record ..., resets its own breaker
   * for the service". For a monitored service without on_runaway actions, the resume command
   * prints "nothing was stopped; its breaker is reset." but writes nothing to the record, so the
   * running monitor's breaker stays OPEN.
   */
  @Test
  void resumeByAnotherProcess_ofAServiceWithoutEmergencyActions_resetsTheRunningMonitorsBreaker() {
    String noStops = "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\")
        + "\", \"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0}}, \"services\": {\"alpha\": {\"type\": \"alpha\"}}}";
    try (RunawayMonitor monitor = monitor(noStops, new FakeActions())) {
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
      try (RunawayMonitor other = monitor(noStops, new FakeActions(), false)) {
        assertThat(other.resume("alpha")).isEmpty(); // the command prints "nothing was stopped; its breaker is reset."
      }
      fx.ticker.advance(Duration.ofSeconds(30));
      monitor.pollOnce(); // the next round, which re-reads the record
      assertThat(monitor.snapshot("alpha").breakerState()).as("the running monitor's breaker after resume")
          .isNotEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
    }
  }

  /**
   * README (Emergency stops): "A service resumed while its budget is still used up is not stopped
   * again, nor its breaker opened again for that budget, until the budget has recovered." For that
   * budget: resumed with the hourly budget used up, the spend goes on and uses up the daily one
   * too, and the breaker must open for it. It stays CLOSED while the hourly budget is over, which a
   * runaway that keeps spending never lets it recover from.
   */
  @Test
  void resume_whileTheHourlyBudgetIsUsedUp_anotherBudgetUsedUpLaterStillOpensTheBreaker() {
    String two = "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\")
        + "\", \"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0, \"daily\": 12.0}},"
        + " \"services\": {\"alpha\": {\"type\": \"alpha\", \"on_runaway\": " + AUTO + "}}}";
    try (RunawayMonitor monitor = monitor(two, new FakeActions())) {
      monitor.pollOnce(); // $5: hourly used up, daily $5 of $12
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
      assertThat(monitor.resume("alpha")).isPresent();
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.CLOSED);
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $10: the hourly budget still over, the daily one not yet
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.CLOSED);
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $15: the daily budget ($12) is used up now, after the resume
      assertThat(monitor.snapshot("alpha").breakerState()).as("the breaker once the daily budget is used up")
          .isEqualTo(dev.runaway.breaker.CircuitBreaker.State.OPEN);
    }
  }

  /**
   * After a resume with the hourly budget used up, the daily budget used up later is a new episode:
   * the stop the resume undid is taken again for it (the resume held it back for the hourly only).
   */
  @Test
  void resume_whileTheHourlyBudgetIsUsedUp_anotherBudgetUsedUpLaterStopsTheServiceAgain() {
    String two = "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\")
        + "\", \"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0, \"daily\": 12.0}},"
        + " \"services\": {\"alpha\": {\"type\": \"alpha\", \"on_runaway\": " + AUTO + "}}}";
    FakeActions actions = new FakeActions();
    try (RunawayMonitor monitor = monitor(two, actions)) {
      monitor.pollOnce(); // $5: hourly used up, stopped
      assertThat(monitor.resume("alpha")).isPresent();
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $10: the hourly budget still over: not stopped again for it
      assertThat(actions.created.get(0).calls).containsExactly("execute", "undo");
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $15: the daily budget is used up after the resume
      assertThat(actions.created.get(0).calls).containsExactly("execute", "undo", "execute");
      assertThat(monitor.stopped()).containsKey("alpha");
    }
  }

  /**
   * A resume by another process that the running monitor sees in the middle of a poll (while the
   * poll checks the budgets and fires the stop) covers what that poll found used up: the poll does
   * not re-open the breaker or stop the service right after the resume, nor does the next one.
   */
  @Test
  void resumeByAnotherProcess_seenDuringAPoll_isNotUndoneByThatPoll() {
    FakeDetector detector = FakeDetector.spending("alpha", "5");
    FakeActions running = new FakeActions();
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(MonitorConfig.parse(config(AUTO)))
        .secrets(SecretSource.of(Map.of("PAUSE_TOKEN", SECRET))).ticker(fx.ticker).scheduler(fx.scheduler)
        .executor(Runnable::run).actionExecutor(Runnable::run).alertSink(fx.alerts::add)
        .detector(detector).actionProviders(List.of(running)).build()) {
      monitor.pollOnce(); // $5: hourly used up, stopped
      assertThat(running.created.get(0).calls).containsExactly("execute");
      detector.script(ctx -> {
        // runaway-monitor resume alpha, from another process, while this poll runs
        try (RunawayMonitor other = monitor(config(AUTO), new FakeActions(), false)) {
          assertThat(other.resume("alpha")).isPresent();
        }
        return FakeDetector.span("alpha", ctx, "5", 1);
      });
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $10, still over: the poll's stop sees the resume and resets the breaker
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.CLOSED);
      detector.script(ctx -> FakeDetector.span("alpha", ctx, "5", 1));
      fx.ticker.advance(Duration.ofMinutes(5));
      monitor.pollOnce(); // $15, the hourly budget still over
      assertThat(monitor.snapshot("alpha").breakerState()).isEqualTo(dev.runaway.breaker.CircuitBreaker.State.CLOSED);
      assertThat(running.created.get(0).calls).as("not stopped again for the budget resumed").containsExactly("execute");
      assertThat(monitor.stopped()).isEmpty();
    }
  }
}
