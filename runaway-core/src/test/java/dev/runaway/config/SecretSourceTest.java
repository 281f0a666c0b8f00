package dev.runaway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runaway.config.internal.Secrets;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.event.Level;

final class SecretSourceTest {

  @TempDir
  Path dir;

  @Test
  void environment_findsAVariableThatSurelyExists() {
    Optional<Secret> path = SecretSource.environment().get("PATH");

    assertThat(path).isPresent();
    assertThat(path.get().name()).isEqualTo("PATH");
    assertThat(path.get().toString()).isEqualTo("PATH=***");
  }

  @Test
  void environment_lacksAVariableThatSurelyDoesNot() {
    String name = "RUNAWAY_ABSENT_" + UUID.randomUUID().toString().replace('-', '_');

    assertThat(SecretSource.environment().get(name)).isEmpty();
    assertThat(SecretSource.environment().describe()).isEqualTo("environment");
  }

  @Test
  void dotEnv_readsCommentsExportQuotesAndInlineComments() throws IOException {
    Path env = write("""
        # credentials for the monitor
        OPENAI_API_KEY=sk-plain

          export GITHUB_TOKEN = ghp_spaced  \t
        STRIPE_API_KEY="sk_live_double # not a comment"
        TELEGRAM_BOT_TOKEN='123:single'   # a comment after quotes
        TELEGRAM_CHANNEL_ID=-100123 # an inline comment
        SUPABASE_URL=https://x.supabase.co/path#fragment
        HAS_EQUALS=a=b=c
        exporter=not-an-export-prefix
        dotted.name=ok
        """);

    SecretSource source = SecretSource.dotEnv(env);

    assertThat(reveal(source, "OPENAI_API_KEY")).isEqualTo("sk-plain");
    assertThat(reveal(source, "GITHUB_TOKEN")).isEqualTo("ghp_spaced");
    assertThat(reveal(source, "STRIPE_API_KEY")).isEqualTo("sk_live_double # not a comment");
    assertThat(reveal(source, "TELEGRAM_BOT_TOKEN")).isEqualTo("123:single");
    assertThat(reveal(source, "TELEGRAM_CHANNEL_ID")).isEqualTo("-100123");
    assertThat(reveal(source, "SUPABASE_URL")).isEqualTo("https://x.supabase.co/path#fragment");
    assertThat(reveal(source, "HAS_EQUALS")).isEqualTo("a=b=c");
    assertThat(reveal(source, "exporter")).isEqualTo("not-an-export-prefix");
    assertThat(reveal(source, "dotted.name")).isEqualTo("ok");
    assertThat(source.get("export")).isEmpty();
    assertThat(source.describe()).isEqualTo(".env at " + env);
  }

  @Test
  void dotEnv_blankValuesAreAbsent() throws IOException {
    SecretSource source = SecretSource.dotEnv(write("""
        EMPTY=
        SPACES=\s\s\s
        QUOTED_EMPTY=""
        QUOTED_BLANK='   '
        COMMENT_ONLY= # nothing here
        HASH_VALUE=#abc
        """));

    for (String name : List.of("EMPTY", "SPACES", "QUOTED_EMPTY", "QUOTED_BLANK", "COMMENT_ONLY")) {
      assertThat(source.get(name)).as(name).isEmpty();
    }
    assertThat(reveal(source, "HASH_VALUE")).isEqualTo("#abc");
  }

  @Test
  void dotEnv_laterLineWinsAndByteOrderMarkIsIgnored() throws IOException {
    Path env = dir.resolve(".env");
    Files.write(env, "\uFEFFKEY=first\nKEY=second\n".getBytes(StandardCharsets.UTF_8));

    assertThat(reveal(SecretSource.dotEnv(env), "KEY")).isEqualTo("second");
  }

  @Test
  void dotEnv_aNameSetTwiceWithDifferentValues_isNamedWithBothLinesAtWarn_neverWithItsValues() throws IOException {
    // nu30 .env trial: an old key left above the new one, or the template's blank line pasted below a
    // filled one, silently decided which credential was used (or made it missing).
    Path env = dir.resolve(".env");
    Files.writeString(env, "SEARCH_TOKEN=old_Q7mZ2pX9vK4tL8wN3bR6\n# new key\nSEARCH_TOKEN=new_Q7mZ2pX9vK4tL8wN3bR6\n"
        + "SAME=v1-0123456789ab\nSAME=v1-0123456789ab\nFILLED=sk-filled-0123456789abc\nFILLED=\nLATE=\nLATE=late-0123456789\n");
    int mark = LogCapture.mark();

    SecretSource source = SecretSource.dotEnv(env);

    assertThat(reveal(source, "SEARCH_TOKEN")).isEqualTo("new_Q7mZ2pX9vK4tL8wN3bR6");
    assertThat(source.get("FILLED")).isEmpty();
    assertThat(LogCapture.sinceOnThisThread(mark)).filteredOn(e -> e.level() == Level.WARN).extracting(LogCapture.Event::message)
        .containsExactly(
            ".env " + env + ":3: SEARCH_TOKEN is set again (also at line 1); the value of line 3 is used",
            ".env " + env + ":7: FILLED is set again (also at line 6); the value of line 7 is used, which is blank,"
                + " so FILLED counts as not set here");
  }

