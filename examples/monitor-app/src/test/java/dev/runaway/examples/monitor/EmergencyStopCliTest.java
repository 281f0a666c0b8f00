package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** start stops a service over budget with its command action; stopped lists it; resume undoes it; check never stops. */
final class EmergencyStopCliTest {

  private static final String TOKEN = "search-token-SENTINEL-stop-4c3b";

  @TempDir
  Path dir;

  @RegisterExtension
  final LoopbackApis apis = LoopbackApis.start();

  private Path config(String confirm, Path flag) throws IOException {
    return config(confirm, command("touch", "rm", flag));
  }

  /** A command action: {@code stop path} when the service is stopped, {@code undo path} when resumed. */
  private static String command(String stop, String undo, Path path) {
    return "{\"type\": \"command\", \"argv\": [\"" + stop + "\", \"" + path + "\"], \"undo_argv\": [\"" + undo
        + "\", \"" + path + "\"]}";
  }

  private Path config(String confirm, String... actions) throws IOException {
    String json = "{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"state_dir\": \"" + dir.resolve("state").toString().replace("\\", "\\\\") + "\",\n"
        + "  \"cost_thresholds\": {\"search-api\": {\"hourly\": 0.5}},\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN")
            .replaceFirst("\\}$", ", \"on_runaway\": {\"confirm\": \"" + confirm + "\", \"actions\": ["
                + String.join(", ", actions) + "]}}") + "}\n"
        + "}\n";
    Path p = dir.resolve("monitor_config.json");
    Files.writeString(p, json, StandardCharsets.UTF_8);
    return p;
  }

  private Path env() throws IOException {
    Path p = dir.resolve(".env");
    Files.writeString(p, "SEARCH_API_TOKEN=" + TOKEN + "\n", StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void start_stopsTheServiceOverBudget_stoppedListsIt_resumeUndoesIt() throws IOException {
    Path flag = dir.resolve("worker-scaled-to-zero");
    Path config = config("auto", flag);
    Path env = env();

    MonitorAppTest.Run start = MonitorAppTest.run("start", "--config", config.toString(), "--env", env.toString(),
        "--rounds", "1");
    assertThat(start.exitCode()).as(start.all()).isZero();
    assertThat(flag).exists();

    MonitorAppTest.Run stopped = MonitorAppTest.run("stopped", "--config", config.toString(), "--env", env.toString());
    assertThat(stopped.exitCode()).as(stopped.all()).isZero();
    assertThat(stopped.out()).contains("search-api: stopped since").contains("stopped: run touch (1 argument)")
        .contains("resume: runaway-monitor resume search-api");

    MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
        env.toString());
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    // Listed under "undone" is the undo that ran, not the stop it reverted (new-user trial: the
    // line under "The stop's actions were undone" was "- run touch (1 argument)", the stop itself).
    assertThat(resume.out()).contains("search-api: resumed").contains("Undone through the service's API")
        .containsPattern("\\R  - run rm with its configured arguments \\(what resume does\\)\\R"
            + "    which reverted the stop: run touch \\(1 argument\\)")
        .doesNotContain("  - run touch");
    assertThat(Files.exists(flag)).isFalse();
    assertThat(MonitorAppTest.run("stopped", "--config", config.toString(), "--env", env.toString()).out())
        .contains("No service is stopped.");
    assertThat(start.all() + stopped.all() + resume.all()).doesNotContain(TOKEN);
  }

  /** An action's credentials are in check's table too (third-party trial: only the detectors' were). */
  @Test
  void check_listsTheCredentialsOfTheEmergencyActions() throws IOException {
    String json = "{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"cost_thresholds\": {\"search-api\": {\"hourly\": 0.5}},\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN")
            .replaceFirst("\\}$", ", \"on_runaway\": {\"confirm\": \"auto\", \"actions\": [{\"type\":"
                + " \"webhook\", \"url\": \"" + apis.url() + "/hook\", \"bearer_env\": \"HOOK_TOKEN\"}]}}") + "}\n"
        + "}\n";
    Path config = Files.writeString(dir.resolve("monitor_config.json"), json, StandardCharsets.UTF_8);
    Path env = Files.writeString(dir.resolve(".env"), "SEARCH_API_TOKEN=" + TOKEN + "\nHOOK_TOKEN=hook-"
        + TOKEN + "\n", StandardCharsets.UTF_8);
    MonitorAppTest.Run check = MonitorAppTest.run("check", "--config", config.toString(), "--env", env.toString());
    assertThat(check.out()).as(check.all()).containsPattern("search-api on_runaway\\s+HOOK_TOKEN\\s+found");
    assertThat(check.all()).doesNotContain(TOKEN);
  }

  @Test
  void check_neverStopsAnything() throws IOException {
    Path flag = dir.resolve("worker-scaled-to-zero");
    Path config = config("auto", flag);
    MonitorAppTest.Run check = MonitorAppTest.run("check", "--config", config.toString(), "--env", env().toString());
    assertThat(Files.exists(flag)).as(check.all()).isFalse();
  }

  @Test
  void resume_listsTheUndosInTheOrderTheyRan_theLastStopFirst() throws IOException {
    Path flag = dir.resolve("worker-scaled-to-zero");
    Path folder = dir.resolve("queue-paused");
    Path config = config("auto", command("touch", "rm", flag), command("mkdir", "rmdir", folder));
    Path env = env();
    MonitorAppTest.Run start = MonitorAppTest.run("start", "--config", config.toString(), "--env", env.toString(),
        "--rounds", "1");
    assertThat(start.exitCode()).as(start.all()).isZero();
    assertThat(folder).exists();

    MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
        env.toString());
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    assertThat(resume.out()).containsPattern("\\R  - run rmdir with its configured arguments \\(what resume does\\)\\R"
        + "    which reverted the stop: run mkdir \\(1 argument\\)\\R"
        + "  - run rm with its configured arguments \\(what resume does\\)\\R"
        + "    which reverted the stop: run touch \\(1 argument\\)");
    assertThat(Files.exists(folder)).isFalse();
    assertThat(Files.exists(flag)).isFalse();
  }

  @Test
  void resume_unknownService_exitsTwo() throws IOException {
    Path config = config("auto", dir.resolve("x"));
    MonitorAppTest.Run r = MonitorAppTest.run("resume", "nope", "--config", config.toString(), "--env",
        env().toString());
    assertThat(r.exitCode()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains("unknown service 'nope'");
  }
}
