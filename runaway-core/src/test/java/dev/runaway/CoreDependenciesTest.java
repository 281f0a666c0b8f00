package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Core stays free of Spring and Micrometer: those live in their own modules. */
final class CoreDependenciesTest {

  @ParameterizedTest
  @ValueSource(strings = {"org.springframework.context.ApplicationContext",
      "org.springframework.boot.SpringApplication", "io.micrometer.core.instrument.MeterRegistry"})
  void classPath_hasNoSpringOrMicrometer(String className) {
    assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"org.springframework", "io.micrometer"})
  void sources_neverNameSpringOrMicrometer(String pkg) throws IOException {
    Path main = Path.of("src/main/java");
    assertThat(main).isDirectory();
    try (Stream<Path> files = Files.walk(main)) {
      List<Path> offenders = files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> read(p).contains("import " + pkg) || read(p).contains(pkg + "."))
          .collect(Collectors.toList());
      assertThat(offenders).isEmpty();
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
