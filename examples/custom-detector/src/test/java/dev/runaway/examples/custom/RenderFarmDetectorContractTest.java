package dev.runaway.examples.custom;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.TimeWindow;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The custom detector keeps the same contract as the built-in ones: it extends the kit of
 * {@code runaway-testing} and supplies its provider, settings and the farm's wire format.
 */
final class RenderFarmDetectorContractTest extends DetectorContractTest {

  private static final String PATH = "/v1/usage";

  @Override
  protected DetectorProvider provider() {
    return new RenderFarmDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "price_per_gpu_hour", 2.5);
  }

  @Override
  protected String secretEnv() {
    return RenderFarmDetectorProvider.DEFAULT_TOKEN_ENV;
  }

  /** The farm's API answers one document per span: it has no pages. */
  @Override
  protected boolean paginated() {
    return false;
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(PATH, StubResponse.ok("{\"jobs\": 40, \"gpu_seconds\": 14400, \"queues\": ["
        + "{\"name\": \"cuda\", \"jobs\": 30, \"gpu_seconds\": 10800},"
        + " {\"name\": \"cpu\", \"jobs\": 10, \"gpu_seconds\": 3600}]}"));
  }

  @Override
  protected Cost expectedHappyCost() {
    return Cost.usd("10.00"); // 14400 GPU seconds = 4 GPU hours at $2.50
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.unit("requests")).isEqualTo(40.0);
    assertThat(report.unit("gpu_hours")).isEqualTo(4.0);
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("cuda", "cpu");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("7.50"));
    assertThat(stub.requestsTo(PATH).get(0).header("Authorization")).contains("Bearer " + SECRET);
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(PATH, StubResponse.ok("{\"jobs\": 0, \"gpu_seconds\": 0, \"queues\": []}"));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest request) {
    return TimeWindow.epochSecondParams(request, "from", "to");
  }
}
