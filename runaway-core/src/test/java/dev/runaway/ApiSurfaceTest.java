package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins each library module's exported surface: the packages holding public top-level types
 * outside {@code internal} packages, with how many each holds (read from the sources, so the test
 * needs no other module built). A new public type or package is public API for good: when this
 * fails, decide deliberately, update the table, and name the change in the release notes. The
 * role of a {@code module-info} exports list, kept as a test because the library also runs on the
 * class path.
 */
final class ApiSurfaceTest {

  private static final String EXPECTED = """
      runaway-core dev.runaway 17
      runaway-core dev.runaway.alert 6
      runaway-core dev.runaway.breaker 5
      runaway-core dev.runaway.config 8
      runaway-core dev.runaway.ledger 2
      runaway-core dev.runaway.loop 1
      runaway-core dev.runaway.monitor 11
      runaway-core dev.runaway.stats 6
      runaway-providers dev.runaway.providers.anthropic 2
      runaway-providers dev.runaway.providers.bedrock 1
      runaway-providers dev.runaway.providers.cloudflare 1
      runaway-providers dev.runaway.providers.gemini 2
      runaway-providers dev.runaway.providers.github 1
      runaway-providers dev.runaway.providers.http 8
      runaway-providers dev.runaway.providers.llm 2
      runaway-providers dev.runaway.providers.mongodb 1
      runaway-providers dev.runaway.providers.openai 4
      runaway-providers dev.runaway.providers.rest 1
      runaway-providers dev.runaway.providers.stop 7
      runaway-providers dev.runaway.providers.stripe 1
      runaway-providers dev.runaway.providers.supabase 1
      runaway-providers dev.runaway.providers.vercel 1
      runaway-telegram dev.runaway.telegram 5
      runaway-redis dev.runaway.redis 2
      runaway-micrometer dev.runaway.micrometer 3
      runaway-spring-ai dev.runaway.springai 1
      runaway-langchain4j dev.runaway.langchain4j 2
      runaway-spring-boot-starter dev.runaway.spring.boot 8
      runaway-testing dev.runaway.testing 6
      """;

  private static final String[] MODULES = {"runaway-core", "runaway-providers", "runaway-telegram", "runaway-redis",
      "runaway-micrometer", "runaway-spring-ai", "runaway-langchain4j", "runaway-spring-boot-starter",
      "runaway-testing"};

  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "^public (?:(?:final|abstract|sealed|non-sealed) )*(?:class|interface|record|enum|@interface) ",
      Pattern.MULTILINE);

  @Test
  void exportedPackagesAndTheirPublicTypeCounts_areThePinnedOnes() {
    // The repository root: the first folder up from the working directory (the module's, under
    // Maven; the repository's, in some IDEs) that holds runaway-core's sources.
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isDirectory(root.resolve("runaway-core/src/main/java"))) {
      root = root.getParent();
    }
    assertThat(root).as("the repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
    Map<String, Integer> actual = new TreeMap<>();
    for (String module : MODULES) {
      Path src = root.resolve(module).resolve("src/main/java");
      assertThat(src).as("sources of %s", module).isDirectory();
      try (Stream<Path> files = Files.walk(src)) {
        files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
          String pkg = src.relativize(f.getParent()).toString().replace(java.io.File.separatorChar, '.');
          if (!pkg.contains(".internal") && PUBLIC_TYPE.matcher(read(f)).find()) {
            actual.merge(module + " " + pkg, 1, Integer::sum);
          }
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, Integer> expected = new TreeMap<>();
    EXPECTED.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> {
      int last = l.lastIndexOf(' ');
      expected.put(l.substring(0, last), Integer.parseInt(l.substring(last + 1)));
    });
    assertThat(actual).as("module package -> public top-level types (outside internal packages); a change here "
        + "is a change of public API: update EXPECTED deliberately").isEqualTo(expected);
    assertThat(actual.keySet()).allSatisfy(k -> assertThat(k.split(" ")[1]).startsWith("dev.runaway"));
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
