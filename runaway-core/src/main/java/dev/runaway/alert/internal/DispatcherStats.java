package dev.runaway.alert.internal;

/**
 * A snapshot of an {@link AlertDispatcher}'s counters since it was built.
 *
 * <p>{@code dispatched} and {@code deduplicated} count alerts; the other counters count
 * deliveries, one per alert and notifier, so with two notifiers one dispatched alert makes two
 * deliveries.
 *
 * <p>Immutable and thread-safe.
 *
 * @param dispatched alerts accepted by {@link AlertDispatcher#dispatch} and queued for at least one notifier
 * @param delivered deliveries a notifier accepted
 * @param deduplicated alerts suppressed as duplicates within the refractory period
 * @param dropped deliveries not made because a notifier's queue was full or the dispatcher was closed
 * @param failed deliveries given up after the last attempt failed
 * @param retries attempts made again after a failed attempt
 */
public record DispatcherStats(long dispatched, long delivered, long deduplicated, long dropped, long failed,
    long retries) {}
