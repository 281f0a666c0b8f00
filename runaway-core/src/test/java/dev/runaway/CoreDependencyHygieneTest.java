package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * runaway-core stays free of every LLM SDK and framework: the integrations (runaway-providers,
 * runaway-spring-ai, runaway-langchain4j) depend on core, never the other way round.
 */
final class CoreDependencyHygieneTest {

  private static final List<String> BANNED_PACKAGES = List.of("com.openai", "com.anthropic", "com.google.genai",
      "software.amazon", "org.springframework", "dev.langchain4j", "reactor.", "okhttp3", "kotlin",
      "dev.runaway.providers", "dev.runaway.springai", "dev.runaway.langchain4j");

  @ParameterizedTest
  @ValueSource(strings = {"com.openai.client.OpenAIClient", "com.anthropic.client.AnthropicClient",
      "com.google.genai.Client", "software.amazon.awssdk.core.SdkClient", "org.springframework.core.Ordered",
      "org.springframework.ai.chat.client.ChatClient", "dev.langchain4j.model.chat.ChatModel",
      "reactor.core.publisher.Flux", "okhttp3.OkHttpClient", "kotlin.Unit"})
  void coreClasspath_hasNoSdkOrFramework(String type) {
    assertThatThrownBy(() -> Class.forName(type, false, RunawayGuard.class.getClassLoader()))
        .as("%s must not be on runaway-core's class path", type)
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void coreSources_importNoSdkOrFramework() throws IOException {
    Pattern imp = Pattern.compile("^import\\s+(static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        Matcher m = imp.matcher(Files.readString(f));
        while (m.find()) {
          String name = m.group(2);
          if (BANNED_PACKAGES.stream().anyMatch(name::startsWith)) {
            offenders.add(f + ": " + name);
          }
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  void corePom_declaresOnlySlf4jJacksonAndCaffeineOutsideTests() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    String deps = pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
    List<String> runtime = new ArrayList<>();
    Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(deps);
    while (m.find()) {
      String d = m.group(1);
      if (!d.contains("<scope>test</scope>")) {
        Matcher a = Pattern.compile("<artifactId>(.*?)</artifactId>").matcher(d);
        a.find();
        runtime.add(a.group(1));
      }
    }
    assertThat(runtime).containsExactlyInAnyOrder("slf4j-api", "jackson-databind", "caffeine");
  }
}
