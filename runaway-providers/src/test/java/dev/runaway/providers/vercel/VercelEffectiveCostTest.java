package dev.runaway.providers.vercel;

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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** EffectiveCost for detection, late-posted charges of the previous day, per-project items. */
final class VercelEffectiveCostTest {

  private static final String PATH = "/v1/billing/charges";
  private static final Duration FIVE = Duration.ofMinutes(5);
  private final AtomicReference<String> body = new AtomicReference<>("vercel/charges-day1-morning.jsonl");
  @RegisterExtension
  final StubServer stub = StubServer.start();

  @BeforeEach
  void start() {
    stub.route(PATH, r -> new StubResponse(200, java.util.List.of(Map.entry("Content-Type", "application/jsonl")),
        Fixtures.read(body.get()).getBytes(java.nio.charset.StandardCharsets.UTF_8), Duration.ZERO, false));
  }

  private Detector detector(int lateHours) {
    return new VercelDetectorProvider().create(ServiceSettings.of("vercel", "vercel", Map.of("base_url",
        stub.baseUrl().toString(), "team_id", "team_1a2b3c4d5e6f7g8h9i0j1k2l", "late_data_hours", (double) lateHours)),
        SecretSource.of(Map.of("VERCEL_TOKEN", "vercel_test_token")));
  }

  private static PollContext at(String now, boolean first) {
    Instant n = Instant.parse(now);
    return PollContext.of(n.minus(FIVE), n, FIVE, ManualTicker.startingAt(n), first);
  }

  @Test
  void poll_committedUsage_billsNothingButIsJudgedAtItsEffectiveCost() throws Exception {
    Detector d = detector(24);
    try {
      UsageReport first = d.poll(at("2026-11-24T20:05:00Z", true));
      // Billed: web 12.40 + api 0 (committed) = $12.40. Effective: 12.40 + 24.80 = $37.20.
      assertThat(first.from()).isEqualTo(Instant.parse("2026-11-24T08:00:00Z"));
      assertThat(first.cost()).isEqualTo(Cost.usd("12.40"));
      assertThat(first.unit(UsageReport.DETECTION_COST_UNIT)).isCloseTo(37.20, Offset.offset(1e-9));
      assertThat(first.items()).extracting(UsageItem::name).containsExactly(
          "Serverless Function Execution (project web)", "Serverless Function Execution (project api)");

      body.set("vercel/charges-day1-evening.jsonl");
      UsageReport second = d.poll(at("2026-11-25T05:05:00Z", false));
      // api runs away inside its commitment: EffectiveCost 24.80 -> 124.00, BilledCost stays 0.
      // Cost $0; judged 124.00 - 24.80 = $99.20; 10,000,000 - 2,000,000 = 8,000,000 GB-s more.
      assertThat(second.from()).isEqualTo(Instant.parse("2026-11-25T05:00:00Z"));
      assertThat(second.cost()).isEqualTo(Cost.ZERO);
      assertThat(second.unit(UsageReport.DETECTION_COST_UNIT)).isCloseTo(99.20, Offset.offset(1e-9));
      assertThat(second.unit("serverless_function_execution.gb_seconds")).isEqualTo(8_000_000);
    } finally {
      d.close();
    }
  }

  /**
   * Polls on the evening of day 1, then at 09:05Z on day 2 (1 h 05 after the LA midnight) once a
   * late day-1 row has arrived, with this late-data window; returns the second report.
   */
  private UsageReport nextMorningAfterALateRow(int lateHours) throws Exception {
    Detector d = detector(lateHours);
    try {
      body.set("vercel/charges-day1-evening.jsonl");
      d.poll(at("2026-11-25T05:05:00Z", true));
      body.set("vercel/charges-day2-with-late-day1.jsonl");
      return d.poll(at("2026-11-25T09:05:00Z", false));
    } finally {
      d.close();
    }
  }

  @Test
  void poll_nextMorning_rereadsThePreviousDayAndCountsItsLateCharges() throws Exception {
    UsageReport r = nextMorningAfterALateRow(24);
    // Day 1 (Nov 24 LA) grew by a late Fast Data Transfer row: $3.15; day 2 so far: $1.50. Cost $4.65.
    assertThat(r.cost()).isEqualTo(Cost.usd("4.65"));
    assertThat(r.items()).extracting(UsageItem::name).contains("Fast Data Transfer (project web)");
    assertThat(stub.requestsTo(PATH).get(1).param("from")).contains("2026-11-24T08:00:00.000Z");
    assertThat(stub.requestsTo(PATH).get(1).param("to")).contains("2026-11-25T09:05:00.000Z");
  }

  @Test
  void poll_afterTheLateWindow_readsOnlyTheCurrentDay() throws Exception {
    // Past a 1-hour window, day 1 is not read again.
    UsageReport r = nextMorningAfterALateRow(1);
    assertThat(r.cost()).isEqualTo(Cost.usd("1.50"));
    assertThat(stub.requestsTo(PATH).get(1).param("from")).contains("2026-11-25T08:00:00.000Z");
  }
}
