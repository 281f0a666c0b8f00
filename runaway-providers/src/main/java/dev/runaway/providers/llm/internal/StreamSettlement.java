package dev.runaway.providers.llm.internal;

import dev.runaway.internal.DaemonThreads;
import dev.runaway.internal.GuardReservation;
import dev.runaway.Cost;
import dev.runaway.PendingCost;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Settles the reservation of one guarded stream exactly once: from the final usage when the
 * stream delivered it; for a stream whose answer finished without usage, the cost its tracker
 * prices from the chunks ({@link Tracker#finishedCost}); else conservatively (the larger of the
 * tokens seen so far, priced, and the reservation, or the per-stream amount at the model the stream
 * named when that is lower than the reservation: {@link Tracker#endedEarlyCost}), never $0. A stream that is dropped without being closed is settled the same way
 * when it becomes unreachable.
 *
 * <p>Chunks are observed on the consuming thread; settlement may come from another (close, the
 * async completion, the cleaner): the first one wins.
 *
 * @param <T> the chunk type
 */
public final class StreamSettlement<T> implements Runnable {

  private static final Cleaner CLEANER = Cleaner.create(DaemonThreads.named("runaway-stream-cleaner"));

  /** Reads usage from the chunks of one stream. */
  public interface Tracker<T> {

    /**
     * Sees one chunk, in stream order.
     *
     * @param chunk the chunk
     */
    void onChunk(T chunk);

    /**
     * Whether the stream delivered its final usage.
     *
     * @return true once the final usage was seen
     */
    boolean complete();

    /**
     * Returns the result to commit through the service's extractor once complete.
     *
     * @return the final result
     */
    Object finalResult();

    /**
     * Returns the cost of the tokens seen so far, or {@code null} when it cannot be priced.
     *
     * @return the partial cost
     */
    Cost partialCost();

    /**
     * Returns the price of {@link #finalResult()} at the helper's own (bundled) table, committed in
     * place of {@code commitResult} when the service has nothing to price a result with (a fixed
     * {@code estimate(...)} and no cost extractor); {@code null} (the default) when this tracker
     * does not price it or the table lacks the model (the reservation is then charged).
     *
     * @return the final usage priced, or {@code null}
     */
    default Cost finalCost() {
      return null;
    }

    /**
     * Returns the cost of a stream that ended without its final usage although its answer was
     * complete (an OpenAI chat stream requested without {@code include_usage}), priced from what it
     * streamed; charged instead of the reservation, even below it. {@code null} (the default) when
     * the stream did not finish or this tracker does not price what it saw.
     *
     * @return the cost estimated from the stream's chunks, or {@code null}
     */
    default Cost finishedCost() {
      return null;
    }

    /**
     * Returns the fixed per-stream amount at the model the stream's chunks named, for a stream that
     * ended before its usage (closed early, failed, dropped): charged in place of the reservation
     * when lower (a reservation made before any cost was known is that amount at the price table's
     * dearest model, since the request is not visible), never below the tokens seen. {@code null}
     * (the default) when the chunks named no model or this tracker does not price one.
     *
     * @return the per-stream amount at the stream's model, or {@code null}
     */
    default Cost endedEarlyCost() {
      return null;
    }

    /**
     * Whether the stream is settled at the chunk that makes it {@link #complete()} ({@code true},
     * the default); {@code false} waits for its end, its close or its cleaner (a Gemini stream may
     * send usage again after the first candidate finished).
     *
     * @return whether a complete stream settles at once
     */
    default boolean settlesOnChunk() {
      return true;
    }
  }

  private final PendingCost reservation;
  private final Tracker<T> tracker;
  private final AtomicBoolean settled = new AtomicBoolean();
  private volatile Cleaner.Cleanable cleanable;

  /**
   * Creates the settlement of a stream whose reservation is already held: a helper's
   * {@link dev.runaway.Reservation}, or the pending charge that the guard hands to
   * {@link dev.runaway.CostExtractor#settleLater} for a stream returned from {@code guard.call}.
   *
   * @param reservation the reservation
   * @param tracker reads the stream's usage
   */
  public StreamSettlement(PendingCost reservation, Tracker<T> tracker) {
    this.reservation = reservation;
    this.tracker = tracker;
  }

  /**
   * Settles the stream when {@code owner} (the wrapper handed to the user) becomes unreachable
   * without having been closed.
   *
   * @param owner the wrapper
   */
  public void settleWhenUnreachable(Object owner) {
    cleanable = CLEANER.register(owner, this);
  }

  /**
   * Settles the stream and closes {@code source} (the SDK's stream, which holds its HTTP connection)
   * when {@code owner} becomes unreachable without having been settled; a settlement made otherwise
   * (the end, a close, a failure) leaves {@code source} to its reader. {@code source} must not reach
   * {@code owner}, or the owner never becomes unreachable.
   *
   * @param owner what the reader of the stream holds
   * @param source the SDK's stream
   */
  public void settleWhenUnreachable(Object owner, AutoCloseable source) {
    cleanable = CLEANER.register(owner, () -> {
      if (settled.get()) {
        return; // deregistered by a settlement (settle() cleans after it has marked itself)
      }
      settle();
      try {
        source.close();
      } catch (Exception | Error ignored) {
        // the connection is the SDK's to free now; the charge is settled
      }
    });
  }

  /**
   * Sees one chunk; settles at once when it carried the final usage.
   *
   * @param chunk the chunk
   */
  public void onChunk(T chunk) {
    if (settled.get()) {
      return;
    }
    try {
      tracker.onChunk(chunk);
    } catch (RuntimeException e) {
      // A chunk of an unexpected shape must never break the user's stream; settlement stays conservative.
      return;
    }
    if (tracker.settlesOnChunk() && tracker.complete()) {
      settle();
    }
  }

  /** Settles the stream: final usage if seen, else the conservative charge. */
  public void settle() {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    Cleaner.Cleanable c = cleanable;
    if (c != null) {
      c.clean();
    }
    if (tracker.complete()) {
      Cost own = null;
      if (reservation instanceof GuardReservation g && !g.pricesResults()) {
        try {
          own = tracker.finalCost();
        } catch (RuntimeException ignored) {
          // unpriced: commitResult charges the reservation
        }
      }
      if (own != null) {
        reservation.commit(own);
      } else {
        reservation.commitResult(tracker.finalResult());
      }
      return;
    }
    Cost finished = null;
    try {
      finished = tracker.finishedCost();
    } catch (RuntimeException ignored) {
      // unpriced: charged as a stream that ended early
    }
    if (finished != null) {
      reservation.commit(finished);
      return;
    }
    Cost seen = null;
    try {
      seen = tracker.partialCost();
    } catch (RuntimeException ignored) {
      // unpriced: the reservation is charged
    }
    Cost atModel = null;
    try {
      atModel = tracker.endedEarlyCost();
    } catch (RuntimeException ignored) {
      // unpriced: the reservation is charged
    }
    if (atModel != null && atModel.compareTo(reservation.estimate()) < 0) {
      // The stream named its model: the per-stream amount at that model, not at the table's dearest.
      reservation.commit(seen != null && seen.compareTo(atModel) > 0 ? seen : atModel);
      return;
    }
    // Below the estimate, commit(null): it charges the estimate without taking it for a real cost, so a
    // first stream closed early does not make its per-stream bound the service's running estimate.
    reservation.commit(seen != null && seen.compareTo(reservation.estimate()) > 0 ? seen : null);
  }

  /**
   * Whether the stream was settled.
   *
   * @return true once settled
   */
  public boolean settled() {
    return settled.get();
  }

  /** Cleaner action: the wrapper was dropped unclosed. */
  @Override
  public void run() {
    settle();
  }
}
