package dev.runaway.providers.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Stripe's fees by {@code fee_details[].type}; credits apart (fixtures/stripe/README.md). */
final class StripeFeeDetailsTest {

  @Test
  void poll_countsStripeFeesOnlyAndReportsApplicationFeesTaxAndCreditsApart() throws Exception {
    Instant now = Instant.parse("2026-08-21T14:05:00Z");
    try (StubServer stub = StubServer.start()) {
      stub.route("/v1/balance_transactions",
          r -> StubResponse.ok(Fixtures.read("stripe/balance-transactions-connect.json")));
      Detector d = new StripeDetectorProvider().create(ServiceSettings.of("stripe", "stripe",
          Map.of("base_url", stub.baseUrl().toString())), SecretSource.of(Map.of("STRIPE_API_KEY", "sk_test_x")));
      try {
        UsageReport r = d.poll(PollContext.of(now.minus(Duration.ofMinutes(5)), now, Duration.ofMinutes(5),
            ManualTicker.startingAt(now), true));
        // Stripe's fees: 88 (charge) + 320 (Connect payment's stripe_fee) + 500 (usage fee) = 908 cents = $9.08.
        // Apart: application fee 600 cents = $6.00, tax on fees 80 cents = $0.80, fee credit 300 cents = $3.00.
        // Before: 88 + 1000 + 500 - 300 = 1,288 cents = $12.88, the credit silently netted away.
        assertThat(r.cost()).isEqualTo(Cost.usd("9.08"));
        assertThat(r.unit("application_fees_usd")).isCloseTo(6.00, Offset.offset(1e-9));
        assertThat(r.unit("fee_tax_usd")).isCloseTo(0.80, Offset.offset(1e-9));
        assertThat(r.unit("fee_credits_usd")).isCloseTo(3.00, Offset.offset(1e-9));
        assertThat(r.unit("transactions")).isEqualTo(4);
      } finally {
        d.close();
      }
    }
  }
}
