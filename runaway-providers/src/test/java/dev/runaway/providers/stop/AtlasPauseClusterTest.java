package dev.runaway.providers.stop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MongoDB Atlas cluster pause against a loopback Admin API v2 (fixtures/stop/README.md). */
final class AtlasPauseClusterTest {

  private static final String CLIENT_SECRET = "mdb_sa_sk_SECRETsecret0123456789";
  private static final String ACCESS_TOKEN = "eyJSECRETaccessToken";
  private static final String GROUP = "32b6e34b3d91647abb20e7b8";
  private static final String CLUSTERS = "/api/atlas/v2/groups/" + GROUP + "/clusters/";
  private static final String MEDIA = "application/vnd.atlas.2024-08-05+json";
  private static final Duration T = Duration.ofSeconds(5);
  private StubServer stub;

  @BeforeEach
  void start() {
    stub = StubServer.start();
    stub.route("/api/oauth/token", r -> StubResponse.ok("{\"access_token\":\"" + ACCESS_TOKEN
        + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private EmergencyAction action(Map<String, Object> settings) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("base_url", stub.baseUrl().toString());
    s.put("org_id", "5b6212af4b7b18c1aa8a2bcd");
    Map<String, Object> a = new LinkedHashMap<>(settings);
    a.put("type", "mongodb_atlas_pause_cluster");
    return new AtlasPauseClusterProvider().create(ServiceSettings.of("atlas", "mongodb_atlas", s), a,
        "on_runaway.actions[0]", SecretSource.of(Map.of("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_0123",
            "MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET)));
  }

  private int mark;

  private List<String> apiCalls() {
    return stub.requests().subList(mark, stub.requests().size()).stream().filter(r -> !r.path().equals("/api/oauth/token"))
        .map(r -> r.method() + " " + r.path() + (r.body() == null || r.body().isEmpty() ? "" : " " + r.body()))
        .collect(Collectors.toList());
  }

  /** Answers GET with the cluster's state and PATCH by applying {@code paused}, like Atlas. */
  private void cluster(String name, boolean[] paused) {
    stub.route(CLUSTERS + name, r -> {
      if (r.method().equals("PATCH")) {
        paused[0] = r.body().contains("\"paused\":true");
      }
      String fixture = Fixtures.read("stop/atlas-cluster-running.json").replace("Cluster0", name);
      return StubResponse.ok(fixture.replace("\"paused\": false", "\"paused\": " + paused[0]));
    });
  }

  @Test
  void pausesTheRunningClusterOnceLeavesThePausedOneAndUndoResumesOnlyWhatItPaused() throws Exception {
    boolean[] running = {false};
    boolean[] analytics = {true};
    cluster("Cluster0", running);
    cluster("Analytics", analytics);
    EmergencyAction a = action(Map.of("group_id", GROUP, "clusters", List.of("Cluster0", "Analytics")));

    Map<String, String> record = a.execute(T);

    assertThat(apiCalls()).containsExactly("GET " + CLUSTERS + "Cluster0",
        "PATCH " + CLUSTERS + "Cluster0 {\"paused\":true}", "GET " + CLUSTERS + "Analytics");
    RecordedRequest patch = stub.requests().stream().filter(r -> r.method().equals("PATCH")).findFirst().orElseThrow();
    assertThat(patch.header("accept")).hasValue(MEDIA);
    assertThat(patch.header("content-type")).hasValue(MEDIA);
    assertThat(patch.header("authorization")).hasValue("Bearer " + ACCESS_TOKEN);
    assertThat(running[0]).isTrue();
    assertThat(record).containsExactly(Map.entry("Cluster0", "paused_by_runaway_guard"),
        Map.entry("Analytics", "already_paused"));
    assertThat(a.plan()).contains("Cluster0", "Analytics", GROUP);

    mark = stub.requests().size();
    a.undo(record, T);
    assertThat(apiCalls()).containsExactly("PATCH " + CLUSTERS + "Cluster0 {\"paused\":false}");
    assertThat(running[0]).isFalse();
    assertThat(analytics[0]).isTrue(); // paused before us: stays paused
  }

  @Test
  void aRetryAfterAPartialSuccessStillResumesTheClusterItPaused() throws Exception {
    boolean[] first = {false};
    cluster("Cluster0", first);
    int[] attempts = {0};
    stub.route(CLUSTERS + "Cluster1", r -> ++attempts[0] == 1 ? StubResponse.json(503,
        "{\"error\":503,\"errorCode\":\"SERVICE_UNAVAILABLE\",\"reason\":\"Service Unavailable\"}")
        : StubResponse.ok(Fixtures.read("stop/atlas-cluster-running.json").replace("Cluster0", "Cluster1")));
    EmergencyAction a = action(Map.of("group_id", GROUP, "clusters", List.of("Cluster0", "Cluster1")));
    assertThatThrownBy(() -> a.execute(T)).isInstanceOf(PollException.class);
    assertThat(first[0]).isTrue();

    Map<String, String> record = a.execute(T); // the monitor's retry: Cluster0 now reads paused
    assertThat(record).containsEntry("Cluster0", "paused_by_runaway_guard");
  }

  @Test
  void forbiddenIsUnauthorizedNamingTheRoleWithoutAnySecret() {
    stub.route(CLUSTERS + "Cluster0", r -> StubResponse.json(403, "{\"detail\":\"This resource requires access"
        + " through an access list of ip ranges.\",\"error\":403,\"errorCode\":\"ORG_REQUIRES_ACCESS_LIST\","
        + "\"reason\":\"Forbidden\"}"));
    EmergencyAction a = action(Map.of("group_id", GROUP, "clusters", List.of("Cluster0")));
    assertThatThrownBy(() -> a.execute(T))
        .isInstanceOfSatisfying(PollException.class, e -> assertThat(e.kind()).isEqualTo(PollException.Kind.UNAUTHORIZED))
        .hasMessageContaining("Project Cluster Manager")
        .hasMessageNotContaining(CLIENT_SECRET).hasMessageNotContaining(ACCESS_TOKEN);
    assertThat(a.manualStep()).contains("Project Cluster Manager", "`atlas clusters pause Cluster0 --projectId " + GROUP + "`");
    // Monitor trial: the commands said <name> although the cluster is known, so they could not be pasted.
    assertThat(a.manualUndo()).contains("`atlas clusters start Cluster0 --projectId " + GROUP + "`");
    assertThat(a.manualStep() + a.manualUndo()).doesNotContain("<name>");
    assertThat(a.plan() + a.manualStep() + a.manualUndo() + a).doesNotContain(CLIENT_SECRET, ACCESS_TOKEN);
  }

  @Test
  void serverErrorIsUnavailable() {
    stub.route(CLUSTERS + "Cluster0", r -> StubResponse.json(500, "{\"error\":500,\"errorCode\":"
        + "\"UNEXPECTED_ERROR\",\"reason\":\"Internal Server Error\"}"));
    EmergencyAction a = action(Map.of("group_id", GROUP, "clusters", List.of("Cluster0")));
    assertThatThrownBy(() -> a.execute(T))
        .isInstanceOfSatisfying(PollException.class, e -> assertThat(e.kind()).isEqualTo(PollException.Kind.UNAVAILABLE))
        .hasMessageNotContaining(CLIENT_SECRET);
  }

  @Test
  void config_namesTheFieldAndRule() {
    assertThatThrownBy(() -> action(Map.of("group_id", "nope", "clusters", List.of("Cluster0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.atlas.on_runaway.actions[0].group_id").hasMessageContaining("24 hexadecimal");
    assertThatThrownBy(() -> action(Map.of("group_id", GROUP, "clusters", List.of())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("clusters");
    assertThatThrownBy(() -> action(Map.of("group_id", GROUP, "cluster", List.of("x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean \"clusters\"");
  }
}
