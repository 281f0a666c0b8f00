package dev.runaway.providers.github;

import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * Watches GitHub Actions ({@code "type": "github_actions"}) with a token in {@code GITHUB_TOKEN}.
 *
 * <p>Settings:
 * <ul>
 *   <li>{@code org} or {@code user}: whose bill to read, through the enhanced billing platform's
 *       usage report ({@code GET /organizations/{org}/settings/billing/usage}, or
 *       {@code /users/{user}/...}) for the current UTC day. Cost is the sum of {@code netAmount}
 *       of the {@code Actions} items (and of {@code Copilot Premium Request} items when the report
 *       has them, counted as {@code copilot.premium_requests}), {@code minutes} the sum of their
 *       {@code quantity} in minutes; one item per SKU (per model for Copilot). Because
 *       {@code netAmount} stays $0 while usage is inside the included minutes, the sum of
 *       {@code grossAmount} is reported as {@link dev.runaway.monitor.UsageReport#DETECTION_COST_UNIT}
 *       and the monitor's meter judges it (and the minutes), so a loop shows before the quota is
 *       gone; budgets count the net cost. Organization owners and billing managers can read it (classic
 *       token; fine-grained tokens need "Administration" read on the organization).
 *   <li>{@code repositories}: {@code ["owner/repo", ...]} whose workflow runs are watched for
 *       loops: runs created in the poll's span ({@code runs.created}, one item per workflow, since
 *       a workflow that triggers itself is the classic runaway), and how many runs are queued and
 *       in progress right now ({@code runs.queued}, {@code runs.in_progress}, levels, not flows).
 *       GitHub lists at most 1,000 runs for a query with {@code created=}; when its
 *       {@code total_count} is larger than what was read, all runs are counted, the rest as
 *       {@code runs.unread} and an item "runs not listed", and a WARN says so once per repository.
 *       Needs "Actions: read" on those repositories.
 *   <li>{@code base_url} (default {@code https://api.github.com}; GitHub Enterprise Server:
 *       {@code https://HOST/api/v3}), {@code api_version} (default {@code 2022-11-28}),
 *       {@code allow_insecure_http}, {@code timeout_seconds}, {@code connect_timeout_seconds},
 *       {@code max_pages}.
 * </ul>
 * At least one of {@code org}, {@code user} and {@code repositories} is required.
 *
 * <p>Billing is daily and cumulative, so the first poll reports the UTC day so far (the report
 * starts at midnight, as {@link dev.runaway.monitor.UsageReport} describes for daily sources);
 * each later poll reports what the day's figures grew by since the previous poll, for today and
 * yesterday (GitHub adds usage hours late), over the poll's span. The retired product-specific
 * endpoints answer 410; the message says which endpoint to use instead.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class GitHubActionsDetectorProvider extends HttpDetectorProvider {

  /** The environment variable holding the token. */
  public static final String TOKEN_ENV = "GITHUB_TOKEN";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public GitHubActionsDetectorProvider() {
    super("github_actions", s -> List.of(TOKEN_ENV),
        (s, secrets) -> new GitHubActionsDetector(s, secrets.require(TOKEN_ENV)), true);
  }
}
