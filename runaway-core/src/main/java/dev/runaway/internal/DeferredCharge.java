package dev.runaway.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.PendingCost;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * The {@link PendingCost} of a call whose result a {@link CostExtractor#settleLater} took over
 * (see {@link ServiceRuntime#call}): it holds the call's reservation until the first settlement,
 * which commits through {@link ServiceRuntime#settleDeferred} with the admission's clock reading,
 * as {@link GuardReservation} does.
 *
 * <p>The state lives apart from this handle, so that a {@link Cleaner} watching the handle can
 * settle it: once nothing can reach the handle any more, nothing can settle it, and its
 * {@link #estimate()} is charged. Thread-safe: the first settlement wins.
 */
final class DeferredCharge implements PendingCost {

  /** Whether an extractor's class overrides {@link CostExtractor#settleLater}, once per class. */
  private static final ClassValue<Boolean> DEFERS = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      try {
        return type.getMethod("settleLater", Object.class, PendingCost.class).getDeclaringClass() != CostExtractor.class;
      } catch (NoSuchMethodException e) {
        return false;
      }
    }
  };

  /** Made on the first use: an application whose results are all priced starts no thread for it. */
  private static final class Cleaning {
    static final Cleaner CLEANER = Cleaner.create(DaemonThreads.named("runaway-pending-cost-cleaner"));
  }

  private final State state;

  /**
   * Creates the pending charge of a call that is admitted and has returned.
   *
   * @param runtime the service
   * @param key the key or {@code null}
   * @param k the key's state or {@code null}
   * @param reserved what the call holds in its budgets
   * @param charge what a settlement without a cost charges (at least {@code reserved})
   * @param turn whether it holds one of the turns of calls with an unknown cost, given back when settled
   * @param admittedAt the admission's clock reading
   */
  DeferredCharge(ServiceRuntime runtime, String key, ServiceRuntime.KeyRuntime k, long reserved, long charge,
      boolean turn, long admittedAt) {
    this.state = new State(runtime, key, k, reserved, charge, turn, admittedAt);
  }

  /**
   * Whether {@code x} may take results over ({@link CostExtractor#settleLater} overridden): the
   * guard makes a pending charge only for those.
   *
   * @param x the extractor, possibly {@code null}
   * @return whether it overrides the method
   */
  static boolean defers(CostExtractor x) {
    return x != null && DEFERS.get(x.getClass());
  }

  /** Settles the charge when this handle becomes unreachable unsettled. */
  void watch() {
    state.cleanable = Cleaning.CLEANER.register(this, state);
  }

  /**
   * Ends the charge without settling it, for a result that the extractor did not take over.
   *
   * @return false when the extractor had settled it already
   */
  boolean cancel() {
    return state.end();
  }

  @Override
  public Cost estimate() {
    return Cost.ofNanos(state.charge);
  }

  @Override
  public void commit(Cost actual) {
    if (actual != null && actual.isNegative()) {
      throw new IllegalArgumentException("actual cost must not be negative, got " + actual);
    }
    try {
      state.settle(actual == null ? -1 : actual.nanos(), null, false);
    } finally {
      // Keeps this handle reachable until the settlement has won: else the cleaner may find it
      // unreachable mid-call and charge the estimate in place of the real cost.
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public void commitResult(Object result) {
    try {
      state.settle(-1, result, true);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public String toString() {
    return "PendingCost[" + state.runtime.name() + (state.key == null ? "" : ", key=" + state.key) + ", "
        + estimate() + ", " + (state.done != 0 ? "settled" : "pending") + "]";
  }

  /** Everything a settlement needs, and the cleaner's action; never refers to the handle. */
  private static final class State implements Runnable {
    private static final VarHandle DONE;

    static {
      try {
        DONE = MethodHandles.lookup().findVarHandle(State.class, "done", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final ServiceRuntime runtime;
    final String key;
    final ServiceRuntime.KeyRuntime k;
    final long reserved;
    final long charge;
    final boolean turn;
    final long admittedAt;
    volatile int done;
    volatile Cleaner.Cleanable cleanable;

    State(ServiceRuntime runtime, String key, ServiceRuntime.KeyRuntime k, long reserved, long charge, boolean turn,
        long admittedAt) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      this.key = key;
      this.k = k;
      this.reserved = reserved;
      this.charge = charge;
      this.turn = turn;
      this.admittedAt = admittedAt;
    }

    boolean end() {
      return DONE.compareAndSet(this, 0, 1);
    }

    /** The first settlement: {@code real} (-1: unknown), or the cost read from {@code result} when {@code priced}. */
    void settle(long real, Object result, boolean priced) {
      if (!end()) {
        return;
      }
      try {
        long cost = priced ? runtime.costOfResult(result, charge) : real;
        runtime.settleDeferred(key, k, reserved, charge, cost, admittedAt);
      } finally {
        if (turn) {
          runtime.releaseTurn();
        }
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
          c.clean();
        }
      }
    }

    /** The cleaner's action: the handle was dropped unsettled. */
    @Override
    public void run() {
      settle(-1, null, false);
    }
  }
}
