package dev.runaway.providers.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.HttpDetector;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.Paginator;
import dev.runaway.config.SettingsReader;
import dev.runaway.providers.internal.Money;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Stripe detector; see {@link dev.runaway.providers.stripe.StripeDetectorProvider}.
 *
 * <p>Holds no state between polls.
 */
final class StripeDetector extends HttpDetector {

  /** Currencies Stripe counts in whole units (docs.stripe.com/currencies#zero-decimal). */
  static final Set<String> ZERO_DECIMAL = Set.of("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
      "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf");
  /** Currencies Stripe counts in thousandths. */
  static final Set<String> THREE_DECIMAL = Set.of("bhd", "jod", "kwd", "omr", "tnd");

  private final BigDecimal singleRate;
  private final Map<String, BigDecimal> rates;
  private final String ratePath;

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param key the API key
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public StripeDetector(ServiceSettings settings, Secret key) {
    super(settings, Set.of("usd_rate", "stripe_version", "stripe_account"));
    SettingsReader top = settings();
    this.ratePath = settings.pathOf("usd_rate");
    Object rate = settings.values().get("usd_rate");
    Map<String, BigDecimal> r = new HashMap<>();
    BigDecimal single = null;
    if (rate instanceof Map) {
      SettingsReader m = top.object("usd_rate");
      for (String c : m.keys()) {
        if (!c.matches("[A-Za-z]{3}")) {
          throw m.error(c, "must be a three-letter currency code such as \"eur\"");
        }
        BigDecimal v = m.nonNegativeDecimal(c).orElseThrow();
        if (v.signum() == 0) {
          throw m.error(c, "must be more than zero: US dollars per unit of " + c.toUpperCase(Locale.ROOT));
        }
        r.put(c.toLowerCase(Locale.ROOT), v);
      }
    } else if (rate != null) {
      single = top.nonNegativeDecimal("usd_rate").orElseThrow();
      if (single.signum() == 0) {
        throw top.error("usd_rate", "must be more than zero: US dollars per unit of the account's currency");
      }
    }
    this.singleRate = single;
    this.rates = Map.copyOf(r);
    ApiClient.Builder b = clientBuilder("https://api.stripe.com").product("Stripe")
        .bearer(key).header("Stripe-Version", top.string("stripe_version").orElse("2026-07-29.dahlia"))
        .credentialHint("a secret key (sk_...) or a restricted key (rk_...) with Balance: read")
        .check(StripeDetector::check);
    top.string("stripe_account").ifPresent(a -> b.header("Stripe-Account", a));
    connect(b);
  }

