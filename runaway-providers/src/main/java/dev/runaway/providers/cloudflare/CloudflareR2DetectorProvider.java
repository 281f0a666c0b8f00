package dev.runaway.providers.cloudflare;

import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * Polls a Cloudflare account's R2 usage ({@code "type": "cloudflare_r2"}) through the GraphQL
 * Analytics API ({@code r2OperationsAdaptiveGroups} and {@code r2StorageAdaptiveGroups}) and
 * turns it into cost with R2's prices:
 *
 * <pre>{@code
 * "cloudflare-r2": {
 *   "type": "cloudflare_r2",
 *   "account_id": "023e105f4ecef8ad9ca31a8372d0c353",
 *   "bucket": "assets",
 *   "prices": {"class_a_per_million": 4.50, "class_b_per_million": 0.36, "storage_gb_month": 0.015},
 *   "free_tier": true
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Credentials.</b> An API token in {@code CLOUDFLARE_API_TOKEN} (another variable with
 *       {@code token_env}) with the permission Account, Account Analytics, Read.
 *   <li><b>Scope.</b> {@code account_id} (32 hex digits, required); {@code bucket} narrows to one
 *       bucket (a jurisdiction bucket is named {@code <jurisdiction>_<bucket>}).
 *   <li><b>Operations.</b> Each {@code actionType} is Class A, Class B or free as R2's pricing
 *       page lists them (with the analytics spellings {@code ListObjectsV2}, {@code CreateBucket},
 *       ...); {@code action_classes} adds or overrides entries ({@code {"MyAction": "B"}}, values
 *       {@code A}, {@code B}, {@code free}). An action nobody classified counts as Class A, the
 *       dearer class, and is named once in the log and in the report's items. Operations are
 *       grouped by {@code actionStatus} and {@code responseStatusCode} too: requests that failed
 *       authentication or authorization (401, 403) are not billed by R2 and are counted apart as
 *       {@code operations.unbilled}; other failures (such as a {@code PutObject} 412) are billed.
 *   <li><b>Storage.</b> R2 bills GB-months: the average over 30 days of each day's peak storage.
 *       The detector takes, per bucket and UTC day, the peak {@code payloadSize} (a day without a
 *       sample keeps the last level seen; metadata is not billed here), sums the buckets, and
 *       counts the current day in proportion to the time elapsed. 1 GB is 10^9 bytes.
 *   <li><b>Prices.</b> Standard storage by default: Class A $4.50 and Class B $0.36 per million,
 *       storage $0.015 per GB-month ({@code "storage_class": "infrequent_access"}: $9.00, $0.90,
 *       $0.01, no free tier; its retrieval fee is not counted). Each overridable under
 *       {@code prices} (for the class of {@code storage_class}). Buckets of the other class are
 *       named in {@code bucket_storage_classes} ({@code {"archive": "infrequent_access"}}): their
 *       operations and storage are priced at that class's published rates, outside the free tier
 *       (which covers Standard only); their figures also appear as
 *       {@code infrequent_access.operations.class_a}, {@code ...class_b} and
 *       {@code infrequent_access.storage.gb_month}.
 *   <li><b>Free tier, month to date.</b> The monthly free tier (1 million Class A, 10 million
 *       Class B, 10 GB-months) is applied to the month's running totals: the report covers the
 *       UTC calendar month from its start, cost = price x max(0, month-to-date usage - free
 *       allowance), and the monitor counts what grew since its last poll. So the first requests
 *       of a month cost nothing until the allowance is used up, exactly as on the invoice; only
 *       the invoice's rounding up to whole millions and whole GB-months is not reproduced. The
 *       allowance belongs to the account: with {@code bucket} set it is not applied unless
 *       {@code "free_tier": true} says this bucket is the account's only one. A poll whose span
 *       crosses into a new month reports the month that ended; the new month counts from the
 *       next poll.
 *   <li><b>Units.</b> {@code operations.class_a}, {@code operations.class_b},
 *       {@code operations.free}, {@code requests} (all operations) and {@code storage.gb_month},
 *       all month to date.
 *   <li><b>Limits and errors.</b> The GraphQL API allows 300 queries per 5 minutes: the detector
 *       paces itself to that on the monitor's ticker; a poll takes two queries, more when a
 *       dataset has more than {@code page_size} groups (default 10000; the API has no cursors, so
 *       the next page starts again at the last bucket name seen; a bucket whose storage samples alone
 *       fill a page, as a month of frequent samples does, is read on its own page after page by
 *       {@code datetime}). A rate-limit error
 *       ({@code extensions.code: "budget"}) waits {@code Retry-After}, else 5 minutes. Errors
 *       inside an HTTP 200 answer ({@code "errors"} not null, {@code "data": null}) fail the poll.
 *   <li>{@code base_url} (default {@code https://api.cloudflare.com/client/v4}),
 *       {@code timeout_seconds}, {@code connect_timeout_seconds} and {@code allow_insecure_http}
 *       as for every provider.
 * </ul>
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class CloudflareR2DetectorProvider extends HttpDetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public CloudflareR2DetectorProvider() {
    super("cloudflare_r2", s -> List.of(R2Detector.tokenEnv(s)),
        (s, secrets) -> new R2Detector(s, secrets.require(R2Detector.tokenEnv(s))), true);
  }
}
