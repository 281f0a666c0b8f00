package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

final class PluginsTest {

  @TempDir
  Path dir;

  private URLClassLoader loaderListing(String... classes) throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve(PluginFixtures.Named.class.getName()), String.join("\n", classes) + "\n");
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, PluginsTest.class.getClassLoader());
  }

  @Test
  void load_skipsAMissingClassAndAThrowingConstructorAndKeepsTheOthers() throws IOException {
    int mark = LogCapture.mark();
    List<PluginFixtures.Named> found;
    try (URLClassLoader cl = loaderListing(PluginFixtures.Zulu.class.getName(), "com.example.NoSuchPlugin",
        PluginFixtures.Exploding.class.getName(), PluginFixtures.Alpha.class.getName())) {
      found = Plugins.load(PluginFixtures.Named.class, cl, LoggerFactory.getLogger(PluginsTest.class));
    }

    assertThat(found).extracting(PluginFixtures.Named::name).containsExactly("alpha", "zulu");
    List<LogCapture.Event> warnings = LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).toList();
    assertThat(warnings).hasSize(2);
    assertThat(warnings).anySatisfy(e -> assertThat(e.message()).contains("could not be loaded", "com.example.NoSuchPlugin"));
    // Third-party trial: the warning said only "could not be instantiated", not why.
    assertThat(warnings).anySatisfy(e -> assertThat(e.message()).contains("could not be loaded",
        PluginFixtures.Exploding.class.getName(), "caused by java.lang.IllegalStateException: boom in constructor"));
  }

  @Test
  void load_ordersByClassNameWhateverTheServiceFileOrder() throws IOException {
    List<String> forward;
    List<String> backward;
    try (URLClassLoader cl = loaderListing(PluginFixtures.Alpha.class.getName(), PluginFixtures.Zulu.class.getName())) {
      forward = Plugins.load(PluginFixtures.Named.class, cl, LoggerFactory.getLogger(PluginsTest.class))
          .stream().map(p -> p.getClass().getName()).toList();
    }
    try (URLClassLoader cl = loaderListing(PluginFixtures.Zulu.class.getName(), PluginFixtures.Alpha.class.getName())) {
      backward = Plugins.load(PluginFixtures.Named.class, cl, LoggerFactory.getLogger(PluginsTest.class))
          .stream().map(p -> p.getClass().getName()).toList();
    }

    assertThat(forward).isEqualTo(backward)
        .containsExactly(PluginFixtures.Alpha.class.getName(), PluginFixtures.Zulu.class.getName());
  }
}
