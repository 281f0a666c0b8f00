package dev.runaway;

import dev.runaway.internal.Durations;
import java.time.Duration;

/**
 * Thrown when a call is refused because the budget ledger could not be asked, not because a
 * budget ran out: a shared ledger's server (Redis) is unreachable or rejects the ledger's
 * operations, and the ledger fails closed. The call was not started and nothing was charged.
 *
 * <p>It is a {@link RunawayException} (the call was refused), but not a
 * {@link BudgetExceededException}: there is no spend or limit to report, only the outage and
 * when the ledger will be asked again.
 */
public final class LedgerUnavailableException extends RunawayException {

  private static final long serialVersionUID = 1L;

  private final String reason;

  /**
   * Creates an exception.
   *
   * @param service the service
   * @param key the key, or {@code null}
   * @param reason why the ledger cannot be asked, without secrets
   * @param retryAfter when the ledger will be asked again, or {@code null} if unknown
   */
  public LedgerUnavailableException(String service, String key, String reason, Duration retryAfter) {
    super(message(service, key, reason, retryAfter), service, key, retryAfter);
    this.reason = reason;
  }

  private static String message(String service, String key, String reason, Duration retryAfter) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("Call of ").append(service);
    if (key != null) {
      sb.append(" for key '").append(key).append('\'');
    }
    sb.append(" refused: the budget ledger cannot be asked (").append(reason)
        .append("), and it fails closed; no budget was exceeded and nothing was charged.");
    if (retryAfter != null) {
      sb.append(" The ledger is asked again in ").append(Durations.human(retryAfter)).append('.');
    }
    return sb.toString();
  }

  /**
   * Returns why the ledger could not be asked.
   *
   * @return the reason
   */
  public String reason() {
    return reason;
  }
}
