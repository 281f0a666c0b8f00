package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.config.MonitorConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application's guard on the config's {@code state_dir} keeps an open breaker across restarts;
 * {@code runaway-monitor resume <service>} closes the saved one while the application is stopped
 * (a cron job between runs, a crash loop), and says where to close it while it runs.
 */
final class SavedBreakerResumeTest {

  @TempDir
  Path dir;

  @RegisterExtension
  final LoopbackApis apis = LoopbackApis.start();

  private Path config() throws IOException {
    String json = "{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"state_dir\": \"" + dir.resolve("state").toString().replace("\\", "\\\\") + "\",\n"
        + "  \"cost_thresholds\": {\"search-api\": {\"hourly\": 5}, \"openai\": {\"hourly\": 5}},\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + "}\n"
        + "}\n";
    return Files.writeString(dir.resolve("monitor_config.json"), json, StandardCharsets.UTF_8);
  }

  private Path env() throws IOException {
    return Files.writeString(dir.resolve(".env"), "SEARCH_API_TOKEN=t0k3n\n", StandardCharsets.UTF_8);
  }

  private static RunawayGuard appGuard(Path config) {
    return RunawayGuard.fromConfig(MonitorConfig.load(config));
  }

  @Test
  void resume_closesTheBreakerAStoppedApplicationSaved_andKeepsTheOthers() throws IOException {
    Path config = config();
    try (RunawayGuard app = appGuard(config)) {
      app.breaker("search-api").trip(TripReason.BURN_RATE, "looping");
      app.breaker("openai").forceOpen("incident 7");
    }
    MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
        env().toString());
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    assertThat(resume.out()).contains("search-api: its breaker saved in").contains("BURN_RATE: looping")
        .contains("is closed");
    try (RunawayGuard app = appGuard(config)) {
      assertThat(app.breaker("search-api").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(app.breaker("openai").state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
    }
    // A service the monitor does not poll: its application's breaker is closed all the same.
    MonitorAppTest.Run openai = MonitorAppTest.run("resume", "openai", "--config", config.toString(), "--env",
        env().toString());
    assertThat(openai.exitCode()).as(openai.all()).isZero();
    assertThat(openai.out()).contains("openai: its breaker saved in").contains("FORCED_OPEN");
    try (RunawayGuard app = appGuard(config)) {
      assertThat(app.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void resume_closesTheSavedBreaker_evenWhenAnotherServicesSettingsAreWrong() throws IOException {
    // nu39 trial: a misspelt setting of a service whose credential the operator's shell lacks is
    // a config error since check reads such settings; resume then closed nothing (exit 2 before
    // the state folder was read), though the application (RunawayGuard.fromConfig) ran on it.
    String json = Files.readString(config()).replace("\"services\": {",
        "\"services\": {\"payments\": {\"type\": \"stripe\", \"stripe_acount\": \"acct_1\"}, ");
    Path config = Files.writeString(dir.resolve("monitor_config.json"), json, StandardCharsets.UTF_8);
    try (RunawayGuard app = appGuard(config)) {
      app.breaker("search-api").trip(TripReason.BURN_RATE, "looping");
    }

    MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
        env().toString());

    assertThat(resume.out()).as(resume.all()).contains("search-api: its breaker saved in").contains("is closed");
    assertThat(resume.err()).contains("services.payments.stripe_acount");
    try (RunawayGuard app = appGuard(config)) {
      assertThat(app.breaker("search-api").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  /** An application guard whose keys (tenants) have budgets, and so breakers, of their own. */
  private RunawayGuard keyedAppGuard() {
    return RunawayGuard.builder()
        .service("search-api", s -> s.budget(Budget.hourly(Cost.usd("5"))).perKeyBudget(Budget.daily(Cost.usd("1"))))
        .stateDir(dir.resolve("state")).build();
  }

  @Test
  void resume_closesTheBreakersOfTheServicesKeysTooAndNamesThem() throws IOException {
    Path config = config();
    try (RunawayGuard app = keyedAppGuard()) {
      app.service("search-api").forKey("tenant-7").breaker().trip(TripReason.REPEATED_REQUEST, "same query");
    }
    MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
        env().toString());
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    assertThat(resume.out()).contains("search-api: the breaker of its key tenant-7 saved in")
        .contains("REPEATED_REQUEST: same query").contains("is closed");
    try (RunawayGuard app = keyedAppGuard()) {
      assertThat(app.service("search-api").forKey("tenant-7").breaker().state())
          .isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void resume_whileTheApplicationRuns_saysWhereToCloseIt() throws IOException {
    Path config = config();
    try (RunawayGuard app = appGuard(config)) {
      app.breaker("search-api").trip(TripReason.BURN_RATE, "looping");
      MonitorAppTest.Run resume = MonitorAppTest.run("resume", "search-api", "--config", config.toString(), "--env",
          env().toString());
      assertThat(resume.exitCode()).as(resume.all()).isZero();
      assertThat(resume.out()).contains("an application's guard is running on")
          .contains("guard.breaker(\"search-api\").reset()")
          // Its keys' breakers are kept too, and closed in the application as well.
          .contains("guard.service(\"search-api\").forKey(key).breaker().reset()");
      assertThat(app.breaker("search-api").state()).isEqualTo(CircuitBreaker.State.OPEN);
    }
  }
}
