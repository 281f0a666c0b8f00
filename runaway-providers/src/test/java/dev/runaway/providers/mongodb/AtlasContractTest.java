package dev.runaway.providers.mongodb;

import static dev.runaway.providers.mongodb.AtlasFixtures.CYCLE_START;
import static dev.runaway.providers.mongodb.AtlasFixtures.ORG;

import dev.runaway.Cost;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.TimeWindow;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the Atlas contract tests share whatever the authentication: the provider, settings that
 * differ only in {@code auth}, and the pending invoice (cumulative from the cycle's start, asked for
 * without a time window) whose happy-day cost both scripts serve.
 */
abstract class AtlasContractTest extends DetectorContractTest {

  /**
   * Returns the {@code auth} setting the test runs the detector with.
   *
   * @return {@code api_key} or {@code service_account}
   */
  abstract String auth();

  @Override
  protected final DetectorProvider provider() {
    return new MongoDbAtlasDetectorProvider();
  }

  @Override
  protected final Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "org_id", ORG, "auth", auth());
  }

  @Override
  protected final boolean windowed() {
    return false; // the pending invoice takes no time window; the report's start is the invoice's
  }

  @Override
  protected final Cost expectedHappyCost() {
    return AtlasFixtures.HAPPY_COST;
  }

  @Override
  protected final Instant expectedReportFrom(PollContext ctx) {
    return CYCLE_START; // the pending invoice is cumulative from its start
  }

  @Override
  protected final Optional<TimeWindow> windowOf(RecordedRequest request) {
    return Optional.empty();
  }
}
