package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.internal.LogNotifierProvider;
import dev.runaway.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

final class SettingsReaderTest {

  @TempDir
  Path dir;

  private MonitorConfig load(String json) throws Exception {
    Path file = dir.resolve("monitor_config.json");
    Files.writeString(file, json);
    return MonitorConfig.load(file);
  }

  @Test
  void nestedError_namesFileLineOfItsSectionAndFullPath() throws Exception {
    MonitorConfig c = load("{\n  \"monitoring_interval\": 300,\n  \"services\": {\n    \"api\": {\n"
        + "      \"type\": \"rest\",\n      \"request\": {\"url\": 42}\n    }\n  }\n}\n");
    SettingsReader request = c.services().get("api").reader().object("request");

    assertThatThrownBy(() -> request.string("url")).isInstanceOfSatisfying(ConfigException.class, e -> {
      assertThat(e.path()).contains("services.api.request.url");
      assertThat(e.file()).contains(dir.resolve("monitor_config.json"));
      assertThat(e.line()).isEqualTo(6);
      assertThat(e.getMessage()).contains("must be a string, got a number");
    });
  }

  @Test
  void choice_namesTheValueWrittenAndTheNearestChoice_butNeverQuotesATokenShapedValue() {
    // A new user writes the snake_case spelling every key uses, or "Bearer" as in the header;
    // "must be one of [...]" alone did not say which value was wrong nor which was meant.
    SettingsReader metric = SettingsReader.of("services.api.metrics[0]", Map.of("kind", "window_total"));
    assertThatThrownBy(() -> metric.choice("kind", "windowTotal", List.of("windowTotal", "counter", "gauge")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.api.metrics[0].kind: must be one of [windowTotal, counter, gauge]")
        .hasMessageContaining("got \"window_total\" (did you mean \"windowTotal\"?)");
    SettingsReader auth = SettingsReader.of("auth", Map.of("type", "Bearer"));
    assertThatThrownBy(() -> auth.choice("type", "none", List.of("none", "bearer", "basic")))
        .hasMessageContaining("got \"Bearer\" (did you mean \"bearer\"?)");
    SettingsReader far = SettingsReader.of("auth", Map.of("type", "oauth"));
    assertThatThrownBy(() -> far.choice("type", "none", List.of("none", "bearer", "basic")))
        .hasMessageEndingWith("got \"oauth\"");
    String token = "ghp_R2x9Lk4mQ8vN1pZ7wT3y";
    SettingsReader pasted = SettingsReader.of("auth", Map.of("type", token));
    assertThatThrownBy(() -> pasted.choice("type", "none", List.of("none", "bearer", "basic")))
        .hasMessageContaining("a value of 24 characters (not shown")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token).doesNotContain("R2x9"));
  }

