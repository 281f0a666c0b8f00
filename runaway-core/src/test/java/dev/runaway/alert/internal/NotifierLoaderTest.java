package dev.runaway.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.LogNotifier;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import dev.runaway.testing.LogCapture;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

@SuppressWarnings("deprecation") // FakeProvider implements the old raw-map create: the bridge is under test
final class NotifierLoaderTest {

  private static final String SENTINEL = "sk-SENTINEL-8f3a2c";
  private static final SecretSource NO_SECRETS = SecretSource.of(Map.of());

  /** A provider of a given type whose notifiers remember whether they were closed. */
  static class FakeProvider implements NotifierProvider {
    final String type;
    final AtomicBoolean closed = new AtomicBoolean();

    FakeProvider(String type) {
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public Notifier create(Map<String, Object> settings, SecretSource secrets) {
      return new Notifier() {
        @Override
        public void send(dev.runaway.alert.Alert alert) {}

        @Override
        public void close() {
          closed.set(true);
        }
      };
    }
  }

  static final class OtherFakeProvider extends FakeProvider {
    OtherFakeProvider(String type) {
      super(type);
    }
  }

  /** Reads each section as the monitor does, through an unlocated reader. */
  private static List<Notifier> create(NotifierLoader loader, Map<String, Map<String, Object>> config,
      SecretSource secrets) {
    Map<String, SettingsReader> readers = new LinkedHashMap<>();
    config.forEach((type, settings) -> readers.put(type,
        settings == null ? null : SettingsReader.of("notifications." + type, settings)));
    return loader.create(readers, secrets);
  }

  @Test
  void load_findsTheBuiltInLogProvider() {
    NotifierLoader loader = NotifierLoader.load();
    assertThat(loader.types()).contains("log");
    Map<String, Map<String, Object>> config = Map.of("log", Map.of());
    assertThat(create(loader, config, NO_SECRETS)).singleElement().isInstanceOf(LogNotifier.class);
  }

  @Test
  void create_unknownType_namesThePathAndListsTheKnownTypes() {
    NotifierLoader loader = NotifierLoader.of(List.of(new FakeProvider("telegram"), new FakeProvider("log")));
    Map<String, Map<String, Object>> config = Map.of("telegrm", Map.of());

    assertThatThrownBy(() -> create(loader, config, NO_SECRETS)).isInstanceOfSatisfying(ConfigException.class, e -> {
      assertThat(e.path()).contains("notifications.telegrm");
      assertThat(e.getMessage()).startsWith("notifications.telegrm: unknown notifier type 'telegrm'")
          .contains("did you mean 'telegram'?", "known types: [log, telegram]");
    });
    assertThatThrownBy(() -> create(loader, Map.of("pagerduty", Map.of()), NO_SECRETS))
        .hasMessageNotContaining("did you mean").hasMessageContaining("known types: [log, telegram]");
  }

  @Test
  void duplicates_areReportedWithTheFullList_andTheFirstWins() {
    int mark = LogCapture.mark();
    FakeProvider first = new FakeProvider("chat");
    NotifierLoader loader = NotifierLoader.of(List.of(first, new OtherFakeProvider("chat")));

    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("'chat'", FakeProvider.class.getName(),
            OtherFakeProvider.class.getName()));
    create(loader, Map.of("chat", Map.of()), NO_SECRETS).get(0).close();
    assertThat(first.closed).isTrue();
  }

  @Test
  void providerFailure_becomesAConfigExceptionWithoutItsMessage_andEarlierNotifiersAreClosed() {
    FakeProvider ok = new FakeProvider("ok");
    NotifierProvider broken = new FakeProvider("broken") {
      @Override
      public Notifier create(Map<String, Object> settings, SecretSource secrets) {
        throw new IllegalStateException("bad token " + SENTINEL);
      }
    };
    Map<String, Map<String, Object>> config = new LinkedHashMap<>();
    config.put("ok", Map.of());
    config.put("broken", Map.of());

    assertThatThrownBy(() -> create(NotifierLoader.of(List.of(ok, broken)), config, NO_SECRETS))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.path()).contains("notifications.broken");
          assertThat(e.getMessage()).contains("failed: java.lang.IllegalStateException").doesNotContain(SENTINEL);
        });
    assertThat(ok.closed).isTrue();
  }

  @Test
  void providerConfigException_passesThroughUnchanged_andNullSettingsCountAsEmpty() {
    NotifierLoader loader = NotifierLoader.of(List.of(new LogNotifierProvider()));
    assertThatThrownBy(() -> create(loader, Map.of("log", Map.of("chat_id", "1")), NO_SECRETS))
        .isInstanceOf(ConfigException.class).hasMessage("notifications.log: the log notifier takes no settings, got [chat_id]");
    Map<String, Map<String, Object>> config = new HashMap<>();
    config.put("log", null);
    assertThat(create(loader, config, NO_SECRETS)).hasSize(1);
  }

  @Test
  void load_reportsAProviderThatCannotBeLoaded_andKeepsTheOthers(@TempDir Path dir) throws Exception {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(services.resolve(NotifierProvider.class.getName()), "com.example.NoSuchNotifierProvider\n");
    int mark = LogCapture.mark();
    try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      NotifierLoader loader = NotifierLoader.load(cl);
      assertThat(loader.types()).contains("log");
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN)
        .anySatisfy(e -> assertThat(e.message()).contains("could not be loaded", "com.example.NoSuchNotifierProvider"));
  }
}
