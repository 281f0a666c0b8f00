package dev.runaway.providers.stop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import dev.runaway.monitor.PollException;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Each emergency action against a loopback server speaking the service's wire format. */
final class StopActionsTest {

  static final String TOKEN = "ghp_SECRETtoken0123456789";
  private static final Duration T = Duration.ofSeconds(5);
  @RegisterExtension
  final StubServer stub = StubServer.start();

  @TempDir
  Path dir;

  /** Runs the action's stop and asserts it fails with a {@link PollException} of this kind; for further checks. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertExecuteFails(EmergencyAction a,
      PollException.Kind kind) {
    return assertThatThrownBy(() -> a.execute(T)).isInstanceOfSatisfying(PollException.class,
        e -> assertThat(e.kind()).isEqualTo(kind));
  }

  /** The stop of workflow ci.yml in acme/app, against a GitHub answering every request with {@code answer}. */
  private EmergencyAction ciWorkflowStopAnswering(StubResponse answer) {
    stub.failAll(answer);
    return action(new GitHubWorkflowStopProvider(), "github_actions", Map.of(),
        Map.of("repository", "acme/app", "workflow", "ci.yml"));
  }

  private EmergencyAction action(EmergencyActionProvider p, String type, Map<String, Object> service,
      Map<String, Object> action) {
    Map<String, Object> s = new LinkedHashMap<>(service);
    s.put("base_url", stub.baseUrl().toString());
    Map<String, Object> a = new LinkedHashMap<>(action);
    a.put("type", p.type());
    return p.create(ServiceSettings.of("svc", type, s), a, "on_runaway.actions[0]", SecretSource.of(Map.of(
        "GITHUB_TOKEN", TOKEN, "VERCEL_TOKEN", TOKEN, "SUPABASE_ACCESS_TOKEN", TOKEN, "OPENAI_ADMIN_KEY", TOKEN,
        "HOOK_TOKEN", TOKEN)));
  }

  private int mark;

  private List<String> calls() {
    return stub.requests().subList(mark, stub.requests().size()).stream().map(r -> r.method() + " " + r.path() + (r.rawQuery() == null ? ""
        : "?" + r.rawQuery())).collect(Collectors.toList());
  }

  private static StubResponse noContent() {
    return StubResponse.json(204, "");
  }

  @Test
  void github_disablesTheWorkflowCancelsItsUnfinishedRunsAndUndoEnablesIt() throws Exception {
    String wf = "/repos/acme/app/actions/workflows/ci.yml";
    stub.route(wf + "/disable", r -> noContent());
    stub.route(wf + "/enable", r -> noContent());
    stub.route(wf + "/runs", r -> StubResponse.ok(r.param("status").orElse("").equals("queued")
        ? Fixtures.read("stop/github-runs-queued.json")
        : r.param("status").orElse("").equals("in_progress") ? Fixtures.read("stop/github-runs-in-progress.json")
        : "{\"total_count\":0,\"workflow_runs\":[]}"));
    for (String id : List.of("30433641", "30433642")) {
      stub.route("/repos/acme/app/actions/runs/" + id + "/cancel", r -> StubResponse.json(202, "{}"));
    }
    // Finished in the meantime: GitHub answers 409, which is what a cancel wants.
    stub.route("/repos/acme/app/actions/runs/30433643/cancel",
        r -> StubResponse.json(409, "{\"message\":\"Cannot cancel a workflow run that is completed.\"}"));
    EmergencyAction a = action(new GitHubWorkflowStopProvider(), "github_actions",
        Map.of("repositories", List.of("acme/app")), Map.of("workflow", "ci.yml"));

    assertThat(a.plan()).isEqualTo("disable GitHub Actions workflow ci.yml in acme/app and cancel its queued and"
        + " in-progress runs");
    Map<String, String> record = a.execute(T);

    assertThat(calls()).containsExactly(
        "PUT " + wf + "/disable",
        "GET " + wf + "/runs?status=queued&per_page=100",
        "POST /repos/acme/app/actions/runs/30433642/cancel",
        "POST /repos/acme/app/actions/runs/30433643/cancel",
        "GET " + wf + "/runs?status=in_progress&per_page=100",
        "POST /repos/acme/app/actions/runs/30433641/cancel",
        "GET " + wf + "/runs?status=waiting&per_page=100",
        "GET " + wf + "/runs?status=requested&per_page=100",
        "GET " + wf + "/runs?status=pending&per_page=100");
    RecordedRequest disable = stub.requests().get(0);
    assertThat(disable.header("authorization")).hasValue("Bearer " + TOKEN);
    assertThat(disable.header("accept")).hasValue("application/vnd.github+json");
    assertThat(disable.header("x-github-api-version")).hasValue("2022-11-28");
    assertThat(record).containsEntry("runs_cancelled", "3");

    mark = stub.requests().size();
    a.undo(record, T);
    assertThat(calls()).containsExactly("PUT " + wf + "/enable");
    assertThat(a.manualUndo()).contains("gh workflow enable ci.yml -R acme/app");
  }