  @Test
  void allowOnly_suggestsTheNearestKey_andAcceptsTheMonitorSectionAtTheServiceRoot() {
    ServiceSettings s = ServiceSettings.of("api", "rest", Map.of("tokn_env", "X", "on_runaway", Map.of()));

    assertThatThrownBy(() -> s.reader().allowOnly(Set.of("token_env", "base_url")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.api.tokn_env")
        .hasMessageContaining("did you mean \"token_env\"?")
        .hasMessageContaining("allowed here: [base_url, on_runaway, token_env]");
    assertThat(SettingsReader.of("x", Map.of("on_runaway", 1)).keys()).containsExactly("on_runaway");
    assertThatThrownBy(() -> SettingsReader.of("x", Map.of("on_runaway", 1)).allowOnly(Set.of("a")))
        .hasMessageContaining("x.on_runaway");
  }

  @Test
  void allowOnly_aCredentialWrittenUnderTheNameOfItsVariableSetting_isToldWhereCredentialsGo() {
    // "token": "sk-..." where "token_env": "NAME" belongs: the message says where a credential
    // goes and never quotes the value.
    String token = "sk-live-SENTINEL-0123456789";
    SettingsReader auth = SettingsReader.of("services.api.request.auth", Map.of("type", "bearer", "token", token));

    assertThatThrownBy(() -> auth.allowOnly(Set.of("type", "token_env")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.api.request.auth.token")
        .hasMessageContaining("put it in the environment or in .env")
        .hasMessageContaining("\"token_env\": \"MY_TOKEN\"")
        .hasMessageNotContaining("SENTINEL");
  }

  @Test
  void allowOnly_aCredentialPastedUnderAKeyOfItsOwn_isToldWhereCredentialsGo() {
    // nu42 trial: "api_key": "sk-..." in the openai block was only "not a known setting".
    String key = "sk-proj-SENTINEL-0123456789abcdef";
    for (String name : List.of("api_key", "apiKey", "admin_key", "token", "client_secret")) {
      SettingsReader s = SettingsReader.of("services.openai", Map.of("type", "openai", name, key));
      assertThatThrownBy(() -> s.allowOnly(Set.of("type", "base_url")))
          .as(name)
          .hasMessageContaining("services.openai." + name + ": is not a known setting (a credential is never"
              + " written in the config: put it in the environment or in .env")
          .hasMessageNotContaining("SENTINEL");
    }
    assertThatThrownBy(() -> SettingsReader.of("services.x", Map.of("monkey", 1)).allowOnly(Set.of("type")))
        .hasMessageNotContaining("credential");
  }

  @Test
  void allowOnly_aKeyWithAWordMoreOrLess_namesTheKeysItMayMean() {
    // services.vercel.team got no did-you-mean: team_id and team_slug are 3 edits away.
    Set<String> vercel = Set.of("type", "team_id", "team_slug", "token_env");
    assertThatThrownBy(() -> SettingsReader.of("services.vercel", Map.of("team", "acme")).allowOnly(vercel))
        .hasMessageContaining("services.vercel.team: is not a known setting (did you mean \"team_id\" or"
            + " \"team_slug\"?)");
    assertThatThrownBy(() -> SettingsReader.of("services.x", Map.of("project_id", "p")).allowOnly(Set.of("project")))
        .hasMessageContaining("services.x.project_id: is not a known setting (did you mean \"project\"?)");
  }

  @Test
  void allowOnly_aVariableNamedWhereTheServiceReadsAFixedOne_isNotTakenForAPastedCredential() {
    // GitHub reads GITHUB_TOKEN; "token_env" was told "a credential is never written in the config",
    // although it names a variable.
    SettingsReader s = SettingsReader.of("services.gh", Map.of("type", "github_actions", "token_env", "MY_GH"));
    assertThatThrownBy(() -> s.allowOnly(Set.of("type", "org")))
        .hasMessageContaining("services.gh.token_env: is not a known setting (no setting here names a variable:"
            + " this service reads its credentials from variables of fixed names")
        .hasMessageNotContaining("is never written").hasMessageNotContaining("MY_GH");
    // Nested, as in a rest service's "auth": {"type": "none"}, it is neither.
    SettingsReader auth = SettingsReader.of("services.vendor", Map.of("auth", Map.of("type", "none", "token_env",
        "MY_TOKEN"))).object("auth");
    assertThatThrownBy(() -> auth.allowOnly(Set.of("type")))
        .hasMessageContaining("services.vendor.auth.token_env: is not a known setting; allowed here: [type]");
  }

  @Test
  void allowOnly_everyUnknownKeyAtOnce() {
    SettingsReader r = SettingsReader.of("services.api", new java.util.TreeMap<>(Map.of("bse_url", "x",
        "tokn_env", "X", "base_url", "y")));
    assertThatThrownBy(() -> r.allowOnly(Set.of("token_env", "base_url")))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).extracting(p -> p.path().orElse(""))
              .containsExactly("services.api.bse_url", "services.api.tokn_env");
          assertThat(e.getMessage()).contains("did you mean \"base_url\"?").contains("did you mean \"token_env\"?");
        });
  }

  @Test
  void objects_locateEachElementByIndex() {
    SettingsReader r = SettingsReader.of("services.api", Map.of("items", List.of(Map.of("a", 1), "oops")));

    assertThatThrownBy(() -> r.objects("items")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.api.items[1]").hasMessageContaining("must be an object, got a string");
    assertThat(SettingsReader.of("services.api", Map.of("items", List.of(Map.of("a", 1)))).objects("items").get(0)
        .jsonPath()).isEqualTo("services.api.items[0]");
  }

  @Test
  void renamed_readsTheOldSpellingAsTheNewOne_andWarnsWithTheLine() throws Exception {
    MonitorConfig c = load("{\n  \"monitoring_interval\": 300,\n  \"services\": {\n    \"api\": {\n"
        + "      \"type\": \"rest\",\n      \"timeoutSeconds\": 5\n    }\n  }\n}\n");
    int mark = LogCapture.mark();

    SettingsReader r = c.services().get("api").reader().renamed("timeoutSeconds", "timeout_seconds");

    assertThat(r.integer("timeout_seconds", 30, 1, 60)).isEqualTo(5);
    assertThat(r.keys()).containsExactly("timeout_seconds");
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("services.api.timeoutSeconds", ":6)", "deprecated",
            "\"timeout_seconds\""));
    assertThatThrownBy(() -> r.integer("timeout_seconds", 30, 10, 60)).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.line()).as("located where the old key is written").isEqualTo(6));
  }

  @Test
  void renamed_rejectsBothSpellings_andIsSilentWhenTheOldOneIsAbsent() {
    SettingsReader both = SettingsReader.of("services.api", Map.of("timeoutSeconds", 5, "timeout_seconds", 6));
    assertThatThrownBy(() -> both.renamed("timeoutSeconds", "timeout_seconds")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.api.timeoutSeconds").hasMessageContaining("keep only \"timeout_seconds\"");

    SettingsReader current = SettingsReader.of("services.api", Map.of("timeout_seconds", 6));
    int mark = LogCapture.mark();
    assertThat(current.renamed("timeoutSeconds", "timeout_seconds")).isSameAs(current);
    assertThat(LogCapture.since(mark)).noneMatch(e -> e.level() == Level.WARN);
  }

  @Test
  void notifierSettings_areLocated_soANotifiersErrorNamesTheFileAndLine() throws Exception {
    MonitorConfig c = load("{\n  \"monitoring_interval\": 300,\n  \"notifications\": {\n"
        + "    \"log\": {\"level\": \"warn\"}\n  }\n}\n");
    SettingsReader log = c.notifierSettings().get("log");

    assertThat(log.jsonPath()).isEqualTo("notifications.log");
    assertThatThrownBy(() -> new LogNotifierProvider().create(log, SecretSource.of(Map.of())))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.path()).contains("notifications.log");
          assertThat(e.line()).isEqualTo(4);
        });
  }

  @Test
  void numbers_areExactAndBounded() {
    SettingsReader r = SettingsReader.of("s", Map.of("a", 0.1, "b", 2.5, "c", -1, "d", "x"));

    assertThat(r.decimal("a")).hasValueSatisfying(d -> assertThat(d.toPlainString()).isEqualTo("0.1"));
    assertThatThrownBy(() -> r.integer("b", 1, 0, 10)).hasMessageContaining("s.b: must be a whole number from 0 to 10");
    assertThatThrownBy(() -> r.nonNegative("c", 0)).hasMessageContaining("must be zero or more");
    assertThatThrownBy(() -> r.number("d")).hasMessageContaining("must be a number, got a string")
        .hasMessageNotContaining("x\"");
  }

  /**
   * README (Config reference; "The standalone monitor"): a wrong setting is an error "naming the
   * file, line, JSON path and rule", as the core settings do ("monitoring_interval: must be a whole
   * number of seconds from 1 to 86400 (one day), such as 300; got the number 0"). Trial nu87: a
   * provider's bounded whole number written as a string says only "must be a number, got a string":
   * "services.openai.costs_interval_seconds": "hourly" and "services.github_actions.max_pages":
   * "many" gave no range, while -5 for the same key gave "must be a whole number from 0 to 86400".
   */
  @Test
  void integer_ofTheWrongType_namesTheRuleLikeAnOutOfRangeValue() {
    SettingsReader r = SettingsReader.of("services.openai", Map.of("costs_interval_seconds", "hourly"));
    assertThatThrownBy(() -> r.integer("costs_interval_seconds", 3600, 0, 86400))
        .hasMessageContaining("services.openai.costs_interval_seconds: must be a whole number from 0 to 86400");
  }
}
