package dev.runaway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 17, item 10: an alert's fields are capped with a marker, so no alert is megabytes long. */
final class AlertSizeTest {

  @Test
  void alert_capsEveryFieldWithAMarker() {
    String mb = "x".repeat(1 << 20);
    Map<String, String> facts = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      facts.put("fact-" + i + mb.substring(0, 100), mb);
    }
    Alert a = new Alert(AlertType.USAGE_SPIKE, Severity.WARNING, mb, mb, mb, mb, Instant.EPOCH, facts);
    assertThat(a.service()).hasSizeLessThanOrEqualTo(Alert.MAX_NAME_CHARS).endsWith("more characters]");
    assertThat(a.key()).hasSizeLessThanOrEqualTo(Alert.MAX_NAME_CHARS).startsWith("xxx");
    assertThat(a.title()).hasSizeLessThanOrEqualTo(Alert.MAX_TITLE_CHARS);
    assertThat(a.detail()).hasSizeLessThanOrEqualTo(Alert.MAX_DETAIL_CHARS)
        .endsWith("... [" + ((1 << 20) - Alert.MAX_DETAIL_CHARS + 32) + " more characters]");
    assertThat(a.facts()).hasSize(Alert.MAX_FACTS).containsEntry("truncated", (1000 - Alert.MAX_FACTS + 1)
        + " more facts");
    a.facts().forEach((k, v) -> {
      assertThat(k).hasSizeLessThanOrEqualTo(Alert.MAX_FACT_NAME_CHARS);
      assertThat(v).hasSizeLessThanOrEqualTo(Alert.MAX_FACT_VALUE_CHARS);
    });
    assertThat(a.toString()).hasSizeLessThan(30_000);
  }

  @Test
  void alert_ordinaryFieldsAreKeptAsTheyAre() {
    Alert a = new Alert(AlertType.COST_THRESHOLD, Severity.INFO, "openai", "tenant-42", "80% used", "detail",
        Instant.EPOCH, Map.of("spent", "$8.00"));
    assertThat(a.key()).isEqualTo("tenant-42");
    assertThat(a.detail()).isEqualTo("detail");
    assertThat(a.facts()).containsExactly(Map.entry("spent", "$8.00"));
  }

  @Test
  void alert_neverCutsASurrogatePairInHalf() {
    String s = "a" + "\uD83D\uDD25".repeat(200);
    Alert a = new Alert(AlertType.COST_THRESHOLD, Severity.INFO, "svc", s, "t", "", Instant.EPOCH, Map.of());
    String kept = a.key().substring(0, a.key().indexOf("..."));
    assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
  }
}
