package dev.runaway.providers.vercel;

import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * Polls a Vercel team's billing charges ({@code "type": "vercel"}) from
 * {@code GET /v1/billing/charges}, which streams FOCUS v1.3 rows as JSON Lines:
 *
 * <pre>{@code
 * "vercel": {"type": "vercel", "team_id": "team_1a2b3c4d5e6f7g8h9i0j1k2l"}
 * }</pre>
 *
 * <ul>
 *   <li><b>Credentials.</b> An access token in {@code VERCEL_TOKEN} (another variable with
 *       {@code token_env}), sent as {@code Authorization: Bearer}. Billing charges are visible to
 *       the team's Owner, Member, Developer, Security, Billing and Enterprise Viewer roles.
 *   <li><b>Scope.</b> {@code team_id} (sent as {@code teamId}) or {@code team_slug} (sent as
 *       {@code slug}); with neither, the token's personal account.
 *   <li><b>Cost.</b> The sum of {@code BilledCost} (USD) over the rows of the day; rows whose
 *       {@code ChargeCategory} is {@code Credit} are left out of the cost, so prepaid credits do
 *       not hide a runaway, and reported as the unit {@code credits.usd}. Field names are read in
 *       PascalCase as sent on the wire, or in camelCase as the SDK documentation shows them.
 *       {@code BilledCost} stays near $0 for usage drawn from a commitment (Enterprise), so the sum
 *       of {@code EffectiveCost} is reported as
 *       {@link dev.runaway.monitor.UsageReport#DETECTION_COST_UNIT} and the monitor's meter judges
 *       it; budgets count {@code BilledCost}.
 *   <li><b>Units.</b> {@code ConsumedQuantity} per service and unit, such as
 *       {@code serverless_function_execution.gb_seconds} and {@code fast_data_transfer.gb}; one
 *       item per {@code ServiceName} and project ({@code Tags.ProjectName}, else
 *       {@code Tags.ProjectId}), such as {@code Serverless Function Execution (project web)}, so
 *       the monitor's spike alert names the project that spends most.
 *   <li><b>Time.</b> Vercel bills in day buckets that start at midnight in Los Angeles
 *       ({@code 07:00Z} in summer, {@code 08:00Z} in winter). The first poll reports the current
 *       such day from its start (cumulative); every later poll reports what the day's figures
 *       grew by since the previous poll. A poll whose span crosses that midnight counts the day
 *       that ended; the new day counts from the next poll. Vercel posts some charges for a day
 *       after it ended: for {@code late_data_hours} (default 24, 0 disables, at most 168) after a
 *       Los Angeles midnight the previous day is read again in the same request and its late
 *       growth counted.
 *   <li><b>Transport.</b> The detector asks for gzip and decompresses it; an empty answer is a day
 *       without charges. A {@code 429 rate_limited} answer is retried after {@code Retry-After},
 *       {@code X-RateLimit-Reset} or the body's {@code limit.reset}.
 *   <li>{@code base_url} (default {@code https://api.vercel.com}), {@code timeout_seconds},
 *       {@code connect_timeout_seconds} and {@code allow_insecure_http} as for every provider.
 * </ul>
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class VercelDetectorProvider extends HttpDetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public VercelDetectorProvider() {
    super("vercel", s -> List.of(VercelDetector.tokenEnv(s)),
        (s, secrets) -> new VercelDetector(s, secrets.require(VercelDetector.tokenEnv(s))), true);
  }
}