  private static void check(ApiResponse r) throws PollException {
    if (r.status() < 400) {
      return;
    }
    String code = "";
    try {
      code = r.json().path("error").path("code").asText("");
    } catch (PollException e) {
      // Not a Stripe error body; the generic mapping decides.
    }
    if (r.status() == 429 && code.equals("lock_timeout")) {
      throw new PollException(PollException.Kind.UNAVAILABLE, "Stripe could not lock an object for " + r.request()
          + " (HTTP 429 lock_timeout: " + r.errorMessage() + "); trying again next poll", null, null);
    }
    if (r.status() == 400 && code.equals("rate_limit")) {
      throw new PollException(PollException.Kind.RATE_LIMITED, "Stripe rate-limited " + r.request()
          + " (HTTP 400 rate_limit: " + r.errorMessage() + ")", null, null);
    }
    boolean shouldRetry = r.header("Stripe-Should-Retry").map("true"::equalsIgnoreCase).orElse(false);
    if (shouldRetry && r.status() != 429 && r.status() != 401 && r.status() != 403) {
      throw new PollException(PollException.Kind.UNAVAILABLE, "Stripe failed on " + r.request() + " (HTTP "
          + r.status() + ": " + r.errorMessage() + ") and asked to retry", null, null);
    }
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    ApiRequest first = ApiRequest.get("/v1/balance_transactions")
        .withQuery("created[gte]", ctx.since().getEpochSecond())
        .withQuery("created[lt]", ctx.now().getEpochSecond() + (ctx.now().getNano() > 0 ? 1 : 0))
        .withQuery("limit", 100);
    BigDecimal fees = BigDecimal.ZERO;
    BigDecimal volume = BigDecimal.ZERO;
    BigDecimal applicationFees = BigDecimal.ZERO;
    BigDecimal feeTax = BigDecimal.ZERO;
    BigDecimal credits = BigDecimal.ZERO;
    int count = 0;
    Map<String, BigDecimal[]> perType = new LinkedHashMap<>();
    for (ApiResponse page : client().pages(first, Paginator.startingAfter("/data"))) {
      JsonNode data = page.json().path("data");
      if (!data.isArray()) {
        throw page.unexpected("no 'data' list of balance transactions");
      }
      for (JsonNode t : data) {
        String currency = t.path("currency").asText("").toLowerCase(Locale.ROOT);
        if (currency.isEmpty() || !t.path("amount").isIntegralNumber() || !t.path("fee").isIntegralNumber()) {
          throw page.unexpected("a balance transaction without 'currency', integer 'amount' and 'fee'");
        }
        BigDecimal rate = usdRate(currency);
        BigDecimal amount = usd(t.path("amount").longValue(), currency, rate);
        String category = t.path("reporting_category").asText("");
        // What Stripe charged in this transaction, by kind. A negative part is a credit (fees
        // returned): reported apart, never netted against new fees, so a credit cannot hide a
        // burst of new fees.
        BigDecimal stripeFees = BigDecimal.ZERO;
        JsonNode details = t.path("fee_details");
        if (details.isArray() && !details.isEmpty()) {
          for (JsonNode d : details) {
            if (!d.path("amount").isIntegralNumber()) {
              throw page.unexpected("a fee_details entry without an integer 'amount'");
            }
            String dc = d.path("currency").asText(currency).toLowerCase(Locale.ROOT);
            BigDecimal part = usd(d.path("amount").longValue(), dc, dc.equals(currency) ? rate : usdRate(dc));
            switch (d.path("type").asText("")) {
              case "application_fee":
                // A platform's fee on a Connect account: money to the platform, not to Stripe.
                applicationFees = applicationFees.add(part);
                break;
              case "tax":
              case "withheld_tax":
                feeTax = feeTax.add(part);
                break;
              default:
                // stripe_fee, payment_method_passthrough_fee and any new kind: Stripe's fees.
                stripeFees = stripeFees.add(part);
            }
          }
        } else {
          stripeFees = usd(t.path("fee").longValue(), currency, rate);
        }
        if (category.equals("fee")) {
          // A fee billed as a transaction of its own (Billing usage fees, Radar): amount < 0 is a
          // fee paid, amount > 0 a fee credited back.
          stripeFees = stripeFees.add(amount.negate());
        }
        BigDecimal cost = stripeFees.max(BigDecimal.ZERO);
        credits = credits.add(stripeFees.min(BigDecimal.ZERO).negate());
        BigDecimal gross = category.equals("charge") ? amount : BigDecimal.ZERO;
        fees = fees.add(cost);
        volume = volume.add(gross);
        count++;
        BigDecimal[] acc = perType.computeIfAbsent(t.path("type").asText("unknown"),
            k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
        acc[0] = acc[0].add(cost);
        acc[1] = acc[1].add(amount);
        acc[2] = acc[2].add(BigDecimal.ONE);
      }
    }
    Map<String, Double> units = new LinkedHashMap<>();
    units.put("transactions", (double) count);
    units.put("volume_usd", volume.doubleValue());
    units.put("fees_usd", fees.doubleValue());
    units.put("application_fees_usd", applicationFees.doubleValue());
    units.put("fee_tax_usd", feeTax.doubleValue());
    units.put("fee_credits_usd", credits.doubleValue());
    List<UsageItem> items = new ArrayList<>();
    perType.forEach((type, acc) -> items.add(new UsageItem(type, Money.usd(acc[0]),
        Map.of("transactions", acc[2].doubleValue(), "amount_usd", acc[1].doubleValue()))));
    return new UsageReport(service(), ctx.since(), ctx.now(), Money.usd(fees), units, items);
  }

  private BigDecimal usdRate(String currency) throws PollException {
    if (currency.equals("usd")) {
      return BigDecimal.ONE;
    }
    BigDecimal r = rates.get(currency);
    if (r == null) {
      r = singleRate;
    }
    if (r == null) {
      String upper = currency.toUpperCase(Locale.ROOT);
      throw client().failure(PollException.Kind.MISCONFIGURED, "Stripe reported amounts in " + upper + "; set "
          + ratePath + " to the US dollars per " + upper + " to count them (for example {\"" + currency
          + "\": 1.08}); Runaway Guard does not guess exchange rates", null);
    }
    return r;
  }

  static BigDecimal usd(long minorUnits, String currency, BigDecimal rate) {
    int exponent = ZERO_DECIMAL.contains(currency) ? 0 : THREE_DECIMAL.contains(currency) ? 3 : 2;
    return BigDecimal.valueOf(minorUnits, exponent).multiply(rate);
  }

}
