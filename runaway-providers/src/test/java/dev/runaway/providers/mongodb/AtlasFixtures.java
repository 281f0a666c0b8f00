package dev.runaway.providers.mongodb;

import dev.runaway.Cost;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Instant;

/** Atlas wire fixtures from mongodb-atlas.md §3.5. */
final class AtlasFixtures {

  static final String ORG = "5f1e7c2b9d3a4b0011aa22bb";
  static final String LINKED_ORG = "6a2e8d3c0e4b5c1122bb33cc";
  static final String PENDING = "/api/atlas/v2/orgs/" + ORG + "/invoices/pending";
  static final String TOKEN = "/api/oauth/token";
  static final String ACCEPT = "application/vnd.atlas.2023-01-01+json";
  static final Instant CYCLE_START = Instant.parse("2026-08-01T00:00:00Z");
  /** 3888 + 3714 (page 1) + 1250 + 87 (page 2, a linked organization's invoice) cents. */
  static final Cost HAPPY_COST = Cost.usd("89.39");

  private AtlasFixtures() {}

  static String line(String sku, String cluster, double quantity, String unit, double unitPrice, long cents) {
    return "{\"sku\":\"" + sku + "\",\"cloudProvider\":\"AWS\",\"clusterName\":\"" + cluster + "\",\"groupId\":"
        + "\"60a1b2c3d4e5f60718293a4b\",\"groupName\":\"production\",\"startDate\":\"2026-08-20T00:00:00Z\","
        + "\"endDate\":\"2026-08-21T00:00:00Z\",\"created\":\"2026-08-21T02:11:09Z\",\"quantity\":" + quantity
        + ",\"unit\":\"" + unit + "\",\"unitPriceDollars\":" + unitPrice + ",\"totalPriceCents\":" + cents
        + ",\"discountCents\":0}";
  }

  static String invoice(String id, String org, String start, String... lines) {
    return "{\"id\":\"" + id + "\",\"orgId\":\"" + org + "\",\"statusName\":\"PENDING\",\"startDate\":\"" + start
        + "\",\"endDate\":\"2026-09-01T00:00:00Z\",\"created\":\"2026-08-01T00:05:12Z\",\"updated\":"
        + "\"2026-08-21T06:00:41Z\",\"amountBilledCents\":0,\"amountPaidCents\":0,\"creditsCents\":0,"
        + "\"salesTaxCents\":0,\"startingBalanceCents\":0,\"subtotalCents\":0,\"lineItems\":[" + String.join(",", lines)
        + "],\"linkedInvoices\":[],\"payments\":[],\"refunds\":[]}";
  }

  static String page(String self, String next, String... invoices) {
    String links = "{\"href\":\"" + self + "\",\"rel\":\"self\"}"
        + (next == null ? "" : ",{\"href\":\"" + next + "\",\"rel\":\"next\"}");
    return "{\"links\":[" + links + "],\"results\":[" + String.join(",", invoices) + "],\"totalCount\":"
        + invoices.length + "}";
  }

  static String page1(StubServer stub) {
    String self = stub.baseUrl() + PENDING;
    return page(self, self + "?pageNum=2&itemsPerPage=1",
        invoice("6745a0c1e4b0a1b2c3d4e5f6", ORG, "2026-08-01T00:00:00Z",
            line("ATLAS_AWS_INSTANCE_M30", "prod-main", 72.0, "server hours", 0.54, 3888),
            line("ATLAS_AWS_DATA_TRANSFER_INTERNET", "prod-main", 412.7, "GB", 0.09, 3714)));
  }

  static String page2(StubServer stub) {
    String self = stub.baseUrl() + PENDING + "?pageNum=2&itemsPerPage=1";
    return page(self, null,
        invoice("6745a0c1e4b0a1b2c3d4e5f7", LINKED_ORG, "2026-08-01T00:00:00Z",
            line("ATLAS_AWS_INSTANCE_M10", "staging", 156.25, "server hours", 0.08, 1250),
            line("ATLAS_AWS_BACKUP_SNAPSHOT_STORAGE", "prod-main", 870.0, "GB days", 0.001, 87)));
  }

  /** The two pages, chosen by {@code pageNum}. */
  static StubResponse pending(StubServer stub, RecordedRequest r) {
    return StubResponse.ok(r.param("pageNum").equals(java.util.Optional.of("2")) ? page2(stub) : page1(stub))
        .withHeader("Content-Type", ACCEPT);
  }

  static String apiError(int status, String code, String reason, String detail) {
    return "{\"detail\":" + quote(detail) + ",\"error\":" + status + ",\"errorCode\":\"" + code + "\",\"parameters\":"
        + "[],\"reason\":\"" + reason + "\"}";
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
