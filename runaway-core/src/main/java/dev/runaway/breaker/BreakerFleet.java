package dev.runaway.breaker;

import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Shares circuit-breaker state between the guards of a fleet (the instances of one application,
 * and the standalone monitor), so that a trip in one opens the service's breaker in all and a
 * reset closes them all. Attached with {@link dev.runaway.RunawayGuard.Builder#fleet(BreakerFleet)};
 * {@code dev.runaway.redis.RedisFleet} implements it on Redis. Core depends on no implementation.
 *
 * <p>Lifecycle: {@link #join} is called once, by the guard's {@code build()}, with the guard's
 * breakers; from then on the fleet listens to them ({@link CircuitBreaker#onStateChange}) and may
 * {@link CircuitBreaker#forceOpen force them open} or {@link CircuitBreaker#reset() reset} them
 * from its own threads. The guard's hot path never calls the fleet: the breaker's state stays a
 * local read. {@link #replaces} is called for each alert the guard raises, possibly on a caller's
 * thread, and must not block. {@link #close} is called once, by the guard's {@code close()}.
 *
 * <p>Implementations are thread-safe.
 */
public interface BreakerFleet extends AutoCloseable {

  /**
   * Joins the fleet with a guard's breakers. Called once.
   *
   * @param breakers the guard's breakers by service, unmodifiable
   * @param snapshots the guard's snapshot of a service (spend per budget window), for the fleet's
   *     alerts; with a ledger shared by the fleet its spend is the fleet's
   * @param alerts where the fleet sends its own alerts (through the guard's notifiers); never blocks
   * @param ticker the guard's clock, for the alerts' times
   * @throws IllegalStateException if the fleet has already joined with a guard
   */
  void join(Map<String, CircuitBreaker> breakers, Function<String, ServiceSnapshot> snapshots,
      Consumer<Alert> alerts, Ticker ticker);

  /**
   * Says whether the guard should leave out one of its own alerts because the fleet reports the
   * same event once for the whole fleet (such as a breaker opened by another instance). Must not
   * block.
   *
   * @param alert an alert the guard is about to raise
   * @return {@code true} to drop it
   */
  boolean replaces(Alert alert);

  /** Leaves the fleet and releases connections and threads; idempotent. */
  @Override
  void close();
}
