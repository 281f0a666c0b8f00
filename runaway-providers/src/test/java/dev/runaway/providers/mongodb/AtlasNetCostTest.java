package dev.runaway.providers.mongodb;

import static dev.runaway.providers.mongodb.AtlasFixtures.ORG;
import static dev.runaway.providers.mongodb.AtlasFixtures.PENDING;
import static dev.runaway.providers.mongodb.AtlasFixtures.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.monitor.internal.UsageAccounting;
import dev.runaway.monitor.internal.UsageDelta;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Atlas reports the net bill: discounts off, credits apart (fixtures/mongodb/README.md). */
final class AtlasNetCostTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  @RegisterExtension
  final StubServer stub = StubServer.start();
  private Detector detector;
  private final AtomicReference<String> fixture = new AtomicReference<>("mongodb/pending-discounted.json");

  @BeforeEach
  void start() {
    stub.route(TOKEN, r -> StubResponse.ok("{\"access_token\":\"tok\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
    stub.route(PENDING, r -> StubResponse.ok(Fixtures.read(fixture.get()).replace("BASE", stub.baseUrl().toString()
        .replaceAll("/$", ""))).withHeader("Content-Type", AtlasFixtures.ACCEPT));
    detector = new MongoDbAtlasDetectorProvider().create(ServiceSettings.of("atlas", "mongodb_atlas",
        Map.of("base_url", stub.baseUrl().toString(), "org_id", ORG, "auth", "service_account")),
        SecretSource.of(Map.of("MONGODB_ATLAS_CLIENT_ID", "id", "MONGODB_ATLAS_CLIENT_SECRET", "secret")));
  }

  @AfterEach
  void stop() {
    detector.close();
  }

  private static PollContext at(Instant now) {
    return PollContext.of(now.minus(Duration.ofMinutes(5)), now, Duration.ofMinutes(5), ManualTicker.startingAt(now),
        false);
  }

  @Test
  void poll_discountedLines_reportNetNotGross() throws Exception {
    UsageReport r = detector.poll(at(NOW));

    // M30: 72 h x $0.54 = 3888 cents gross, discountCents 389 -> 3499 net.
    // Transfer: 412.7 GB x $0.09 = 3714 cents gross, only percentDiscount 12.5:
    //   3714 x 12.5 / 100 = 464.25 -> 464 cents off -> 3250 net.
    // Net 3499 + 3250 = 6749 cents = $67.49 (gross would be $76.02, over-reported by $8.53).
    assertThat(r.cost()).isEqualTo(Cost.usd("67.49"));
    assertThat(r.items()).extracting(UsageItem::cost).containsExactly(Cost.usd("34.99"), Cost.usd("32.50"));
    assertThat(r.unit("discounts.usd")).isEqualTo(8.53); // 389 + 464 = 853 cents
    assertThat(r.units()).doesNotContainKey("credits.usd");
  }

  @Test
  void poll_creditPostedWithNewCharges_neitherGoesBackwardsNorHidesTheNewCharges() throws Exception {
    UsageAccounting accounting = new UsageAccounting();
    PollContext first = at(NOW);
    UsageReport r1 = detector.poll(first);
    accounting.accept(r1, first.since(), first.now());

    fixture.set("mongodb/pending-with-credit.json");
    PollContext second = at(NOW.plus(Duration.ofDays(1)));
    UsageReport r2 = detector.poll(second);
    UsageDelta delta = accounting.accept(r2, second.since(), second.now());

    // New M30 day: 24 h x $0.54 = 1296 cents, discountCents 130 -> 1166 net.
    // Cost 6749 + 1166 = 7915 cents = $79.15; the -5000 cents credit is reported apart.
    assertThat(r2.cost()).isEqualTo(Cost.usd("79.15"));
    assertThat(r2.unit("credits.usd")).isEqualTo(50.0);
    // Net of the credit the total would be 2915 cents, below the 6749 already seen: the growth
    // of $11.66 would have been invisible. Counted apart, it is seen in full.
    assertThat(delta.costNanos()).isEqualTo(Cost.usd("11.66").nanos());
    assertThat(r2.cost().compareTo(r1.cost())).isPositive();
  }
}
