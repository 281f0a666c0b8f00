package dev.runaway.providers.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.TimeWindow;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The Stripe detector against the balance transactions list's wire format (stripe.md). */
final class StripeDetectorContractTest extends DetectorContractTest {

  static final String PATH = "/v1/balance_transactions";

  @Override
  protected DetectorProvider provider() {
    return new StripeDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl.toString(), "usd_rate", Map.of("eur", 1.08, "jpy", 0.0067));
  }

  @Override
  protected String secretEnv() {
    return "STRIPE_API_KEY";
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"invalid_request_error\"}}";
  }

  static String txn(String id, long amount, String currency, long fee, long created, String category, String type) {
    return "{\"id\":\"" + id + "\",\"object\":\"balance_transaction\",\"amount\":" + amount + ",\"available_on\":"
        + (created + 86400) + ",\"balance_type\":\"payments\",\"created\":" + created + ",\"currency\":\"" + currency
        + "\",\"description\":null,\"exchange_rate\":null,\"fee\":" + fee + ",\"fee_details\":" + (fee == 0 ? "[]"
        : "[{\"amount\":" + fee + ",\"application\":null,\"currency\":\"" + currency + "\",\"description\":"
            + "\"Stripe processing fees\",\"type\":\"stripe_fee\"}]") + ",\"net\":" + (amount - fee)
        + ",\"reporting_category\":\"" + category + "\",\"source\":null,\"status\":\"available\",\"type\":\"" + type
        + "\"}";
  }

  static String list(boolean hasMore, String... txns) {
    return "{\"object\":\"list\",\"url\":\"/v1/balance_transactions\",\"has_more\":" + hasMore + ",\"data\":["
        + String.join(",", txns) + "]}";
  }

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    // Newest first, as Stripe sorts.
    String page1 = list(true,
        txn("txn_1PgbA2B7WZ01zgkWq9r8s7t6", -2000, "usd", 0, 1787320950L, "refund", "refund"),
        txn("txn_1PgbC9B7WZ01zgkWm5n4b3v2", -500, "usd", 0, 1787320900L, "fee", "stripe_fee"),
        txn("txn_3PgaxNB7WZ01zgkW0a1b2c3d", 2000, "usd", 88, 1787320850L, "charge", "charge"));
    String page2 = list(false,
        txn("txn_3EurCharge000000000000000", 5000, "eur", 175, 1787320840L, "charge", "charge"),
        txn("txn_3JpyCharge000000000000000", 1000, "jpy", 36, 1787320830L, "charge", "charge"));
    stub.route(PATH, r -> r.param("starting_after").isEmpty() ? StubResponse.ok(page1) : StubResponse.ok(page2));
  }

  @Override
  protected Cost expectedHappyCost() {
    // fees: $0.88 on the USD charge; the billing usage fee: $5.00; EUR 1.75 x 1.08 = $1.89;
    // JPY 36 (zero-decimal) x 0.0067 = $0.2412; the refund has no fee. Total $8.0112.
    return Cost.usd("8.0112");
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.unit("transactions")).isEqualTo(5);
    // gross charges: $20.00 + EUR 50.00 x 1.08 + JPY 1000 x 0.0067 = 20 + 54 + 6.70
    assertThat(report.unit("volume_usd")).isCloseTo(80.70, Offset.offset(1e-9));
    assertThat(report.unit("fees_usd")).isCloseTo(8.0112, Offset.offset(1e-9));
    assertThat(report.items()).extracting(UsageItem::name).containsExactly("refund", "stripe_fee", "charge");
    assertThat(report.items().get(2).cost()).isEqualTo(Cost.usd("3.0112"));
    RecordedRequest first = stub.requestsTo(PATH).get(0);
    assertThat(first.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(first.header("Stripe-Version")).contains("2026-07-29.dahlia");
    assertThat(first.param("limit")).contains("100");
    RecordedRequest second = stub.requestsTo(PATH).get(1);
    assertThat(second.param("starting_after")).contains("txn_3PgaxNB7WZ01zgkW0a1b2c3d");
    assertThat(second.param("created[gte]")).isEqualTo(first.param("created[gte]"));
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    stub.enqueue(PATH, StubResponse.ok(list(false)));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest r) {
    return TimeWindow.epochSecondParams(r, "created[gte]", "created[lt]");
  }

  @Test
  void foreignCurrencyWithoutARate_isMisconfiguredNamingTheSetting() {
    stub.enqueue(PATH, StubResponse.ok(list(false, txn("txn_gbp", 1000, "gbp", 30, 1787320850L, "charge",
        "charge"))));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.MISCONFIGURED);
    assertThat(e.getMessage()).contains("services." + SERVICE + ".usd_rate").contains("GBP");
  }

  @Test
  void singleRate_appliesToTheAccountCurrency() throws Exception {
    stub.enqueue(PATH, StubResponse.ok(list(false, txn("txn_kwd", 10_000, "kwd", 250, 1787320850L, "charge",
        "charge"))));
    // KWD has three decimals: 0.250 KWD x 3.25 = $0.8125.
    assertThat(create(Map.of("usd_rate", 3.25)).poll(context()).cost()).isEqualTo(Cost.usd("0.8125"));
  }

  @Test
  void feeRefundsNeverMakeAPollNegative() throws Exception {
    stub.enqueue(PATH, StubResponse.ok(list(false, txn("txn_r", -2000, "usd", -88, 1787320850L, "refund",
        "refund"))));
    assertThat(create().poll(context()).cost()).isEqualTo(Cost.ZERO);
  }

  @Test
  void rateLimitWithoutRetryAfter_backsOff() {
    stub.failAll(StubResponse.json(429, "{\"error\":{\"code\":\"rate_limit\",\"doc_url\":"
        + "\"https://stripe.com/docs/error-codes/rate-limit\",\"message\":\"Request rate limit exceeded.\","
        + "\"type\":\"invalid_request_error\"}}").withHeader("Stripe-Rate-Limited-Reason", "global-rate"));
    PollException e = pollFails(create());
    assertThat(e.kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(5));
  }

  @Test
  void badRequestWithRateLimitCode_isRateLimited() {
    stub.failAll(StubResponse.json(400, "{\"error\":{\"code\":\"rate_limit\",\"message\":\"Too many requests\","
        + "\"type\":\"invalid_request_error\"}}"));
    assertThat(pollFails(create()).kind()).isEqualTo(PollException.Kind.RATE_LIMITED);
  }

  @Test
  void lockTimeout_isUnavailableNotRateLimited() {
    stub.failAll(StubResponse.json(429, "{\"error\":{\"code\":\"lock_timeout\",\"message\":\"This object cannot be "
        + "accessed right now\",\"type\":\"invalid_request_error\"}}"));
    assertThat(pollFails(create()).kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
  }

  @Test
  void shouldRetryTrue_isUnavailable() {
    stub.failAll(StubResponse.json(409, "{\"error\":{\"message\":\"Conflict\",\"type\":\"api_error\"}}")
        .withHeader("Stripe-Should-Retry", "true"));
    assertThat(pollFails(create()).kind()).isEqualTo(PollException.Kind.UNAVAILABLE);
  }

  @Test
  void connectAccount_isSentAsHeader() throws Exception {
    stub.enqueue(PATH, StubResponse.ok(list(false)));
    create(Map.of("stripe_account", "acct_1Nv0FGQ9RKHgCVdK")).poll(context());
    assertThat(stub.requests().get(0).header("Stripe-Account")).contains("acct_1Nv0FGQ9RKHgCVdK");
  }
}
