package dev.runaway.providers.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GitHub: gross amount and minutes for detection, net as cost, Copilot, the 1,000-run cap. */
final class GitHubGrossAndCapTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  private static final Duration FIVE = Duration.ofMinutes(5);
  @RegisterExtension
  final StubServer stub = StubServer.start();

  private Detector detector(Map<String, Object> settings) {
    Map<String, Object> s = new java.util.LinkedHashMap<>(settings);
    s.put("base_url", stub.baseUrl().toString());
    return new GitHubActionsDetectorProvider().create(ServiceSettings.of("github", "github_actions", s),
        SecretSource.of(Map.of("GITHUB_TOKEN", "ghp_test")));
  }

  private static PollContext at(Instant now, boolean first) {
    return PollContext.of(now.minus(FIVE), now, FIVE, ManualTicker.startingAt(now), first);
  }

  @Test
  void poll_insideIncludedMinutes_reportsNetAsCostAndGrossForDetection() throws Exception {
    AtomicReference<String> body = new AtomicReference<>("github/usage-day-1.json");
    stub.route("/organizations/acme-corp/settings/billing/usage", r -> StubResponse.ok(Fixtures.read(body.get())));
    Detector d = detector(Map.of("org", "acme-corp"));
    try {
      UsageReport first = d.poll(at(NOW, true));
      // Net: Linux 0 + macOS 76.80 + Copilot 0 = $76.80 (Packages is not watched).
      // Gross: 14.72 + 76.80 + 4.00 = $95.52. Minutes 1,840 + 960 = 2,800. Premium requests 100.
      assertThat(first.cost()).isEqualTo(Cost.usd("76.80"));
      assertThat(first.unit(UsageReport.DETECTION_COST_UNIT)).isCloseTo(95.52, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(first.unit("minutes")).isEqualTo(2800);
      assertThat(first.unit("copilot.premium_requests")).isEqualTo(100);

      body.set("github/usage-day-2.json");
      UsageReport second = d.poll(at(NOW.plus(FIVE), false));
      // Growth: Linux 3,840 - 1,840 = 2,000 minutes, gross 30.72 - 14.72 = $16.00, net $0 (still included);
      // Copilot 600 - 100 = 500 requests, gross 24 - 4 = $20.00, net 4 - 0 = $4.00.
      // Cost $4.00; judged $16.00 + $20.00 = $36.00: the loop on Linux shows though it bills nothing.
      assertThat(second.cost()).isEqualTo(Cost.usd("4.00"));
      assertThat(second.unit(UsageReport.DETECTION_COST_UNIT)).isCloseTo(36.0, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(second.unit("minutes")).isEqualTo(2000);
      assertThat(second.unit("copilot.premium_requests")).isEqualTo(500);
      assertThat(second.items()).extracting(UsageItem::name).contains("Actions Linux", "Copilot Premium Request (GPT-5)");
    } finally {
      d.close();
    }
  }

  @Test
  void poll_moreRunsThanGitHubLists_countsTotalCountAndSaysSoInTheItemAndTheLog() throws Exception {
    int total = 1500;
    String path = "/repos/acme-corp/api/actions/runs";
    stub.route(path, r -> {
      if (r.param("status").isPresent()) {
        return StubResponse.ok("{\"total_count\":0,\"workflow_runs\":[]}");
      }
      int page = Integer.parseInt(r.param("page").orElse("1"));
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        long id = 16254000000L + (page - 1) * 100L + i;
        runs.add("{\"id\":" + id + ",\"name\":\"ci\",\"path\":\".github/workflows/ci.yml\",\"run_number\":" + id % 100000
            + ",\"run_attempt\":1,\"event\":\"push\",\"status\":\"queued\",\"conclusion\":null,\"workflow_id\":161335,"
            + "\"created_at\":\"2026-08-21T14:0" + (1 + i % 3) + ":00Z\",\"updated_at\":\"2026-08-21T14:04:00Z\"}");
      }
      StubResponse ok = StubResponse.ok("{\"total_count\":" + total + ",\"workflow_runs\":[" + String.join(",", runs)
          + "]}");
      // GitHub stops at page 10 (1,000 results) for a created= query: no rel="next" there.
      return page < 10 ? ok.withHeader("Link", "<" + stub.baseUrl() + path + "?page=" + (page + 1)
          + "&per_page=100>; rel=\"next\"") : ok;
    });
    int mark = LogCapture.mark();
    Detector d = detector(Map.of("repositories", List.of("acme-corp/api")));
    try {
      UsageReport r = d.poll(at(NOW, true));
      // 10 pages x 100 = 1,000 read, all in the span; total_count 1,500: 500 not read, all 1,500 counted.
      assertThat(r.unit("runs.created")).isEqualTo(1500);
      assertThat(r.unit("runs.unread")).isEqualTo(500);
      assertThat(r.items()).extracting(UsageItem::name)
          .containsExactly("acme-corp/api: ci", "acme-corp/api: runs not listed (500 beyond the 1000 read)");
      assertThat(LogCapture.since(mark)).anySatisfy(e -> assertThat(e.message()).contains("1500 workflow runs")
          .contains("at most 1000"));
    } finally {
      d.close();
    }
  }
}
