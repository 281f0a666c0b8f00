package dev.runaway.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One config naming all eight service types, parsed by {@link MonitorConfig#parse(String)}; every
 * detector created through the providers {@link ServiceLoader} finds, pointed at one loopback
 * server that speaks each service's wire format, and polled once: each report's cost is the one
 * computed by hand from its fixture.
 *
 * <p>The first test polls the detectors directly; the second runs the same config through
 * {@code RunawayMonitor.pollOnce()}. Earlier note: {@code RunawayMonitor} (whose {@code pollOnce()} would do
 * the same round) is not on this branch's base yet.
 */
final class AllProvidersTest {

  static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  static final Instant SINCE = NOW.minus(Duration.ofMinutes(5));
  static final long SINCE_EPOCH = SINCE.getEpochSecond();
  static final String SECRET = "sk-ALL-PROVIDERS-SENTINEL";
  static final String SUPABASE_REF = "abcdefghijklmnopqrst";
  static final String ATLAS_ORG = "5f1e7c2b9d3a4b0011aa22bb";
  static final String R2_ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353";

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private final List<Detector> detectors = new ArrayList<>();

  @AfterEach
  void stop() {
    detectors.forEach(Detector::close);
  }

  String config() {
    String base = stub.baseUrl().toString();
    return "{\n"
        + "  \"monitoring_interval\": 300,\n"
        + "  \"cost_thresholds\": {\n"
        + "    \"openai\": {\"hourly\": 10.0, \"daily\": 100.0},\n"
        + "    \"github_actions\": {\"hourly\": 5.0, \"daily\": 50.0}\n"
        + "  },\n"
        + "  \"usage_spike_multiplier\": 3.0,\n"
        + "  \"circuit_breaker\": {\"enabled\": true, \"threshold_multiplier\": 5.0},\n"
        + "  \"services\": {\n"
        + "    \"openai\": {\"type\": \"openai\", \"base_url\": \"" + base + "/v1\", \"endpoints\": [\"completions\"],"
        + " \"timeout_seconds\": 10},\n"
        + "    \"github_actions\": {\"type\": \"github_actions\", \"base_url\": \"" + base + "\", \"org\": "
        + "\"acme-corp\", \"timeout_seconds\": 10},\n"
        + "    \"stripe\": {\"type\": \"stripe\", \"base_url\": \"" + base + "\", \"timeout_seconds\": 10},\n"
        + "    \"my-ai-vendor\": {\"type\": \"rest\", \"request\": {\"url\": \"" + base + "/custom/usage?start="
        + "{{windowStart}}&end={{windowEnd}}\", \"auth\": {\"type\": \"bearer\", \"tokenEnv\": \"EXAMPLE_TOKEN\"},"
        + " \"timeoutSeconds\": 10}, \"response\": {\"recordsPointer\": \"/data\"}, \"metrics\": [{\"name\": "
        + "\"requests\", \"valuePointer\": \"/count\", \"kind\": \"windowTotal\", \"costPerUnit\": 0.001}]},\n"
        + "    \"supabase\": {\"type\": \"supabase\", \"base_url\": \"" + base + "\", \"timeout_seconds\": 10,"
        + " \"price_per_million_requests\": {\"rest\": 0.5, \"auth\": 2, \"realtime\": 2.5, \"storage\": 4}},\n"
        + "    \"r2\": {\"type\": \"cloudflare_r2\", \"base_url\": \"" + base + "/client/v4\", \"account_id\": \""
        + R2_ACCOUNT + "\", \"timeout_seconds\": 10},\n"
        + "    \"atlas\": {\"type\": \"mongodb_atlas\", \"base_url\": \"" + base + "\", \"org_id\": \"" + ATLAS_ORG
        + "\", \"auth\": \"service_account\", \"timeout_seconds\": 10},\n"
        + "    \"vercel\": {\"type\": \"vercel\", \"base_url\": \"" + base + "\", \"team_id\": "
        + "\"team_1a2b3c4d5e6f7g8h9i0j1k2l\", \"timeout_seconds\": 10}\n"
        + "  }\n"
        + "}\n";
  }

  static Map<String, String> secrets() {
    Map<String, String> s = new LinkedHashMap<>();
    for (String name : List.of("OPENAI_ADMIN_KEY", "GITHUB_TOKEN", "STRIPE_API_KEY", "EXAMPLE_TOKEN",
        "SUPABASE_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN", "MONGODB_ATLAS_CLIENT_SECRET", "VERCEL_TOKEN")) {
      s.put(name, SECRET + "-" + name);
    }
    s.put("SUPABASE_URL", "https://" + SUPABASE_REF + ".supabase.co");
    s.put("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_all_providers");
    return s;
  }

  void scriptEveryService() {
    // OpenAI Usage API (openai.md): one minute bucket; gpt-4.1 at $2 in and $8 out per million tokens.
    stub.enqueue("/v1/organization/usage/completions", StubResponse.ok("{\"object\":\"page\",\"data\":["
        + "{\"object\":\"bucket\",\"start_time\":" + (SINCE_EPOCH + 60) + ",\"end_time\":" + (SINCE_EPOCH + 120)
        + ",\"results\":[{\"object\":\"organization.usage.completions.result\",\"input_tokens\":100000,"
        + "\"output_tokens\":10000,\"num_model_requests\":25,\"input_cached_tokens\":0,"
        + "\"input_cache_write_tokens\":0,\"input_uncached_tokens\":100000,\"input_audio_tokens\":0,"
        + "\"output_audio_tokens\":0,\"project_id\":null,\"user_id\":null,\"api_key_id\":null,\"model\":"
        + "\"gpt-4.1-2025-04-14\",\"batch\":null,\"service_tier\":null}]}],\"has_more\":false,\"next_page\":null}"));
    stub.enqueue("/v1/organization/costs", StubResponse.ok("{\"object\":\"page\",\"data\":[],\"has_more\":false,"
        + "\"next_page\":null}"));
    // GitHub enhanced billing usage (github-actions.md): only Actions items count, at their netAmount.
    stub.enqueue("/organizations/acme-corp/settings/billing/usage", StubResponse.ok("{\"usageItems\":["
        + "{\"date\":\"2026-08-21\",\"product\":\"Actions\",\"sku\":\"Actions Linux\",\"quantity\":200,"
        + "\"unitType\":\"minutes\",\"pricePerUnit\":0.008,\"grossAmount\":1.6,\"discountAmount\":0,"
        + "\"netAmount\":1.6,\"organizationName\":\"acme-corp\",\"repositoryName\":\"acme-corp/api\"},"
        + "{\"date\":\"2026-08-21\",\"product\":\"Actions\",\"sku\":\"Actions macOS 3-core\",\"quantity\":10,"
        + "\"unitType\":\"minutes\",\"pricePerUnit\":0.08,\"grossAmount\":0.8,\"discountAmount\":0,"
        + "\"netAmount\":0.8,\"organizationName\":\"acme-corp\",\"repositoryName\":\"acme-corp/ios\"},"
        + "{\"date\":\"2026-08-21\",\"product\":\"Packages\",\"sku\":\"Packages storage\",\"quantity\":10,"
        + "\"unitType\":\"gigabytes\",\"pricePerUnit\":0.25,\"grossAmount\":2.5,\"discountAmount\":0,"
        + "\"netAmount\":2.5,\"organizationName\":\"acme-corp\"}]}"));
    // Stripe balance transactions (stripe.md): the fee is the cost.
    stub.enqueue("/v1/balance_transactions", StubResponse.ok("{\"object\":\"list\",\"url\":"
        + "\"/v1/balance_transactions\",\"has_more\":false,\"data\":[{\"id\":\"txn_3Pgax\",\"object\":"
        + "\"balance_transaction\",\"amount\":2000,\"available_on\":" + (SINCE_EPOCH + 86400) + ",\"balance_type\":"
        + "\"payments\",\"created\":" + (SINCE_EPOCH + 50) + ",\"currency\":\"usd\",\"description\":null,"
        + "\"exchange_rate\":null,\"fee\":88,\"fee_details\":[{\"amount\":88,\"application\":null,\"currency\":"
        + "\"usd\",\"description\":\"Stripe processing fees\",\"type\":\"stripe_fee\"}],\"net\":1912,"
        + "\"reporting_category\":\"charge\",\"source\":null,\"status\":\"available\",\"type\":\"charge\"}]}"));
    // A custom REST API: 1,500 requests at $0.001.
    stub.enqueue("/custom/usage", StubResponse.ok("{\"data\":[{\"count\":1500}]}"));
    // Supabase usage (supabase.md §1.5): today's buckets.
    stub.enqueue("/v1/projects/" + SUPABASE_REF + "/analytics/endpoints/usage.api-counts", StubResponse.ok(
        "{\"result\":[{\"timestamp\":\"2026-08-21T13:00:00.000Z\",\"total_auth_requests\":1000,"
            + "\"total_realtime_requests\":1000,\"total_rest_requests\":200000,\"total_storage_requests\":1000}]}"));
    stub.enqueue("/v1/projects/" + SUPABASE_REF + "/analytics/endpoints/usage.api-requests-count",
        StubResponse.ok("{\"result\":[{\"count\":203000}]}"));
    // Cloudflare GraphQL (cloudflare-r2.md §2.4): month to date.
    stub.route("/client/v4/graphql", r -> r.body().contains("r2OperationsAdaptiveGroups")
        ? StubResponse.ok("{\"data\":{\"viewer\":{\"accounts\":[{\"ops\":["
            + "{\"sum\":{\"requests\":11000000},\"dimensions\":{\"actionType\":\"GetObject\",\"bucketName\":\"a\"}},"
            + "{\"sum\":{\"requests\":1200000},\"dimensions\":{\"actionType\":\"PutObject\",\"bucketName\":\"a\"}}"
            + "]}]}},\"errors\":null}")
        : StubResponse.ok("{\"data\":{\"viewer\":{\"accounts\":[{\"storage\":[]}]}},\"errors\":null}"));
    // MongoDB Atlas (mongodb-atlas.md §3.2, §3.5): token, then the pending invoice.
    stub.route("/api/oauth/token", r -> StubResponse.ok("{\"access_token\":\"eyJ.all\",\"token_type\":\"Bearer\","
        + "\"expires_in\":3600}"));
    stub.route("/api/atlas/v2/orgs/" + ATLAS_ORG + "/invoices/pending", r -> StubResponse.ok("{\"links\":[],"
        + "\"results\":[{\"id\":\"6745a0c1e4b0a1b2c3d4e5f6\",\"orgId\":\"" + ATLAS_ORG + "\",\"statusName\":"
        + "\"PENDING\",\"startDate\":\"2026-08-01T00:00:00Z\",\"endDate\":\"2026-09-01T00:00:00Z\","
        + "\"lineItems\":[{\"sku\":\"ATLAS_AWS_INSTANCE_M30\",\"quantity\":72.0,\"unit\":\"server hours\","
        + "\"unitPriceDollars\":0.54,\"totalPriceCents\":3888},{\"sku\":\"ATLAS_AWS_DATA_TRANSFER_INTERNET\","
        + "\"quantity\":412.7,\"unit\":\"GB\",\"unitPriceDollars\":0.09,\"totalPriceCents\":3714}]}],"
        + "\"totalCount\":1}"));
    // Vercel FOCUS charges (vercel.md §4.2), gzip-compressed JSON Lines.
    String jsonl = "{\"BilledCost\":12.4,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\","
        + "\"ChargePeriodStart\":\"2026-08-21T07:00:00.000Z\",\"ChargePeriodEnd\":\"2026-08-22T07:00:00.000Z\","
        + "\"ConsumedQuantity\":1000000,\"ConsumedUnit\":\"GB-Seconds\",\"ServiceName\":"
        + "\"Serverless Function Execution\"}\n"
        + "{\"BilledCost\":3.15,\"BillingCurrency\":\"USD\",\"ChargeCategory\":\"Usage\","
        + "\"ChargePeriodStart\":\"2026-08-21T07:00:00.000Z\",\"ChargePeriodEnd\":\"2026-08-22T07:00:00.000Z\","
        + "\"ConsumedQuantity\":21.0,\"ConsumedUnit\":\"GB\",\"ServiceName\":\"Fast Data Transfer\"}\n";
    stub.enqueue("/v1/billing/charges", new StubResponse(200, List.of(Map.entry("Content-Type", "application/jsonl"),
        Map.entry("Content-Encoding", "gzip")), gzip(jsonl), Duration.ZERO, false));
  }

  static byte[] gzip(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Test
  void configWithAllEightTypes_loadsAndEachDetectorReportsItsHandComputedCost() throws Exception {
    MonitorConfig config = MonitorConfig.parse(config());
    assertThat(config.services().values()).extracting(ServiceSettings::type).containsExactlyInAnyOrder("openai",
        "github_actions", "stripe", "rest", "supabase", "cloudflare_r2", "mongodb_atlas", "vercel");

    Map<String, DetectorProvider> providers = ServiceLoader.load(DetectorProvider.class).stream()
        .map(ServiceLoader.Provider::get).collect(Collectors.toMap(DetectorProvider::type, p -> p));
    assertThat(providers).containsKeys("openai", "github_actions", "stripe", "rest", "supabase", "cloudflare_r2",
        "mongodb_atlas", "vercel");

    scriptEveryService();
    int mark = LogCapture.mark();
    SecretSource secrets = SecretSource.of(secrets());
    ManualTicker ticker = ManualTicker.startingAt(NOW);
    PollContext ctx = PollContext.of(SINCE, NOW, config.monitoringInterval(), ticker, true);
    Map<String, UsageReport> reports = new LinkedHashMap<>();
    for (ServiceSettings s : config.services().values()) {
      DetectorProvider p = providers.get(s.type());
      assertThat(p.requiredSecrets(s)).allSatisfy(name -> assertThat(secrets.get(name)).isPresent());
      Detector d = p.create(s, secrets);
      detectors.add(d);
      reports.put(s.name(), d.poll(ctx));
    }

    assertThat(reports).hasSize(8);
    Map<String, Cost> costs = new LinkedHashMap<>();
    reports.forEach((k, v) -> costs.put(k, v.cost()));
    assertThat(costs).containsExactlyInAnyOrderEntriesOf(expectedCosts());
    reports.forEach((name, r) -> {
      assertThat(r.service()).isEqualTo(name);
      assertThat(r.to()).isEqualTo(NOW);
    });
    // Cumulative sources report their bucket: Atlas's invoice, R2's month, Vercel's Los Angeles day.
    assertThat(reports.get("atlas").from()).isEqualTo(Instant.parse("2026-08-01T00:00:00Z"));
    assertThat(reports.get("r2").from()).isEqualTo(Instant.parse("2026-08-01T00:00:00Z"));
    assertThat(reports.get("vercel").from()).isEqualTo(Instant.parse("2026-08-21T07:00:00Z"));
    assertThat(reports.get("supabase").from()).isEqualTo(Instant.parse("2026-08-21T00:00:00Z"));

    RecordedRequest token = stub.requestsTo("/api/oauth/token").get(0);
    assertThat(token.header("Authorization")).contains("Basic " + Base64.getEncoder().encodeToString(
        ("mdb_sa_id_all_providers:" + SECRET + "-MONGODB_ATLAS_CLIENT_SECRET").getBytes(StandardCharsets.UTF_8)));
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
    assertThat(logs).doesNotContain(SECRET);
  }

  @Test
  void runawayMonitorPollOnce_reportsEveryServiceOfTheConfigWithItsHandComputedCost() {
    MonitorConfig config = MonitorConfig.parse(config());
    scriptEveryService();
    int mark = LogCapture.mark();
    List<dev.runaway.alert.Alert> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (dev.runaway.monitor.RunawayMonitor monitor = dev.runaway.monitor.RunawayMonitor.builder()
        .config(config)
        .secrets(SecretSource.of(secrets()))
        .ticker(ManualTicker.startingAt(NOW))
        .alertSink(alerts::add)
        .build()) {
      Map<String, UsageReport> reports = monitor.pollOnce();
      Map<String, Cost> costs = new LinkedHashMap<>();
      reports.forEach((k, v) -> costs.put(k, v.cost()));
      assertThat(costs).containsExactlyInAnyOrderEntriesOf(expectedCosts());
      assertThat(alerts).noneMatch(a -> a.type() == dev.runaway.alert.AlertType.SERVICE_STATUS);
      assertThat(monitor.snapshot("atlas").service()).isEqualTo("atlas");
    }
    String logs = LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
    assertThat(logs).doesNotContain(SECRET);
  }

  private static Map<String, Cost> expectedCosts() {
    return Map.of(
        // 100,000 x $2/M + 10,000 x $8/M
        "openai", Cost.usd("0.28"),
        // Actions Linux $1.60 + Actions macOS $0.80; Packages is not Actions
        "github_actions", Cost.usd("2.40"),
        // the USD charge's fee
        "stripe", Cost.usd("0.88"),
        // 1,500 x $0.001
        "my-ai-vendor", Cost.usd("1.50"),
        // 200,000 x $0.50/M + 1,000 x $2/M + 1,000 x $2.50/M + 1,000 x $4/M
        "supabase", Cost.usd("0.1085"),
        // (11,000,000 - 10M free) x $0.36/M + (1,200,000 - 1M free) x $4.50/M
        "r2", Cost.usd("1.26"),
        // 3888 + 3714 cents
        "atlas", Cost.usd("76.02"),
        // 12.40 + 3.15
        "vercel", Cost.usd("15.55"));
  }
}