  @Test
  void dotEnv_missingFileIsAnEmptySource() {
    Path missing = dir.resolve("absent.env");

    SecretSource source = SecretSource.dotEnv(missing);

    assertThat(source.get("OPENAI_API_KEY")).isEmpty();
    assertThat(source.describe()).isEqualTo(".env at " + missing + " (absent)");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no equals sign              | sk-SENTINEL-9d2f                  | has no '='
      a secret as the name        | sk-SENTINEL-9d2f=x                 | the text before '=' is not a variable name
      space in the name           | MY sk-SENTINEL-9d2f=x              | the text before '=' is not a variable name
      name starting with a digit  | 1KEY=sk-SENTINEL-9d2f              | the text before '=' is not a variable name
      unterminated double quote   | KEY="sk-SENTINEL-9d2f              | opens a double quote that is not closed
      unterminated single quote   | KEY='sk-SENTINEL-9d2f              | opens a single quote that is not closed
      text after the quotes       | KEY="a" sk-SENTINEL-9d2f           | has text after its closing quote
      """)
  void dotEnv_malformedLine_namesFileAndLineButNeverTheLine(String what, String line, String problem)
      throws IOException {
    Path env = write("# header\nGOOD=1\n\n" + line + "\nLATER=2\n");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> SecretSource.dotEnv(env));

    assertThat(e).as(what).isNotNull();
    assertThat(e.getMessage()).startsWith(env + ":4: ").contains(problem).doesNotContain("SENTINEL");
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.file()).contains(env);
  }

  @Test
  void dotEnv_folderOrNonUtf8_isReportedWithTheFile() throws IOException {
    Path latin1 = dir.resolve("latin1.env");
    Files.write(latin1, "KEY=caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    assertThatThrownBy(() -> SecretSource.dotEnv(dir)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir + ": cannot read the .env file");
    assertThatThrownBy(() -> SecretSource.dotEnv(latin1)).isInstanceOf(ConfigException.class)
        .hasMessage(latin1 + ": the .env file is not UTF-8 text: save it as UTF-8");
  }

  @Test
  void of_holdsTheGivenValuesAndTreatsBlankAsAbsent() {
    SecretSource source = SecretSource.of(Map.of("A", "alpha", "BLANK", " "));

    assertThat(reveal(source, "A")).isEqualTo("alpha");
    assertThat(source.get("BLANK")).isEmpty();
    assertThat(source.get("B")).isEmpty();
    assertThat(source.toString()).contains("A").doesNotContain("alpha");
  }

  @Test
  void orElse_asksInOrderAndStopsAtTheFirstThatHasTheName() {
    List<String> asked = new ArrayList<>();
    SecretSource first = recording("first", Map.of("A", "from-first", "BLANK", ""), asked);
    SecretSource second = recording("second", Map.of("A", "from-second", "B", "from-second", "BLANK", "b2"), asked);
    SecretSource third = recording("third", Map.of("C", "from-third"), asked);

    SecretSource chain = first.orElse(second).orElse(third);

    assertThat(reveal(chain, "A")).isEqualTo("from-first");
    assertThat(asked).containsExactly("first:A");
    asked.clear();
    assertThat(reveal(chain, "B")).isEqualTo("from-second");
    assertThat(asked).containsExactly("first:B", "second:B");
    asked.clear();
    assertThat(reveal(chain, "BLANK")).isEqualTo("b2");
    asked.clear();
    assertThat(reveal(chain, "C")).isEqualTo("from-third");
    assertThat(asked).containsExactly("first:C", "second:C", "third:C");
    assertThat(chain.get("D")).isEmpty();
    assertThat(chain.describe()).isEqualTo("first, then second, then third");
  }

  @Test
  void require_missing_namesTheVariableAndWhereItLooked() {
    SecretSource chain = SecretSource.of(Map.of("OTHER", "v")).orElse(SecretSource.dotEnv(dir.resolve(".env")));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> chain.require("OPENAI_API_KEY"));

    assertThat(e.getMessage()).isEqualTo("missing credential OPENAI_API_KEY (looked in: given values, then .env at "
        + dir.resolve(".env") + " (absent)); set the environment variable OPENAI_API_KEY or add it to .env");
    assertThat(reveal(chain, "OTHER")).isEqualTo("v");
  }

  /**
   * A source that reads no .env does not tell the user to add the variable to one: before, the
   * environment alone (TelegramNotifier.fromEnvironment()) said "or add it to .env", and a .env in
   * the working folder changed nothing (a new user's trial, helper nu81).
   */
  @Test
  void require_missingFromASourceWithoutDotEnv_namesHowToReadOne() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> SecretSource.of(Map.of()).require("TELEGRAM_BOT_TOKEN"));

    assertThat(e.getMessage()).isEqualTo("missing credential TELEGRAM_BOT_TOKEN (looked in: given values); set the"
        + " environment variable TELEGRAM_BOT_TOKEN (a .env file is read only through SecretSource.defaults() or"
        + " SecretSource.dotEnv(...))");
  }

  @Test
  void secret_redactsEverywhereButReveal() {
    Secret s = Secret.of("OPENAI_API_KEY", "sk-abc");

    assertThat(s.toString()).isEqualTo("OPENAI_API_KEY=***");
    assertThat(s.reveal()).isEqualTo("sk-abc");
    assertThat(s.redact("Bearer sk-abc rejected")).isEqualTo("Bearer *** rejected");
    assertThat(s).isEqualTo(Secret.of("OPENAI_API_KEY", "sk-abc")).isNotEqualTo(Secret.of("OPENAI_API_KEY", "sk-x"));
    assertThatThrownBy(() -> Secret.of("KEY", "  ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret KEY is blank");
  }

  @Test
  void defaults_picksUpARegisteredSecretSourceProviderAfterEnvironmentAndDotEnv() {
    SecretSource defaults = SecretSource.defaults();

    assertThat(reveal(defaults, TestSecretSourceProvider.NAME)).isEqualTo(TestSecretSourceProvider.VALUE);
    assertThat(defaults.get("PATH")).isPresent();
    assertThat(defaults.describe()).startsWith("environment, then .env at .env").endsWith("then test secret manager");
  }

  @Test
  void defaults_skipsAndReportsProvidersThatCannotBeLoadedOrFail() throws IOException {
    Path services = Files.createDirectories(dir.resolve("cp/META-INF/services"));
    Files.writeString(services.resolve(SecretSourceProvider.class.getName()), String.join("\n",
        "dev.runaway.config.NoSuchProvider",
        BrokenSecretSourceProviders.class.getName(),
        BrokenSecretSourceProviders.Throwing.class.getName(),
        BrokenSecretSourceProviders.ReturnsNull.class.getName(),
        ""));
    Path dotEnv = write("FROM_DOTENV=yes\n");
    int mark = LogCapture.mark();

    SecretSource chain;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.resolve("cp").toUri().toURL()},
        SecretSourceTest.class.getClassLoader())) {
      chain = Secrets.defaults(dotEnv, loader);
    }

    assertThat(reveal(chain, "FROM_DOTENV")).isEqualTo("yes");
    assertThat(reveal(chain, TestSecretSourceProvider.NAME)).isEqualTo(TestSecretSourceProvider.VALUE);
    List<LogCapture.Event> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).toList();
    assertThat(warnings).hasSize(4);
    assertThat(warnings.get(0).fullText()).contains("could not be loaded", "dev.runaway.config.NoSuchProvider");
    assertThat(warnings.get(1).fullText()).contains("could not be loaded",
        BrokenSecretSourceProviders.class.getName() + " not a subtype");
    // Providers are used in class-name order (Plugins), so ReturnsNull comes before Throwing.
    assertThat(warnings.get(2).message()).contains(BrokenSecretSourceProviders.ReturnsNull.class.getName(),
        "returned no source");
    // Named by the exception's type only: a failing secret manager may quote its credentials.
    assertThat(warnings.get(3).fullText()).contains(BrokenSecretSourceProviders.Throwing.class.getName(),
        "failed to create its source", "IllegalStateException").doesNotContain("the vault is sealed");
  }

  private Path write(String content) throws IOException {
    return Files.writeString(dir.resolve(".env"), content, StandardCharsets.UTF_8);
  }

  private static String reveal(SecretSource source, String name) {
    return source.get(name).map(Secret::reveal).orElseThrow(() -> new AssertionError(name + " is absent"));
  }

  private static SecretSource recording(String label, Map<String, String> values, List<String> asked) {
    SecretSource inner = SecretSource.of(values);
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        asked.add(label + ":" + name);
        return inner.get(name);
      }

      @Override
      public String describe() {
        return label;
      }
    };
  }
}
