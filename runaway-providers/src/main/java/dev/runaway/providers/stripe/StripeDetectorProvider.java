package dev.runaway.providers.stripe;

import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * Reads Stripe's balance transactions created since the last poll ({@code "type": "stripe"}) with
 * a secret key, or a restricted key with "Balance: read", in {@code STRIPE_API_KEY}.
 *
 * <p>The cost is what Stripe charged: Stripe's own fees in every transaction's
 * {@code fee_details} ({@code stripe_fee}, {@code payment_method_passthrough_fee}; the whole
 * {@code fee} when a transaction has no details) plus the transactions that are fees themselves
 * ({@code reporting_category: fee}, such as {@code stripe_fee} billing usage fees). On Connect
 * accounts {@code fee} also holds the platform's application fee and tax on fees: those are
 * reported apart as {@code application_fees_usd} and {@code fee_tax_usd}, not as cost. Fee credits
 * (negative fee parts, fee transactions with a positive amount) are reported as
 * {@code fee_credits_usd} and never subtracted, so a credit cannot cancel a burst of new fees.
 * Units: {@code transactions}, {@code volume_usd} (gross charges), {@code fees_usd} and the three
 * above; one item per transaction type. Amounts are in the
 * currency's minor units (zero-decimal currencies such as JPY, three-decimal ones such as KWD).
 *
 * <p>Settings: {@code usd_rate}, required for any currency other than USD: US dollars per unit of
 * the currency, as one number for a single-currency account or per currency
 * ({@code {"eur": 1.08, "jpy": 0.0067}}); {@code stripe_version} (default {@code 2026-07-29.dahlia},
 * sent as {@code Stripe-Version}); {@code stripe_account} (a Connect account id, sent as
 * {@code Stripe-Account}); {@code base_url} (default {@code https://api.stripe.com}),
 * {@code allow_insecure_http}, {@code timeout_seconds}, {@code connect_timeout_seconds},
 * {@code max_pages}.
 *
 * <p>Rate limits: Stripe gives no {@code Retry-After}; a 429, or a 400 with
 * {@code code: rate_limit}, backs off exponentially. A 429 with {@code code: lock_timeout} (lock
 * contention) and any answer with {@code Stripe-Should-Retry: true} count as unavailable.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class StripeDetectorProvider extends HttpDetectorProvider {

  /** The environment variable holding the API key. */
  public static final String KEY_ENV = "STRIPE_API_KEY";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public StripeDetectorProvider() {
    super("stripe", s -> List.of(KEY_ENV),
        (s, secrets) -> new StripeDetector(s, secrets.require(KEY_ENV)), true);
  }
}
