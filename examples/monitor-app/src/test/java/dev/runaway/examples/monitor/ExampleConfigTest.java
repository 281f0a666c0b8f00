package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The top-level {@code config/monitor_config.example.json} and {@code .env.example} that the
 * README's quick start copies: the config loads, names every section and all eight service
 * types, each service is accepted by its provider, and every credential they need is in
 * {@code .env.example}.
 */
final class ExampleConfigTest {

  private static final Path ROOT = Path.of("../..");
  private static final Path EXAMPLE = ROOT.resolve("config/monitor_config.example.json");
  private static final Path DOT_ENV_EXAMPLE = ROOT.resolve(".env.example");
  private static final Set<String> EIGHT_TYPES = Set.of("openai", "github_actions", "stripe", "supabase",
      "cloudflare_r2", "mongodb_atlas", "vercel", "rest");
  private static final Pattern ENV_LINE = Pattern.compile("(?m)^([A-Z][A-Z0-9_]*)=(.*)$");

  @Test
  void exampleConfig_loads_withEverySection_andAllEightServiceTypes() {
    MonitorConfig c = MonitorConfig.load(EXAMPLE);

    assertThat(c.warnings()).isEmpty();
    assertThat(c.monitoringInterval().toSeconds()).isEqualTo(300);
    assertThat(c.usageSpikeMultiplier()).isEqualTo(3.0);
    assertThat(c.circuitBreaker().enabled()).isTrue();
    assertThat(c.circuitBreaker().thresholdMultiplier()).isEqualTo(5.0);
    assertThat(c.notifications()).containsOnlyKeys("telegram");
    assertThat(c.stateDir()).isPresent();
    assertThat(c.services().values()).extracting(ServiceSettings::type).containsExactlyInAnyOrderElementsOf(EIGHT_TYPES);
    assertThat(c.costThresholds().keySet()).containsExactlyInAnyOrderElementsOf(c.services().keySet());
  }

  @Test
  void seedConfig_stillLoads() {
    MonitorConfig c = MonitorConfig.load(ROOT.resolve("config/monitor_config.json"));
    assertThat(c.services()).containsOnlyKeys("openai", "github_actions");
  }

  @Test
  void everyExampleService_isAcceptedByItsProvider() throws IOException {
    MonitorConfig c = MonitorConfig.load(EXAMPLE);
    SecretSource secrets = dummySecrets();
    Map<String, DetectorProvider> providers = detectorProviders();
    Set<String> checked = new TreeSet<>();
    for (ServiceSettings s : c.services().values()) {
      DetectorProvider p = providers.get(s.type());
      assertThat(p).as("the provider of type " + s.type()).isNotNull();
      try (Detector d = p.create(s, secrets)) {
        assertThat(d.service()).isEqualTo(s.name());
      }
      checked.add(s.type());
    }
    assertThat(checked).containsExactlyInAnyOrderElementsOf(EIGHT_TYPES);
    for (NotifierProvider n : ServiceLoader.load(NotifierProvider.class)) {
      if (c.notifications().containsKey(n.type())) {
        n.create(c.notifierSettings().get(n.type()), secrets).close();
      }
    }
  }

  @Test
  void dotEnvExample_namesEveryCredentialTheExampleServicesNeed_withEmptyValues() throws IOException {
    Map<String, String> env = dotEnvExample();
    assertThat(env.values()).allMatch(String::isEmpty);
    assertThat(env.keySet()).contains("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHANNEL_ID", "OPENAI_ADMIN_KEY",
        "OPENAI_API_KEY", "GITHUB_TOKEN", "STRIPE_API_KEY", "SUPABASE_URL", "SUPABASE_ANON_KEY",
        "CLOUDFLARE_API_TOKEN", "VERCEL_TOKEN", "SEARCH_API_TOKEN");

    MonitorConfig c = MonitorConfig.load(EXAMPLE);
    Set<String> asked = new LinkedHashSet<>();
    SecretSource dummies = dummySecrets();
    SecretSource recording = name -> {
      asked.add(name);
      return dummies.get(name);
    };
    Map<String, DetectorProvider> providers = detectorProviders();
    for (ServiceSettings s : c.services().values()) {
      DetectorProvider p = providers.get(s.type());
      asked.addAll(p.requiredSecrets(s));
      p.create(s, recording).close();
    }
    for (NotifierProvider n : ServiceLoader.load(NotifierProvider.class)) {
      if (c.notifications().containsKey(n.type())) {
        n.create(c.notifierSettings().get(n.type()), recording).close();
      }
    }
    assertThat(asked).isNotEmpty();
    assertThat(env.keySet()).containsAll(asked);
  }

  @Test
  void dotEnvExample_namesSettingsInTheirSnakeCaseSpelling() throws IOException {
    // The camelCase spellings (tokenEnv, recordsPointer, ...) are deprecated and WARN when used:
    // the file a new user copies first must not teach them.
    String text = Files.readString(DOT_ENV_EXAMPLE, StandardCharsets.UTF_8);
    Matcher camel = Pattern.compile("\\b[a-z]+[A-Z][A-Za-z]*\\b").matcher(text);
    List<String> found = new ArrayList<>();
    while (camel.find()) {
      found.add(camel.group());
    }
    assertThat(found).as("camelCase setting names in .env.example").isEmpty();
  }

  private static Map<String, DetectorProvider> detectorProviders() {
    Map<String, DetectorProvider> out = new HashMap<>();
    for (DetectorProvider p : ServiceLoader.load(DetectorProvider.class)) {
      out.putIfAbsent(p.type(), p);
    }
    return out;
  }

  private static Map<String, String> dotEnvExample() throws IOException {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    Matcher m = ENV_LINE.matcher(Files.readString(DOT_ENV_EXAMPLE, StandardCharsets.UTF_8));
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  /** A value for every variable of .env.example, in a shape its consumer accepts. */
  private static SecretSource dummySecrets() throws IOException {
    Map<String, String> values = new HashMap<>();
    for (String name : dotEnvExample().keySet()) {
      values.put(name, "dummy-" + name.toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    values.put("SUPABASE_URL", "https://abcdefghijklmnopqrst.supabase.co");
    values.put("TELEGRAM_BOT_TOKEN", LoopbackApis.BOT_TOKEN);
    values.put("TELEGRAM_CHANNEL_ID", LoopbackApis.CHAT);
    return SecretSource.of(values);
  }
}
