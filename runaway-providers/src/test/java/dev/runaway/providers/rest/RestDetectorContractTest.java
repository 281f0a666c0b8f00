package dev.runaway.providers.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.TimeWindow;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The custom REST detector against a cursor-paged JSON usage API. */
final class RestDetectorContractTest extends DetectorContractTest {

  @Override
  protected DetectorProvider provider() {
    return new RestDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of(
        "request", Map.of("url", baseUrl + "/v1/usage?start={{windowStart}}&end={{windowEnd}}",
            "headers", Map.of("Accept", "application/json", "X-Team", "acme"),
            "auth", Map.of("type", "bearer", "tokenEnv", "EXAMPLE_TOKEN")),
        "response", Map.of("recordsPointer", "/data", "dimensions", Map.of("model", "/model"),
            "errorPointer", "/error"),
        "metrics", List.of(
            Map.of("name", "requests", "valuePointer", "/count", "kind", "windowTotal", "costPerUnit", 0.0004),
            Map.of("name", "spend_usd", "costPointer", "/cost_usd")),
        "pagination", Map.of("type", "cursor", "pointer", "/next", "param", "cursor"));
  }

  @Override
  protected String secretEnv() {
    return "EXAMPLE_TOKEN";
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    stub.route("/v1/usage", r -> r.param("cursor").isEmpty()
        ? StubResponse.ok("{\"data\":[{\"model\":\"a\",\"count\":1000,\"cost_usd\":0.12},"
            + "{\"model\":\"b\",\"count\":250,\"cost_usd\":\"0.03\"}],\"next\":\"c2\",\"error\":null}")
        : StubResponse.ok("{\"data\":[{\"model\":\"a\",\"count\":500,\"cost_usd\":0.05}],\"next\":null}"));
  }

  @Override
  protected Cost expectedHappyCost() {
    // requests: (1000 + 250 + 500) x $0.0004 = $0.70; spend: 0.12 + 0.03 + 0.05 = $0.20.
    return Cost.usd("0.90");
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.unit("requests")).isEqualTo(1750.0);
    assertThat(report.unit("spend_usd")).isEqualTo(0.20, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(report.items()).extracting(i -> i.name()).containsExactly("model=a", "model=b");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("0.77"));
    RecordedRequest first = stub.requests().get(0);
    assertThat(first.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(first.header("X-Team")).contains("acme");
    assertThat(stub.requests().get(1).param("cursor")).contains("c2");
    assertThat(stub.requests().get(1).param("start")).isEqualTo(first.param("start"));
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.enqueue("/v1/usage", StubResponse.ok("{\"data\":[],\"next\":null}"));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest request) {
    return TimeWindow.isoParams(request, "start", "end");
  }
}
