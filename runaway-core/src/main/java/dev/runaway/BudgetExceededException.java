package dev.runaway;

import dev.runaway.internal.Durations;
import java.time.Duration;

/**
 * Thrown when admitting a call would take a budget past its limit. The call was not started and
 * nothing was charged.
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
   * Returns the amount the refused call asked for.
   *
   * @return the requested amount
   */
  public Cost requested() {
    return requested;
  }
}
