package dev.runaway.providers.supabase;

import dev.runaway.providers.http.HttpDetectorProvider;

/**
 * Polls a Supabase project's request counts ({@code "type": "supabase"}) through the Management
 * API's usage endpoints, {@code usage.api-counts} (REST, Auth, Realtime and Storage requests per
 * bucket) and {@code usage.api-requests-count} (a coarse total):
 *
 * <pre>{@code
 * "supabase": {
 *   "type": "supabase",
 *   "project_ref": "abcdefghijklmnopqrst",
 *   "price_per_million_requests": {"rest": 0.50, "auth": 0.50, "realtime": 1.00, "storage": 2.00}
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Credentials.</b> A personal access token ({@code sbp_...}) or OAuth token in
 *       {@code SUPABASE_ACCESS_TOKEN} (another variable with {@code token_env}); it needs the
 *       {@code analytics_usage_read} permission on the project. The seed's {@code SUPABASE_URL}
 *       names the project when {@code project_ref} is not set ({@code https://<ref>.supabase.co};
 *       another variable with {@code url_env}). The seed's {@code SUPABASE_ANON_KEY} is not used:
 *       it opens the project's own REST API, which has no usage figures.
 *   <li><b>Cost.</b> Supabase's public API reports no money, and Supabase bills no price per API
 *       request, so the cost is the counts times the prices you give in
 *       {@code price_per_million_requests} (keys {@code rest}, {@code auth}, {@code realtime},
 *       {@code storage}; USD per million requests; each defaults to 0). Without prices the
 *       report's cost is $0 and the {@code requests} unit still drives the monitor's spike
 *       detection.
 *   <li><b>Time.</b> {@code usage.api-counts} takes only a look-back {@code interval}, so the
 *       detector asks for the last day (three days when the UTC day started more than 23 hours
 *       ago) and sums the buckets of the current UTC day: the report is cumulative from UTC
 *       midnight and the monitor counts what grew since its last poll. A poll whose span crosses
 *       midnight reports the day that ended; the new day counts from the next poll.
 *   <li><b>Units.</b> {@code requests} (all four kinds), {@code requests.rest},
 *       {@code requests.auth}, {@code requests.realtime}, {@code requests.storage}, and
 *       {@code requests.reported_total} (the coarse total of {@code usage.api-requests-count},
 *       whose window Supabase does not document); one item per kind.
 *   <li><b>Limits.</b> Supabase allows 30 requests a minute on these endpoints: the detector paces
 *       itself to 30 a minute on the monitor's ticker and, after a {@code 429}, waits the
 *       {@code X-RateLimit-Reset} seconds. An HTTP 200 whose body carries {@code error} is a
 *       failed poll.
 *   <li>{@code base_url} (default {@code https://api.supabase.com}), {@code timeout_seconds},
 *       {@code connect_timeout_seconds} and {@code allow_insecure_http} as for every provider.
 * </ul>
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class SupabaseDetectorProvider extends HttpDetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public SupabaseDetectorProvider() {
    super("supabase", SupabaseDetector::secretNames, SupabaseDetector::new, true);
  }
}
