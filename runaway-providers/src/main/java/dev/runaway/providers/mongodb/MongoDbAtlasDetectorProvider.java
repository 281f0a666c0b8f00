package dev.runaway.providers.mongodb;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.providers.http.HttpDetectorProvider;
import dev.runaway.providers.mongodb.internal.AtlasSession;

/**
 * Polls a MongoDB Atlas organization's pending invoice ({@code "type": "mongodb_atlas"}) through
 * {@code GET /api/atlas/v2/orgs/{orgId}/invoices/pending}:
 *
 * <pre>{@code
 * "mongodb-atlas": {"type": "mongodb_atlas", "org_id": "5f1e7c2b9d3a4b0011aa22bb"}
 * }</pre>
 *
 * <ul>
 *   <li><b>Credentials</b>, either (the first found when {@code auth} is not set):
 *       <ul>
 *         <li>a service account ({@code "auth": "service_account"}, recommended):
 *             {@code MONGODB_ATLAS_CLIENT_ID} and {@code MONGODB_ATLAS_CLIENT_SECRET}
 *             (other variables with {@code client_id_env}, {@code client_secret_env}). The detector
 *             obtains an OAuth 2.0 access token with the client-credentials grant at
 *             {@code /api/oauth/token}, keeps it, and fetches a new one shortly before it expires
 *             (a tenth of its lifetime, at least a minute), measured on the monitor's ticker, or
 *             when Atlas refuses it;
 *         <li>a programmatic API key ({@code "auth": "api_key"}): {@code MONGODB_ATLAS_PUBLIC_KEY}
 *             and {@code MONGODB_ATLAS_PRIVATE_KEY} ({@code public_key_env},
 *             {@code private_key_env}), sent with HTTP Digest (RFC 7616); the server's nonce is
 *             reused with a rising nonce count until Atlas asks for a new one.
 *       </ul>
 *       Either needs the Organization Billing Viewer role; the organization's IP access list
 *       applies to the API calls.
 *   <li><b>Cost.</b> The net sum of the line items over the pending
 *       invoice(s) and, unless {@code "include_linked_invoices": false}, the invoices of linked
 *       organizations (cross-org billing). The pending invoice is the month so far, so the report
 *       starts at the invoice's {@code startDate} and is cumulative: the monitor counts what grew
 *       since its last poll. Atlas posts charges about a day after the usage, so a runaway shows
 *       up with that delay; the invoice's growth between two polls can also arrive in steps.
 *       Net means each line's {@code totalPriceCents} (unit price x quantity, gross) less its
 *       {@code discountCents}, or less {@code percentDiscount} percent of it when only that is
 *       given. Credit lines (negative {@code totalPriceCents}) are not subtracted: a credit would
 *       make the running total go down and hide new charges until they made up for it. They are
 *       reported apart as the unit {@code credits.usd}, and the discounts as {@code discounts.usd}.
 *   <li><b>Units</b> per SKU and unit, such as {@code atlas_aws_instance_m30.server_hours}; one
 *       item per SKU.
 *   <li><b>Protocol.</b> Every call sends {@code Accept: application/vnd.atlas.2023-01-01+json}.
 *       Pages are followed through the answer's {@code links} ({@code rel: "next"}); a next link
 *       to another host is read through {@code base_url} instead, so the credential never leaves
 *       it. A {@code 429} waits {@code Retry-After} (else the seconds its {@code detail} names);
 *       {@code RateLimit-*} headers are read when present and not required.
 *   <li>{@code base_url} (default {@code https://cloud.mongodb.com}, also for the token endpoint),
 *       {@code timeout_seconds}, {@code connect_timeout_seconds} and {@code allow_insecure_http}
 *       as for every provider.
 * </ul>
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class MongoDbAtlasDetectorProvider extends HttpDetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public MongoDbAtlasDetectorProvider() {
    // requiredSecrets: the variables of the configured auth; none when auth is not set, as either
    // pair will do (a missing pair is then reported when the detector is created).
    super("mongodb_atlas", AtlasDetector::secretNames, MongoDbAtlasDetectorProvider::detector, true);
  }

  private static AtlasDetector detector(ServiceSettings settings, SecretSource secrets) {
    try {
      return new AtlasDetector(settings, secrets);
    } catch (ConfigException e) {
      // The settings are read before the credentials are looked for: without auth, a wrong org_id
      // was reported without the missing credentials beside it. Look for them as the detector
      // would, so the monitor names those missing with the mistake.
      try {
        String auth = settings.string("auth").orElse("");
        AtlasSession.Credentials.find(settings, secrets,
            auth.equals("service_account") || auth.equals("api_key") ? auth : null);
      } catch (ConfigException missing) {
        e.addSuppressed(missing);
      }
      throw e;
    }
  }
}
