package dev.runaway.providers.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 14: 150,000 price overrides are read in linear time. Each override used to copy
 * the whole table (quadratic: 40 s and more); now the table is built once.
 */
final class OpenAiPriceOverridesScaleTest {

  @Test
  void create_with150000PriceOverridesIsLinear() {
    int models = 150_000;
    StringBuilder json = new StringBuilder(models * 80).append("{\"monitoring_interval\": 300, \"services\": {"
        + "\"openai\": {\"type\": \"openai\", \"base_url\": \"http://127.0.0.1:9/v1\", \"prices\": {");
    for (int i = 0; i < models; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("\"custom-model-").append(i).append("\": {\"input_per_1m_usd\": 1.5, \"output_per_1m_usd\": 6}");
    }
    json.append("}}}}");
    DetectorProvider provider = ServiceLoader.load(DetectorProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.type().equals("openai")).findFirst().orElseThrow();
    Detector d = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      ServiceSettings s = MonitorConfig.parse(json.toString()).services().get("openai");
      return provider.create(s, SecretSource.of(Map.of("OPENAI_ADMIN_KEY", "sk-admin-SCALE-TEST-0123456789")));
    });
    d.close();
    assertThat(OpenAiPrices.bundled().withModels(Map.of("custom-model-7", OpenAiPrices.ModelPrice.of("1.5",
        null, "6"))).find("custom-model-7")).isPresent();
  }
}
