package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.telegram.TelegramNotifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line messages that used to mislead a new user (issue 18). */
final class MisleadingAppMessagesTest {

  @TempDir
  Path dir;

  @Test
  void check_providerConfigError_isNotPrecededByConfigValid() throws IOException {
    Path config = dir.resolve("monitor_config.json");
    Files.writeString(config, "{\n  \"services\": {\n    \"stripe\": {\n      \"type\": \"stripe\",\n"
        + "      \"base_url\": \"http://api.example.com\"\n    }\n  }\n}\n", StandardCharsets.UTF_8);
    Path env = dir.resolve(".env");
    Files.writeString(env, "STRIPE_API_KEY=sk_test_not_a_real_key\n", StandardCharsets.UTF_8);

    MonitorAppTest.Run r = MonitorAppTest.run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.USAGE);
    assertThat(r.all()).contains("refusing plain http://").contains(config.toString() + ":3");
    assertThat(r.out()).doesNotContain("valid");
  }

  @Test
  void check_misspeltNotifierType_namesTheTypeMeant_andIsNotPrecededByConfigValid() throws IOException {
    // nu30 config trial: "telegarm" printed "Config ...: valid" and then the error, without the type meant.
    Path config = dir.resolve("monitor_config.json");
    Files.writeString(config, "{\n  \"notifications\": {\n    \"telegarm\": {}\n  }\n}\n", StandardCharsets.UTF_8);
    Path env = dir.resolve(".env");
    Files.writeString(env, "", StandardCharsets.UTF_8);

    MonitorAppTest.Run r = MonitorAppTest.run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.USAGE);
    assertThat(r.all()).contains(config + ":3:").contains("notifications.telegarm")
        .contains("(did you mean 'telegram'?)");
    assertThat(r.out()).doesNotContain("valid");
  }

  @Test
  void check_aStateDirThatIsAFile_isAProblemNamingTheLine() throws IOException {
    // nu30 config trial: "state_dir" naming a file passed check ("Everything configured works.", exit 0),
    // while start kept every spend and baseline in memory only, lost at each restart.
    Path config = dir.resolve("monitor_config.json");
    Files.writeString(config, "{\n  \"monitoring_interval\": 300,\n  \"state_dir\": \"monitor_config.json\"\n}\n",
        StandardCharsets.UTF_8);
    Path env = dir.resolve(".env");
    Files.writeString(env, "", StandardCharsets.UTF_8);

    MonitorAppTest.Run r = MonitorAppTest.run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.FAILURE);
    assertThat(r.out()).contains("1 problem:").contains(config + ":3:16: state_dir: " + config + " is a file, not a folder")
        .doesNotContain("Everything configured works");
    assertThat(CheckCommand.stateDirProblem(dir.resolve("state"))).isNull();
    assertThat(CheckCommand.stateDirProblem(config.resolve("state"))).contains("cannot be created: " + config
        + " is a file, not a folder");
  }

  @Test
  void demo_intoAPipe_writesPlainLinesWithoutCarriageReturns() {
    // Tests run without a console, as a pipe or a CI log does.
    MonitorAppTest.Run r = MonitorAppTest.run("demo", "--fast", "--no-telegram", "--env",
        dir.resolve("none.env").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out()).doesNotContain("\r").contains("learning the baseline").contains("Summary");
    // One line per phase, not one per redraw.
    assertThat(r.out().lines().filter(l -> l.contains("learning the baseline")).count()).isEqualTo(1);
  }

  /**
   * README ("The standalone monitor"): "The chat id is read like a credential (TELEGRAM_CHANNEL_ID)
   * and so is masked as *** wherever the monitor prints it". Trial nu87: `runaway-monitor demo` with
   * both variables in .env printed "Telegram: the alerts also go to chat -1001234567890.", while
   * `check` prints "chat *** (Spend alerts)". Drives the demo's Telegram set-up only (no message is
   * sent: the demo itself would post to api.telegram.org).
   */
  @Test
  void demo_withTelegramSet_masksTheChatIdLikeCheckDoes() throws Exception {
    Path env = dir.resolve(".env");
    Files.writeString(env, "TELEGRAM_BOT_TOKEN=123456789:AAE-TgSECRETtokenXYZabc0123456789\n"
        + "TELEGRAM_CHANNEL_ID=-1001234567890\n", StandardCharsets.UTF_8);
    DemoCommand demo = new DemoCommand();
    demo.envFile = env;
    StringWriter out = new StringWriter();
    Method telegram = DemoCommand.class.getDeclaredMethod("telegram", PrintWriter.class);
    telegram.setAccessible(true);
    TelegramNotifier n = (TelegramNotifier) telegram.invoke(demo, new PrintWriter(out, true));
    try {
      assertThat(n).isNotNull();
      assertThat(out.toString()).contains("Telegram: the alerts also go to chat").doesNotContain("1001234567890")
          .doesNotContain("AAE-TgSECRETtokenXYZabc0123456789");
    } finally {
      n.close();
    }
  }
}
