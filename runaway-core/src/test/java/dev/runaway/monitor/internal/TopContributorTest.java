package dev.runaway.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TopContributorTest {

  private static final Instant T = Instant.parse("2026-08-21T14:05:00Z");
  private static final Alert SPIKE = new Alert(AlertType.USAGE_SPIKE, Severity.CRITICAL, "openai", null,
      "Runaway: openai spend rate 12.0x baseline", "spend rate above 5x the learned baseline (account-wide).", T,
      Map.of("scope", "account-wide"));

  @Test
  void withTopContributor_namesTheLargestItemAndItsShare() {
    UsageReport r = new UsageReport("openai", T.minusSeconds(300), T, Cost.usd("18.859"), Map.of(), List.of(
        new UsageItem("gpt-5-mini (priority tier, project proj_abc123, key key_runaway)", Cost.usd("0.729"), Map.of()),
        new UsageItem("gpt-realtime-1.5 (project proj_voice, key key_voicebot)", Cost.usd("17.48"), Map.of()),
        new UsageItem("gpt-5-mini (flex tier, project proj_abc123, key key_nightly)", Cost.usd("0.65"), Map.of())));

    Alert a = ServiceMonitor.withTopContributor(SPIKE, r);

    // 17.48 / 18.859 = 0.9269 -> 93%
    assertThat(a.facts()).containsEntry("top_contributor", "gpt-realtime-1.5 (project proj_voice, key key_voicebot)")
        .containsEntry("top_contributor_cost", "$17.48").containsEntry("scope", "account-wide");
    assertThat(a.detail()).endsWith("Largest contributor: gpt-realtime-1.5 (project proj_voice, key key_voicebot)"
        + " ($17.48 of $18.859 in the last poll, 93%).");
    assertThat(a.title()).isEqualTo(SPIKE.title());
  }

  @Test
  void withTopContributor_noPricedItem_leavesTheAlertAlone() {
    UsageReport r = new UsageReport("openai", T.minusSeconds(300), T, Cost.ZERO, Map.of(), List.of(
        new UsageItem("gpt-9", Cost.ZERO, Map.of())));
    assertThat(ServiceMonitor.withTopContributor(SPIKE, r)).isSameAs(SPIKE);
  }
}
