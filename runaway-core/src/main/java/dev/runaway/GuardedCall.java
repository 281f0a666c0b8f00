package dev.runaway;

/**
 * The code a {@link RunawayGuard} protects: usually one call to a paid API.
 *
 * <p>Checked exceptions thrown by the call pass through the guard unchanged, typed as {@code X}.
 *
 * @param <T> the result type
 * @param <X> the exception the call may throw
 */
@FunctionalInterface
public interface GuardedCall<T, X extends Throwable> {

  /**
   * Performs the call.
   *
   * @return the result
   * @throws X if the call fails
   */
  T call() throws X;
}
