package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: exit codes, {@code check} against loopback services, {@code start} and {@code demo}. */
final class MonitorAppTest {

  private static final String SEARCH_TOKEN = "search-token-SENTINEL-9f8e7d";

  @TempDir
  Path dir;

  @RegisterExtension
  final LoopbackApis apis = LoopbackApis.start();

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {
    String all() {
      return out + err;
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void help_listsTheCommands_andExitsZero() {
    Run r = run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("start", "check", "demo", "monitoring_interval", "cost_thresholds",
        "usage_spike_multiplier", "circuit_breaker", "Exit codes");
    assertThat(run("check", "--help").exitCode()).isZero();
    assertThat(run("start", "--help").out()).contains("--config", "--env", "monitor.py --start");
  }

  @ParameterizedTest
  @CsvSource({"''", "bogus", "--bogus", "check --bogus", "start --rounds 0"})
  void badUsage_exitsTwo(String args) {
    Run r = run(args.isEmpty() ? new String[0] : args.split(" "));
    assertThat(r.exitCode()).isEqualTo(Main.USAGE);
    assertThat(r.err()).isNotBlank();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // a value of the wrong type, on line 3
      "{\\n  \"monitoring_interval\": 60,\\n  \"usage_spike_multiplier\": \"high\"\\n}|:3:|usage_spike_multiplier",
      // a key that does not exist, on line 2
      "{\\n  \"cost_treshold\": {}\\n}|:2:|cost_treshold",
      // a JSON syntax error (missing comma) on line 3
      "{\\n  \"monitoring_interval\": 60\\n  \"usage_spike_multiplier\": 3\\n}|:3:|",
      // a budget that is not a number, nested
      "{\\n  \"cost_thresholds\": {\\n    \"openai\": {\"hourly\": \"ten\"}\\n  }\\n}|:3:|cost_thresholds.openai.hourly"})
  void check_brokenConfig_exitsTwo_namingTheFilePathAndLine(String json, String line, String path) throws IOException {
    // Lines are written as \\n in the table.
    Path config = write("broken.json", json.replace("\\n", "\n"));
    Run r = run("check", "--config", config.toString(), "--env", dir.resolve("none.env").toString());
    assertThat(r.exitCode()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains(config.toString() + line).contains(path == null ? "" : path);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"services\": {\"openai\": {\"type\": \"openai\", \"endpoints\": [\"completionz\"]}}}"
          + "|services.openai.endpoints|not a usage endpoint|OPENAI_ADMIN_KEY",
      "{\"services\": {\"r2\": {\"type\": \"cloudflare_r2\", \"account_id\": \"not-hex\"}}}"
          + "|services.r2.account_id|32 hexadecimal digits|CLOUDFLARE_API_TOKEN",
      "{\"services\": {\"github\": {\"type\": \"github_actions\", \"org\": \"acme\", \"user\": \"bob\"}}}"
          + "|services.github.user|either org or user|GITHUB_TOKEN"})
  void check_invalidSettingAndMissingCredential_areBothReportedInOneRun(String json, String path, String rule,
      String variable) throws IOException {
    // Trial finding: the setting error was hidden behind "missing credential" until the credential was set.
    Path config = write("monitor_config.json", json);
    Run r = run("check", "--config", config.toString(), "--env", dir.resolve("none.env").toString());
    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains(config + ":1:", path, rule, "missing credential " + variable);
  }

  /**
   * Review finding: stripe, vercel, mongodb_atlas, supabase and rest reported a mistake in a
   * service's settings only once its credential was set. Each row is a service whose setting is
   * wrong and whose credential is missing: the mistake is reported with the same words as with the
   * credential (file:line, JSON path, rule, did-you-mean), and the missing credential beside it.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // a misspelt key, with its did-you-mean
      "\"pay\": {\"type\": \"stripe\", \"stripe_acount\": \"acct_1\"}|services.pay.stripe_acount"
          + "|STRIPE_API_KEY=sk_test_1",
      // a negative number
      "\"web\": {\"type\": \"vercel\", \"team_id\": \"team_1\", \"late_data_hours\": -1}"
          + "|services.web.late_data_hours|VERCEL_TOKEN=vt_1",
      // a number out of range; no auth given, so either pair of credentials will do
      "\"atlas\": {\"type\": \"mongodb_atlas\", \"org_id\": \"5f1e7c2b9d3a4b0011aa22bb\", \"max_body_bytes\": 10}"
          + "|services.atlas.max_body_bytes|MONGODB_ATLAS_CLIENT_ID=id;MONGODB_ATLAS_CLIENT_SECRET=secret",
      // a wrong type, with auth given
      "\"atlas\": {\"type\": \"mongodb_atlas\", \"org_id\": \"5f1e7c2b9d3a4b0011aa22bb\", \"auth\": \"api_key\","
          + " \"timeout_seconds\": -5}|services.atlas.timeout_seconds"
          + "|MONGODB_ATLAS_PUBLIC_KEY=pub;MONGODB_ATLAS_PRIVATE_KEY=priv",
      // a malformed value
      "\"db\": {\"type\": \"supabase\", \"project_ref\": \"Not-A-Ref\"}|services.db.project_ref"
          + "|SUPABASE_ACCESS_TOKEN=sbp_1",
      // the project from SUPABASE_URL, which is missing too
      "\"db\": {\"type\": \"supabase\", \"timeout_seconds\": 0}|services.db.timeout_seconds"
          + "|SUPABASE_ACCESS_TOKEN=sbp_1;SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co",
      // a shared setting the rest config itself does not read
      "\"vendor\": {\"type\": \"rest\", \"max_pages\": -3, \"request\": {\"url\": \"http://127.0.0.1:9/usage\","
          + " \"auth\": {\"type\": \"bearer\", \"token_env\": \"VENDOR_TOKEN\"}}, \"allow_insecure_http\": true,"
          + " \"metrics\": [{\"name\": \"requests\", \"value_pointer\": \"/count\"}]}|services.vendor.max_pages"
          + "|VENDOR_TOKEN=vt_1",
      // nu39 trial: a mistake in the rest config itself hid the credentials it names
      "\"vendor\": {\"type\": \"rest\", \"request\": {\"url\": \"http://127.0.0.1:9/usage\", \"auth\": {\"type\":"
          + " \"bearer\", \"token_env\": \"VENDOR_TOKEN\"}}, \"metrics\": [{\"name\": \"requests\", \"value_pointer\":"
          + " \"/count\", \"cost_per_unt\": 0.01}]}|services.vendor.metrics[0].cost_per_unt|VENDOR_TOKEN=vt_1",
      // nu39 trial: without auth, a setting read before the credentials hid the missing ones
      "\"atlas\": {\"type\": \"mongodb_atlas\", \"org_id\": \"5f1\"}|services.atlas.org_id"
          + "|MONGODB_ATLAS_CLIENT_ID=id;MONGODB_ATLAS_CLIENT_SECRET=secret",
      "\"atlas\": {\"type\": \"mongodb_atlas\", \"org_id\": \"5f1e7c2b9d3a4b0011aa22bb\", \"auth\": \"service_acount\"}"
          + "|services.atlas.auth|MONGODB_ATLAS_CLIENT_ID=id;MONGODB_ATLAS_CLIENT_SECRET=secret"})
  void check_settingMistakeAndMissingCredential_reportsTheMistakeAsWithTheCredential(String service, String path,
      String credentials) throws IOException {
    Path config = write("monitor_config.json", "{\n  \"services\": {\n    " + service + "\n  }\n}\n");
    Path env = write("with.env", credentials.replace(';', '\n') + "\n");
    Run with = run("check", "--config", config.toString(), "--env", env.toString());
    assertThat(with.exitCode()).as(with.all()).isEqualTo(Main.USAGE);
    String mistake = with.err().lines().filter(l -> l.contains(config + ":3:")).findFirst().orElseThrow();
    String rule = mistake.substring(mistake.indexOf(path) + path.length());

    Run without = run("check", "--config", config.toString(), "--env", dir.resolve("none.env").toString());

    assertThat(without.exitCode()).as(without.all()).isEqualTo(Main.USAGE);
    String firstVariable = credentials.substring(0, credentials.indexOf('='));
    assertThat(without.err()).contains(config + ":3:", path, rule.strip(), "missing credential", firstVariable)
        .doesNotContain("a missing credentials");
  }

  /** The stand-in credentials of a settings check raise no error of their own on valid settings. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"atlas\": {\"type\": \"mongodb_atlas\", \"org_id\": \"5f1e7c2b9d3a4b0011aa22bb\"}",
      "\"db\": {\"type\": \"supabase\"}",
      "\"vendor\": {\"type\": \"rest\", \"request\": {\"url\": \"${VENDOR_URL}/usage\", \"headers\": {\"X-Team\":"
          + " \"${VENDOR_TEAM}\"}, \"auth\": {\"type\": \"basic\", \"username_env\": \"VENDOR_USER\", \"password_env\":"
          + " \"VENDOR_PASSWORD\"}}, \"metrics\": [{\"name\": \"requests\", \"value_pointer\": \"/count\"}]}",
      "\"vendor\": {\"type\": \"rest\", \"request\": {\"url\": \"https://127.0.0.1:${VENDOR_PORT}/usage\"},"
          + " \"metrics\": [{\"name\": \"requests\", \"value_pointer\": \"/count\"}]}"})
  void check_validSettingsAndMissingCredential_reportOnlyTheMissingCredential(String service) throws IOException {
    Path config = write("monitor_config.json", "{\n  \"services\": {\n    " + service + "\n  }\n}\n");

    Run r = run("check", "--config", config.toString(), "--env", dir.resolve("none.env").toString());

    assertThat(r.exitCode()).as(r.all()).isNotEqualTo(Main.USAGE);
    assertThat(r.all()).contains("missing credential").doesNotContain(config + ":3:");
  }

  @Test
  void check_missingConfigFile_exitsTwo_andSaysHowToStart() {
    Path missing = dir.resolve("monitor_config.json");
    Run r = run("check", "--config", missing.toString());
    assertThat(r.exitCode()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains(missing.toString(), "monitor_config.example.json");
  }

  @Test
  void check_allLoopbackServicesAndTelegramWork_exitsZero_namingCredentialsButNeverTheirValues() throws IOException {
    Path config = write("monitor_config.json", "{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"cost_thresholds\": {\"search-api\": {\"hourly\": 5.0, \"daily\": 50.0}},\n"
        + "  \"services\": {\n"
        + "    \"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + "\n"
        + "  },\n"
        + "  \"notifications\": {\"telegram\": {\"base_url\": \"" + apis.url() + "\"}}\n"
        + "}\n");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\nTELEGRAM_BOT_TOKEN=" + LoopbackApis.BOT_TOKEN
        + "\nTELEGRAM_CHANNEL_ID=" + LoopbackApis.CHAT + "\n");
    int mark = LogCapture.mark();

    Run r = run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out()).contains("SEARCH_API_TOKEN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHANNEL_ID", "found")
        .contains("search-api").contains("$0.60") // 1200 requests at $0.0005
        .contains("@runaway_guard_bot").contains("Everything configured works.");
    assertThat(apis.requests).contains("GET /usage", "POST /bot" + LoopbackApis.BOT_TOKEN + "/sendMessage");
    assertThat(r.all()).doesNotContain(SEARCH_TOKEN).doesNotContain(LoopbackApis.BOT_TOKEN);
    assertThat(LogCapture.since(mark).stream().map(LogCapture.Event::fullText))
        .noneMatch(t -> t.contains(SEARCH_TOKEN) || t.contains(LoopbackApis.BOT_TOKEN));
  }

  @Test
  void check_credentialsFromAPluggedInSecretSource_areFound_andNeverShown() throws IOException {
    // Third-party trial: the standalone monitor looked only in the environment and .env, so a
    // credential kept in a SecretSourceProvider's vault was reported MISSING and the service skipped.
    String vaultToken = "vault-held-token-SENTINEL-7c6b5a";
    TestVaultSecretSourceProvider.VALUES.put("VAULT_SEARCH_TOKEN", vaultToken);
    try {
      Path config = write("monitor_config.json", "{\n"
          + "  \"services\": {\"search-api\": " + apis.restService("/usage", "VAULT_SEARCH_TOKEN") + "}\n"
          + "}\n");
      int mark = LogCapture.mark();

      Run r = run("check", "--config", config.toString(), "--env", dir.resolve("absent.env").toString());

      assertThat(r.exitCode()).as(r.all()).isZero();
      assertThat(r.out()).containsPattern("search-api +VAULT_SEARCH_TOKEN +found \\(the test vault\\)")
          .contains("$0.60").contains("then the test vault");
      assertThat(apis.requests).contains("GET /usage");
      String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText)
          .collect(java.util.stream.Collectors.joining("\n"));
      assertThat(logs).contains(TestVaultSecretSourceProvider.Failing.class.getName())
          .doesNotContain(TestVaultSecretSourceProvider.Failing.QUOTED).doesNotContain(vaultToken);
      assertThat(r.all()).doesNotContain(vaultToken).doesNotContain(TestVaultSecretSourceProvider.Failing.QUOTED);
    } finally {
      TestVaultSecretSourceProvider.VALUES.remove("VAULT_SEARCH_TOKEN");
    }
  }

  @Test
  void check_aNotifierOfYourOwnThatFailsQuotingItsCredential_isFailed_withTheCredentialMasked() throws IOException {
    // Third-party trial: check printed the notifier's failure as it was, credential included.
    String hookToken = "hook-token-SENTINEL-3e2d1c0b";
    Path config = write("monitor_config.json", "{\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + "},\n"
        + "  \"notifications\": {\"quoting_hook\": {}}\n"
        + "}\n");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\nQUOTING_HOOK_TOKEN=" + hookToken + "\n");

    Run r = run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.FAILURE);
    assertThat(r.out()).containsPattern("quoting_hook +FAILED +hook refused token \\*\\*\\* \\(basic \\*\\*\\*\\)")
        .contains("notifications.quoting_hook: hook refused token ***");
    String b64 = java.util.Base64.getEncoder().encodeToString(("u:" + hookToken).getBytes(StandardCharsets.UTF_8));
    assertThat(r.all()).doesNotContain(hookToken).doesNotContain(b64);
  }

  @Test
  void check_aDetectorPluginThatReturnsNull_isAProblemNamingThePluginsClass() throws IOException {
    // Third-party trial: the message named the app's own wrapper (RecordingProviders$Recording).
    // Changed deliberately: a failing plug-in was a config error that stopped every service (exit 2);
    // that one service is now SKIPPED, named as a problem (exit 1), and the others would be checked.
    Path config = write("monitor_config.json", "{\"services\": {\"broken\": {\"type\": \"null_detector\"}}}\n");

    Run r = run("check", "--config", config.toString(), "--env", dir.resolve("absent.env").toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.FAILURE);
    assertThat(r.out()).contains("SKIPPED")
        .contains("DetectorProvider " + NullDetectorProvider.class.getName() + " returned no detector")
        .doesNotContain("RecordingProviders");
  }

  @Test
  void check_apiKeyQueryWithASpaceInAUrlVariable_isAConfigErrorThatShowsTheKeyInNoEncoding() throws IOException {
    String key = "k3y+with/slash=and&amp sp\u00e9cial-9f27c1";
    Path config = write("monitor_config.json", "{\n"
        + "  \"services\": {\n"
        + "    \"vendor\": {\"type\": \"rest\", \"request\": {\"url\": \"" + apis.url()
        + "/usage/${VENDOR_ACCOUNT}\", \"auth\": {\"type\": \"apiKeyQuery\", \"name\": \"api_key\", \"keyEnv\":"
        + " \"VENDOR_KEY\"}}, \"metrics\": [{\"name\": \"requests\", \"valuePointer\": \"/count\"}]}\n"
        + "  }\n"
        + "}\n");
    Path env = write(".env", "VENDOR_KEY=\"" + key + "\"\nVENDOR_ACCOUNT=\"acme corp\"\n");
    int mark = LogCapture.mark();

    Run r = run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).contains("services.vendor.request.url").contains("not a valid URL");
    String form = java.net.URLEncoder.encode(key, StandardCharsets.UTF_8);
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText)
        .collect(java.util.stream.Collectors.joining("\n"));
    for (String f : List.of(key, form, form.replace("+", "%20"), "acme corp")) {
      assertThat(r.all()).as("output holds %s", f).doesNotContain(f);
      assertThat(logs).as("logs hold %s", f).doesNotContain(f);
    }
    assertThat(apis.requests).noneMatch(q -> q.contains("/usage/"));
  }

  @Test
  void check_aFailingServiceAndAMissingCredential_exitOne_namingEach() throws IOException {
    Path config = write("monitor_config.json", "{\n"
        + "  \"services\": {\n"
        + "    \"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + ",\n"
        + "    \"billing-api\": " + apis.restService("/broken", "SEARCH_API_TOKEN") + ",\n"
        + "    \"vector-db\": " + apis.restService("/usage", "VECTOR_DB_TOKEN") + "\n"
        + "  }\n"
        + "}\n");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\n");

    Run r = run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.FAILURE);
    assertThat(r.out()).contains("2 problems:").contains("billing-api: ").contains("vector-db: ")
        .contains("VECTOR_DB_TOKEN").contains("MISSING");
    assertThat(r.out()).doesNotContain("search-api: ");
    assertThat(r.all()).doesNotContain(SEARCH_TOKEN);
  }

  @Test
  void check_telegramWithoutCredentials_namesBothVariables_andExitsOne() throws IOException {
    Path config = write("monitor_config.json", "{\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + "},\n"
        + "  \"notifications\": {\"telegram\": {\"base_url\": \"" + apis.url() + "\"}}\n"
        + "}\n");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\n");

    Run r = run("check", "--config", config.toString(), "--env", env.toString());

    assertThat(r.exitCode()).as(r.all()).isEqualTo(Main.FAILURE);
    assertThat(r.out()).containsPattern("notifications.telegram +TELEGRAM_BOT_TOKEN +MISSING")
        .containsPattern("notifications.telegram +TELEGRAM_CHANNEL_ID +MISSING")
        .contains("1 problem:").contains("notifications.telegram: missing credential");
    assertThat(apis.requests).noneMatch(req -> req.contains("/bot"));
  }

  @Test
  void start_oneRound_printsTheStatusTable_andStopsCleanly() throws IOException {
    Path config = write("monitor_config.json", "{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"cost_thresholds\": {\"search-api\": {\"hourly\": 5.0, \"daily\": 50.0}},\n"
        + "  \"services\": {\"search-api\": " + apis.restService("/usage", "SEARCH_API_TOKEN") + ",\n"
        + "               \"vector-db\": " + apis.restService("/usage", "VECTOR_DB_TOKEN") + "}\n"
        + "}\n");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\n");

    Run r = run("start", "--config", config.toString(), "--env", env.toString(), "--rounds", "1");

    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out()).contains("Monitoring search-api every 60 s")
        .contains("Not monitored: vector-db").contains("VECTOR_DB_TOKEN")
        .contains("SERVICE", "HOUR", "DAY", "RATE / BASELINE", "BREAKER", "LAST ERROR")
        .contains("$0.60 / $5.00").contains("$0.60 / $50.00")
        .contains("Stopped after 1 round.");
    assertThat(r.all()).doesNotContain(SEARCH_TOKEN);
  }

  @Test
  void start_withHttp_servesTheStatusPageWhileRunning() throws IOException {
    Path config = write("monitor_config.json", "{\"monitoring_interval\": 60, \"services\": {\"search-api\": "
        + apis.restService("/usage", "SEARCH_API_TOKEN") + "}}");
    Path env = write(".env", "SEARCH_API_TOKEN=" + SEARCH_TOKEN + "\n");

    Run r = run("start", "--config", config.toString(), "--env", env.toString(), "--rounds", "1",
        "--http", "127.0.0.1:0");

    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out()).containsPattern("Status page on http://127\\.0\\.0\\.1:[0-9]+/")
        .contains("Stopped after 1 round.");
    Run bad = run("start", "--config", config.toString(), "--env", env.toString(), "--http", "127.0.0.1:99999");
    assertThat(bad.exitCode()).isEqualTo(Main.USAGE);
    assertThat(bad.err()).contains("--http must be [HOST:]PORT");
  }

  @Test
  void start_withNoService_exitsTwo() throws IOException {
    Path config = write("monitor_config.json", "{\"monitoring_interval\": 60}");
    Run r = run("start", "--config", config.toString(), "--env", dir.resolve("none.env").toString());
    assertThat(r.exitCode()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains("names no service");
  }

  @Test
  void demo_fast_stopsTheRunaway_andPrintsTheSummary() {
    // --no-telegram: a developer's TELEGRAM_* variables must not turn a test run into real messages.
    Run r = run("demo", "--fast", "--no-telegram", "--env", dir.resolve("none.env").toString());
    assertThat(r.exitCode()).as(r.all()).isZero();
    assertThat(r.out()).contains("Summary", "Normal traffic:", "Runaway loop:", "refused without reaching the API",
        "by the open circuit breaker", "Detection delay:", "Unguarded, this loop:");
    // With the defaults the breaker stays open while the loop runs on, and closes once after it stops.
    assertThat(r.out()).contains("the breaker never closed in the 10 min the loop ran after the trip",
        "the breaker closed once,");
  }
}