  @Test
  void github_missingPermissionIsUnauthorizedNamingThePermissionWithoutTheToken() {
    EmergencyAction a = ciWorkflowStopAnswering(StubResponse.json(403, "{\"message\":\"Resource not accessible by personal access token\"}"));
    assertExecuteFails(a, PollException.Kind.UNAUTHORIZED)
        .hasMessageContaining("Actions: write")
        .hasMessageNotContaining(TOKEN);
    assertThat(a.manualStep()).contains("gh workflow disable ci.yml -R acme/app");
  }

  @Test
  void github_serverErrorIsUnavailable() {
    EmergencyAction a = ciWorkflowStopAnswering(StubResponse.json(502, "{\"message\":\"Bad gateway\"}"));
    assertExecuteFails(a, PollException.Kind.UNAVAILABLE);
  }

  @Test
  void github_config_needsTheRepositoryWhenTheServiceWatchesSeveral() {
    assertThatThrownBy(() -> action(new GitHubWorkflowStopProvider(), "github_actions",
        Map.of("repositories", List.of("a/b", "c/d")), Map.of("workflow", "ci.yml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.svc.on_runaway.actions[0].repository");
    assertThatThrownBy(() -> action(new GitHubWorkflowStopProvider(), "github_actions", Map.of(),
        Map.of("repository", "acme/app", "workflw", "ci.yml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("did you mean \"workflow\"");
  }

  @Test
  void vercel_pausesTheTeamProjectAndUndoUnpausesIt() throws Exception {
    stub.route("/v1/projects/prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB/pause", r -> StubResponse.ok("{}"));
    stub.route("/v1/projects/prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB/unpause", r -> StubResponse.ok("{}"));
    EmergencyAction a = action(new VercelPauseProjectProvider(), "vercel", Map.of("team_id", "team_abc"),
        Map.of("project", "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"));
    a.execute(T);
    assertThat(calls()).containsExactly("POST /v1/projects/prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB/pause?teamId=team_abc");
    assertThat(stub.requests().get(0).header("authorization")).hasValue("Bearer " + TOKEN);
    mark = stub.requests().size();
    a.undo(Map.of(), T);
    assertThat(calls()).containsExactly("POST /v1/projects/prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB/unpause?teamId=team_abc");
  }

  @Test
  void vercel_aServiceNamingItsTeamBySlug_pausesAndUnpausesInThatTeam() throws Exception {
    // Monitor trial: with "team_slug" (a documented detector setting) the pause went out without
    // any team, so Vercel looked the project up in the token's personal account.
    stub.route("/v1/projects/web/pause", r -> StubResponse.ok("{}"));
    stub.route("/v1/projects/web/unpause", r -> StubResponse.ok("{}"));
    EmergencyAction a = action(new VercelPauseProjectProvider(), "vercel", Map.of("team_slug", "acme-team"),
        Map.of("project", "web"));
    a.execute(T);
    assertThat(calls()).containsExactly("POST /v1/projects/web/pause?slug=acme-team");
    mark = stub.requests().size();
    a.undo(Map.of(), T);
    assertThat(calls()).containsExactly("POST /v1/projects/web/unpause?slug=acme-team");
  }

  @Test
  void vercel_forbiddenIsUnauthorized() {
    stub.failAll(StubResponse.json(403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"Not authorized\"}}"));
    EmergencyAction a = action(new VercelPauseProjectProvider(), "vercel", Map.of(), Map.of("project", "web"));
    assertExecuteFails(a, PollException.Kind.UNAUTHORIZED)
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void supabase_pausesTheProjectAndUndoRestoresIt() throws Exception {
    stub.route("/v1/projects/abcdefghijklmnopqrst/pause", r -> StubResponse.ok("{}"));
    stub.route("/v1/projects/abcdefghijklmnopqrst/restore", r -> StubResponse.ok("{}"));
    EmergencyAction a = action(new SupabasePauseProjectProvider(), "supabase",
        Map.of("project_ref", "abcdefghijklmnopqrst"), Map.of());
    a.execute(T);
    a.undo(Map.of(), T);
    assertThat(calls()).containsExactly("POST /v1/projects/abcdefghijklmnopqrst/pause",
        "POST /v1/projects/abcdefghijklmnopqrst/restore");
    assertThat(stub.requests().get(0).header("authorization")).hasValue("Bearer " + TOKEN);
  }

  @Test
  void openai_lowersEachLimitAboveTheFloorAndUndoRestoresThePreviousValues() throws Exception {
    String base = "/organization/projects/proj_abc/rate_limits";
    stub.route(base, r -> StubResponse.ok(Fixtures.read("stop/openai-rate-limits.json")));
    stub.route(base + "/rl-gpt-4o", r -> StubResponse.ok("{\"object\":\"project.rate_limit\",\"id\":\"rl-gpt-4o\"}"));
    stub.route(base + "/rl-ada", r -> StubResponse.ok("{\"object\":\"project.rate_limit\",\"id\":\"rl-ada\"}"));
    EmergencyAction a = action(new OpenAiRateLimitFloorProvider(), "openai", Map.of(), Map.of("project_id", "proj_abc",
        "floor", Map.of("max_requests_per_1_minute", 1, "max_tokens_per_1_minute", 1000)));

    Map<String, String> record = a.execute(T);

    assertThat(calls()).containsExactly("GET " + base + "?limit=100", "POST " + base + "/rl-gpt-4o",
        "POST " + base + "/rl-ada");
    assertThat(stub.requests().get(1).body()).isEqualTo("{\"max_requests_per_1_minute\":1,\"max_tokens_per_1_minute\":1000}");
    assertThat(stub.requests().get(1).header("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    assertThat(record).containsOnly(Map.entry("rl-gpt-4o.max_requests_per_1_minute", "500"),
        Map.entry("rl-gpt-4o.max_tokens_per_1_minute", "30000"), Map.entry("rl-ada.max_requests_per_1_minute", "600"),
        Map.entry("rl-ada.max_tokens_per_1_minute", "150000"));

    mark = stub.requests().size();
    a.undo(record, T);
    assertThat(stub.requests().subList(mark, stub.requests().size()))
        .extracting(r -> r.method() + " " + r.path() + " " + r.body()).containsExactly(
        "POST " + base + "/rl-ada {\"max_requests_per_1_minute\":600,\"max_tokens_per_1_minute\":150000}",
        "POST " + base + "/rl-gpt-4o {\"max_requests_per_1_minute\":500,\"max_tokens_per_1_minute\":30000}");
  }

  @Test
  void openai_aRetryAfterAPartialStopKeepsTheOriginalValuesToRestore() throws Exception {
    String base = "/organization/projects/proj_abc/rate_limits";
    String lowered = Fixtures.read("stop/openai-rate-limits.json").replace("\"max_requests_per_1_minute\": 500",
        "\"max_requests_per_1_minute\": 1").replace("\"max_tokens_per_1_minute\": 30000",
        "\"max_tokens_per_1_minute\": 1000");
    java.util.concurrent.atomic.AtomicInteger lists = new java.util.concurrent.atomic.AtomicInteger();
    stub.route(base, r -> StubResponse.ok(lists.getAndIncrement() == 0
        ? Fixtures.read("stop/openai-rate-limits.json") : lowered));
    stub.route(base + "/rl-gpt-4o", r -> StubResponse.ok("{}"));
    java.util.concurrent.atomic.AtomicInteger ada = new java.util.concurrent.atomic.AtomicInteger();
    stub.route(base + "/rl-ada", r -> ada.getAndIncrement() == 0 ? StubResponse.json(503, "{}") : StubResponse.ok("{}"));
    EmergencyAction a = action(new OpenAiRateLimitFloorProvider(), "openai", Map.of(), Map.of("project_id", "proj_abc",
        "floor", Map.of("max_requests_per_1_minute", 1, "max_tokens_per_1_minute", 1000)));
    assertThatThrownBy(() -> a.execute(T)).isInstanceOf(PollException.class);
    Map<String, String> record = a.execute(T);
    assertThat(record).containsEntry("rl-gpt-4o.max_requests_per_1_minute", "500")
        .containsEntry("rl-ada.max_requests_per_1_minute", "600");
  }

  @Test
  void webhook_sendsTheTemplatedBodyWithTheBearerAndUndoSendsItsOwn() throws Exception {
    stub.route("/hooks/stop", r -> StubResponse.ok("{}"));
    stub.route("/hooks/start", r -> noContent());
    Map<String, Object> cfg = Map.of("url", stub.baseUrl() + "/hooks/stop", "bearer_env", "HOOK_TOKEN",
        "body", "{\"deployment\":\"worker\",\"replicas\":0,\"by\":\"{{service}}\",\"event\":\"{{event}}\"}",
        "undo_url", stub.baseUrl() + "/hooks/start", "undo_method", "put");
    EmergencyAction a = action(new WebhookActionProvider(), "rest", Map.of(), cfg);
    a.execute(T);
    a.undo(Map.of(), T);
    List<RecordedRequest> r = stub.requests();
    assertThat(r).extracting(RecordedRequest::method).containsExactly("POST", "PUT");
    assertThat(r.get(0).body()).isEqualTo("{\"deployment\":\"worker\",\"replicas\":0,\"by\":\"svc\",\"event\":\"stop\"}");
    assertThat(r.get(0).header("authorization")).hasValue("Bearer " + TOKEN);
    assertThat(r.get(1).path()).isEqualTo("/hooks/start");
    assertThat(a.plan()).doesNotContain(TOKEN).contains("/hooks/stop");
  }

  /**
   * README (Emergency stops) called the webhook "a templated HTTP request": a user who put
   * {{service}} in its url got "must be an absolute http or https URL (not a valid URL at index
   * ...)". Only the bodies are templates, and the error says so.
   */
  @Test
  void webhook_placeholderInTheUrl_isAConfigErrorSayingOnlyTheBodyIsATemplate() {
    assertThatThrownBy(() -> action(new WebhookActionProvider(), "rest", Map.of(),
        Map.of("url", stub.baseUrl() + "/hooks/{{service}}/stop")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("on_runaway.actions[0].url: is not a template")
        .hasMessageContaining("replaced in body only");
    assertThatThrownBy(() -> action(new WebhookActionProvider(), "rest", Map.of(),
        Map.of("url", stub.baseUrl() + "/hooks/stop", "undo_url", stub.baseUrl() + "/hooks/{{event}}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("on_runaway.actions[0].undo_url: is not a template")
        .hasMessageContaining("replaced in undo_body only");
  }

  @Test
  void webhook_serverErrorIsUnavailableAndForbiddenIsUnauthorized() {
    EmergencyAction a = action(new WebhookActionProvider(), "rest", Map.of(),
        Map.of("url", stub.baseUrl() + "/hooks/stop?key=" + TOKEN));
    stub.failAll(StubResponse.json(500, "{}"));
    assertExecuteFails(a, PollException.Kind.UNAVAILABLE);
    stub.failAll(StubResponse.json(401, "{}"));
    assertExecuteFails(a, PollException.Kind.UNAUTHORIZED);
    assertThat(a.plan() + a.manualStep() + a.manualUndo()).doesNotContain(TOKEN);
  }

  @Test
  void command_runsTheProgramWithoutAShellAndUndoRunsItsOwn() throws Exception {
    Path flag = dir.resolve("stopped; rm -rf x");
    EmergencyAction a = action(new CommandActionProvider(), "rest", Map.of(),
        Map.of("argv", List.of("touch", flag.toString()), "undo_argv", List.of("rm", flag.toString())));
    a.execute(T);
    assertThat(flag).exists(); // the ';' was an argument, not a shell separator
    a.undo(Map.of(), T);
    assertThat(Files.exists(flag)).isFalse();
  }

  @Test
  void command_nonZeroExitAndTimeoutFail() {
    EmergencyAction fails = action(new CommandActionProvider(), "rest", Map.of(), Map.of("argv", List.of("false")));
    assertThatThrownBy(() -> fails.execute(T)).hasMessageContaining("exited with code 1");
    EmergencyAction slow = action(new CommandActionProvider(), "rest", Map.of(), Map.of("argv", List.of("sleep", "30")));
    long start = System.nanoTime();
    assertThatThrownBy(() -> slow.execute(Duration.ofMillis(200))).hasMessageContaining("was killed");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    EmergencyAction missing = action(new CommandActionProvider(), "rest", Map.of(),
        Map.of("argv", List.of("/no/such/program-xyz")));
    assertThatThrownBy(() -> missing.execute(T)).isInstanceOfSatisfying(PollException.class,
        e -> assertThat(e.kind()).isEqualTo(PollException.Kind.MISCONFIGURED));
  }
}
