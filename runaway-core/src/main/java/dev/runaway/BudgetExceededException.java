package dev.runaway;

import dev.runaway.internal.Durations;
import dev.runaway.internal.GuardAlerts;
import java.time.Duration;

/**
 * Thrown when admitting a call would take a budget past its limit. The call was not started and
 * nothing was charged.
 *
 * <p>When the call's own estimate is larger than the budget's whole limit ({@link
 * #exceedsWholeBudget()}), no amount of waiting admits it: the message says so, with the spent
 * share as it is, and names the fix (raise the budget or lower the estimate, such as an LLM
 * call's max tokens) instead of describing a budget that ran out.
 */
public final class BudgetExceededException extends RunawayException {

  private static final long serialVersionUID = 1L;

  private final transient Budget budget;
  private final transient Cost spent;
  private final transient Cost requested;

  /**
   * Creates an exception.
   *
   * @param service the service
   * @param key the key, or {@code null} for a service-wide budget
   * @param budget the budget that would be exceeded
   * @param spent what the budget's window already holds (spent plus reserved)
   * @param requested the amount the refused call asked for
   * @param retryAfter when enough of the window will have rolled off for this call, or
   *     {@code null} if unknown
   */
  public BudgetExceededException(String service, String key, Budget budget, Cost spent, Cost requested,
      Duration retryAfter) {
    super(message(service, key, budget, spent, requested, retryAfter), service, key, retryAfter);
    this.budget = budget;
    this.spent = spent;
    this.requested = requested;
  }

  private static String message(String service, String key, Budget budget, Cost spent, Cost requested,
      Duration retryAfter) {
    if (requested.nanos() > budget.limit().nanos()) {
      return oversized(service, key, budget, spent, requested);
    }
    // Saturating: a window saturated by absurd spend must still produce this message, not an
    // ArithmeticException from the exception's own constructor.
    long total = sum(spent.nanos(), requested.nanos());
    Cost over = Cost.ofNanos(sum(total, -budget.limit().nanos()));
    StringBuilder sb = new StringBuilder(160);
    sb.append(budget.describe()).append(" of ").append(service);
    if (key != null) {
      sb.append(" for key '").append(key).append('\'');
    }
    sb.append(" would be exceeded: ").append(spent).append(" spent or reserved + ").append(requested)
        .append(" requested = ").append(Cost.ofNanos(total)).append(", ").append(over)
        .append(" over the limit of ").append(budget.limit()).append('.');
    if (retryAfter != null) {
      sb.append(" Calls may resume in ").append(Durations.human(retryAfter));
      if (budget.window() != null && retryAfter.compareTo(budget.window()) > 0 && budget.buckets() > 1) {
        // Longer than the window itself: say why, or "resume in 24h 43m" reads as a bug of a daily window.
        sb.append(" (spend leaves the ").append(Durations.human(budget.window())).append(" window a whole ")
            .append(Durations.human(budget.window().dividedBy(budget.buckets()))).append(" bucket at a time)");
      }
      sb.append('.');
    }
    return sb.toString();
  }

  /** The call alone is larger than the whole budget: waiting never helps, so no resume time. */
  private static String oversized(String service, String key, Budget budget, Cost spent, Cost requested) {
    StringBuilder sb = new StringBuilder(320);
    sb.append("One call to ").append(service);
    if (key != null) {
      sb.append(" for key '").append(key).append('\'');
    }
    sb.append(" expects ").append(requested).append(", more than the whole ").append(budget.describe())
        .append(", so it was refused and would be refused however long it waited (").append(spent)
        .append(" of ").append(budget.limit()).append(" spent or reserved, ")
        .append(GuardAlerts.percentOf(spent.nanos(), budget.limit().nanos())).append("%). Raise the budget above ")
        .append(requested).append(" or lower the call's estimate (for an LLM call, its max tokens).");
    return sb.toString();
  }

  private static long sum(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  /**
   * Returns the budget that would be exceeded.
   *
   * @return the budget
   */
  public Budget budget() {
    return budget;
  }

  /**
   * Returns what the budget's window held when the call was refused, reservations included.
   *
   * @return the amount spent or reserved
   */
  public Cost spent() {
    return spent;
  }

  /**
   * Returns the budget's limit.
   *
   * @return the limit
   */
  public Cost limit() {
    return budget.limit();
  }

  /**
   * Tells whether the refused call alone asked for more than the budget's whole limit, so that it
   * can never be admitted under this budget, whatever is spent.
   *
   * @return {@code true} if {@link #requested()} is above {@link #limit()}
   */
  public boolean exceedsWholeBudget() {
    return requested.nanos() > budget.limit().nanos();
  }

  /**
   * Returns the amount the refused call asked for.
   *
   * @return the requested amount
   */
  public Cost requested() {
    return requested;
  }
}
