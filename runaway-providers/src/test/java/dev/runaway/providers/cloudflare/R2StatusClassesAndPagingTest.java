package dev.runaway.providers.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** R2: failed-auth requests unbilled, per-bucket storage class, months with many storage samples. */
final class R2StatusClassesAndPagingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");

  /** Storage rows ordered by bucket, then time: hourly 100 GB in "archive", one 48 GB sample in "assets". */
  private static List<String[]> storageRows() {
    List<String[]> rows = new ArrayList<>();
    for (Instant t = Instant.parse("2026-08-01T00:00:00Z"); t.isBefore(Instant.parse("2026-08-21T14:00:00Z"));
        t = t.plus(Duration.ofHours(1))) {
      rows.add(new String[] {"archive", t.toString(), row("archive", t.toString(), 100_000_000_000L)});
    }
    rows.add(new String[] {"assets", "2026-08-21T00:00:00Z", row("assets", "2026-08-21T00:00:00Z", 48_000_000_000L)});
    return rows;
  }

  private static String row(String bucket, String at, long payload) {
    return "{\"max\":{\"objectCount\":1000,\"uploadCount\":0,\"payloadSize\":" + payload + ",\"metadataSize\":1024},"
        + "\"dimensions\":{\"bucketName\":\"" + bucket + "\",\"datetime\":\"" + at + "\"}}";
  }

  /** Answers like the API: the filter's keyset on bucket and time, at most limit rows. */
  private static StubResponse storagePage(JsonNode body, List<String[]> all) {
    String query = body.path("query").asText();
    JsonNode v = body.path("variables");
    Matcher m = Pattern.compile("limit: (\\d+)").matcher(query);
    int limit = m.find() ? Integer.parseInt(m.group(1)) : 10000;
    String after = v.path("after").asText(null);
    boolean exclusive = query.contains("bucketName_gt: $after");
    String in = v.path("inBucket").asText(null);
    String afterTime = v.path("afterTime").asText(null);
    List<String> out = new ArrayList<>();
    for (String[] r : all) {
      boolean keep = (after == null || (exclusive ? r[0].compareTo(after) > 0 : r[0].compareTo(after) >= 0))
          && (in == null || r[0].equals(in))
          && (afterTime == null || Instant.parse(r[1]).isAfter(Instant.parse(afterTime)));
      if (keep && out.size() < limit) {
        out.add(r[2]);
      }
    }
    return StubResponse.ok("{\"data\":{\"viewer\":{\"accounts\":[{\"storage\":[" + String.join(",", out)
        + "]}]}},\"errors\":null}");
  }

  @Test
  void poll_unbilledAuthFailures_iaBucket_andAMonthOfHourlySamplesBeyondThePageSize() throws Exception {
    List<String[]> storage = storageRows();
    try (StubServer stub = StubServer.start()) {
      stub.route("/graphql", r -> {
        JsonNode body = json(r);
        return body.path("query").asText().contains("r2OperationsAdaptiveGroups")
            ? StubResponse.ok(Fixtures.read("cloudflare/ops-with-status.json")) : storagePage(body, storage);
      });
      Detector d = new CloudflareR2DetectorProvider().create(ServiceSettings.of("r2", "cloudflare_r2", Map.of(
          "base_url", stub.baseUrl().toString(), "account_id", "023e105f4ecef8ad9ca31a8372d0c353",
          "free_tier", false, "page_size", 50.0, "bucket_storage_classes", Map.of("archive", "infrequent_access"))),
          SecretSource.of(Map.of("CLOUDFLARE_API_TOKEN", "cf-test-token")));
      try {
        UsageReport r = d.poll(PollContext.of(NOW.minus(Duration.ofMinutes(5)), NOW, Duration.ofMinutes(5),
            ManualTicker.startingAt(NOW), true));
        // Operations (free tier off):
        //   assets (Standard): Class A = PutObject 40,213 + ListObjects 912 + PutObject 412 3,000 = 44,125
        //     -> 44,125 x $4.50/M = $0.1985625; Class B = GetObject 1,843,221 x $0.36/M = $0.66355956
        //   archive (Infrequent Access): Class A 10,000 x $9.00/M = $0.09; Class B 250,000 x $0.90/M = $0.225
        //   not billed: PutObject 403 5,000,000 + GetObject 401 2,000,000 = 7,000,000
        //     (billed they would have added 5M x 4.50/M + 2M x 0.36/M = $23.22)
        // Storage: archive 100 GB on Aug 1-20 and 845/1440 of Aug 21 (14:05):
        //     100 x (20 + 845/1440) / 30 = 68.62268518... GB-months x $0.01 = $0.686226852
        //   assets 48 GB for 845/1440 of Aug 21: 48 x 845/1440 / 30 = 0.93888... GB-months x $0.015 = $0.014083333
        // Total 0.1985625 + 0.09 + 0.66355956 + 0.225 + 0.686226852 + 0.014083333 = $1.877432245
        assertThat(r.unit("operations.unbilled")).isEqualTo(7_000_000);
        assertThat(r.unit("operations.class_a")).isEqualTo(54_125);
        assertThat(r.unit("operations.class_b")).isEqualTo(2_093_221);
        assertThat(r.unit("infrequent_access.storage.gb_month")).isCloseTo(68.622685185, Offset.offset(1e-8));
        assertThat(r.items()).extracting(UsageItem::cost).startsWith(Cost.usd("0.2885625"), Cost.usd("0.88855956"),
            Cost.ZERO, Cost.usd("0.700310185"));
        assertThat(r.cost()).isEqualTo(Cost.usd("1.877432245"));
        List<RecordedRequest> storageRequests = stub.requests().stream()
            .filter(q -> json(q).path("query").asText().contains("r2StorageAdaptiveGroups")).toList();
        // 494 archive samples + 1 assets: pages of 50 by time within archive, then after it: 11 requests.
        assertThat(storageRequests).hasSize(11);
        assertThat(json(storageRequests.get(storageRequests.size() - 1)).path("query").asText())
            .contains("bucketName_gt: $after");
      } finally {
        d.close();
      }
    }
  }

  private static JsonNode json(RecordedRequest r) {
    try {
      return JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
