package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.Race;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A result whose cost is known only after the call has returned (an LLM SDK's stream returned from
 * {@code guard.call}, whose usage comes with its last chunk), taken over by
 * {@link CostExtractor#settleLater}: the call's reservation is held until the stream settles it,
 * the real cost is charged and learned, and nothing is left reserved. Before, such a call was
 * charged its estimate, or with none the extractor's upper bound, learned as the running estimate.
 */
final class SettleLaterTest {

  /** The extractor's upper bound of a stream, as the LLM extractors' per-stream charge. */
  private static final Cost BOUND = Cost.usd("0.75");
  private static final Cost STREAM = Cost.usd("0.01");

  private final ManualTicker ticker = ManualTicker.create();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  /** What the SDK returns: a stream that knows its cost once read to its end. */
  interface Chunks extends AutoCloseable {
    /** Reads the stream to its end (its usage comes last). */
    void readToEnd();

    @Override
    void close();
  }

  /** The SDK's stream. */
  record SdkStream(Cost cost) implements Chunks {
    @Override
    public void readToEnd() { }

    @Override
    public void close() { }
  }

  /** The stream's final usage, what the extractor prices. */
  record Usage(Cost cost) { }

  /** The extractor's replacement: commits the usage at the end, gives up when closed before. */
  record Settling(SdkStream stream, PendingCost pending) implements Chunks {
    @Override
    public void readToEnd() {
      pending.commitResult(new Usage(stream.cost()));
    }

    @Override
    public void close() {
      pending.commit(null);
    }
  }

  static final class StreamCosts implements CostExtractor {
    final AtomicInteger offered = new AtomicInteger();

    @Override
    public Cost costOf(Object result) {
      return result instanceof Usage u ? u.cost() : null;
    }

    @Override
    public Cost upperBoundOf(Object result) {
      return result instanceof SdkStream ? BOUND : null;
    }

    @Override
    public Object settleLater(Object result, PendingCost cost) {
      offered.incrementAndGet();
      return result instanceof SdkStream s ? new Settling(s, cost) : null;
    }
  }

  private final StreamCosts extractor = new StreamCosts();

  private RunawayGuard guard(Cost hourly, Consumer<ServicePolicy.Builder> more) {
    return RunawayGuard.builder()
        .service("llm", s -> {
          s.budget(Budget.hourly(hourly)).costExtractor(extractor).budgetHorizon(Duration.ZERO);
          more.accept(s);
        })
        .ticker(ticker).alertSink(alerts::add).build();
  }

  private static Cost spent(RunawayGuard guard) {
    return guard.snapshot("llm").windows().get(0).spent();
  }

  private static Cost reserved(RunawayGuard guard) {
    return guard.snapshot("llm").windows().get(0).reserved();
  }

  /** Naive streams read to their end until the guard refuses one; returns how many ran. */
  private int loop(RunawayGuard guard, int max) {
    int admitted = 0;
    for (int i = 0; i < max; i++) {
      try (Chunks c = guard.call("llm", () -> (Chunks) new SdkStream(STREAM))) {
        c.readToEnd();
        admitted++;
      } catch (RunawayException e) {
        break;
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    return admitted;
  }

  @Test
  void streamSettledAfterTheGuardClosed_isChargedQuietly_andNothingReachesTheReader() {
    Chunks c;
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("1"))).costExtractor(extractor).budgetHorizon(Duration.ZERO))
        .ticker(ticker).build();
    try (Chunks first = guard.call("llm", () -> (Chunks) new SdkStream(STREAM))) {
      first.readToEnd();
    }
    c = guard.call("llm", () -> (Chunks) new SdkStream(Cost.usd("0.95")));
    guard.close();
    c.readToEnd();
    c.close();
    assertThat(spent(guard)).isEqualTo(Cost.usd("0.96"));
    assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
  }

  @Test
  void naiveStreamLoop_isChargedTheRealCostOfEachStream_untilTheBudgetIsFull() {
    try (RunawayGuard guard = guard(Cost.usd("1"), s -> { })) {
      int admitted = loop(guard, 500);
      // $0.01 a stream: 100 fill $1 exactly (before: one, charged the $0.75 bound and reserving it after)
      assertThat(admitted).isEqualTo(100);
      assertThat(spent(guard)).isEqualTo(Cost.usd("1"));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      // The thresholds were fed by the deferred commits.
      assertThat(alerts).filteredOn(a -> a.type() == AlertType.COST_THRESHOLD).isNotEmpty();
    }
  }

  @Test
  void firstStream_holdsTheUpperBoundUntilSettled_thenItsRealCostIsTheRunningEstimate() {
    try (RunawayGuard guard = guard(Cost.usd("1"), s -> { })) {
      Chunks first = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      assertThat(first).isInstanceOf(Settling.class);
      assertThat(reserved(guard)).isEqualTo(BOUND);
      assertThat(spent(guard)).isEqualTo(Cost.ZERO);
      first.readToEnd();
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard)).isEqualTo(STREAM);
      // The real cost was learned, not the bound: the next stream reserves $0.01.
      Chunks second = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      assertThat(reserved(guard)).isEqualTo(STREAM);
      second.readToEnd();
      second.close(); // after the end: no effect
      assertThat(spent(guard)).isEqualTo(STREAM.times(2));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void streamClosedEarly_isChargedItsReservation_andTheBoundIsNotLearned() {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> { })) {
      guard.call("llm", () -> (Chunks) new SdkStream(STREAM)).close();
      assertThat(spent(guard)).isEqualTo(BOUND);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      // Still no cost per call known: the next naive stream holds the bound again, and its real cost is learned.
      Chunks next = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      assertThat(reserved(guard)).isEqualTo(BOUND);
      next.readToEnd();
      guard.call("llm", () -> (Chunks) new SdkStream(STREAM)).close();
      assertThat(spent(guard)).isEqualTo(BOUND.plus(STREAM).plus(STREAM));
    }
  }

  @Test
  void withAnEstimate_theStreamIsChargedItsRealCost_orTheEstimateWhenClosedEarly() {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> s.estimate(Cost.usd("0.02")))) {
      Chunks read = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      assertThat(reserved(guard)).isEqualTo(Cost.usd("0.02"));
      read.readToEnd();
      assertThat(spent(guard)).isEqualTo(STREAM);
      Chunks explicit = guard.call("llm", Cost.usd("0.05"), () -> (Chunks) new SdkStream(STREAM));
      assertThat(reserved(guard)).isEqualTo(Cost.usd("0.05"));
      explicit.close();
      assertThat(spent(guard)).isEqualTo(Cost.usd("0.06"));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void budgetBelowTheBound_firstStreamKeepsItsTurn_othersWaitForIt_thenRunAtItsRealCost() throws Exception {
    try (RunawayGuard guard = guard(Cost.usd("0.10"), s -> s.unknownCostWait(Duration.ofMillis(200)))) {
      Chunks first = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      ExecutorService other = Executors.newSingleThreadExecutor();
      try {
        Future<?> waited = other.submit(() -> guard.call("llm", () -> (Chunks) new SdkStream(STREAM)));
        assertThatThrownBy(() -> waited.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(RunawayException.class)
            .hasMessageContaining("cost per call is not known yet")
            // What holds the turn, for a user who left such a stream unclosed.
            .hasMessageContaining("a stream returned from guard.call) keeps its turn until it is settled: read to"
                + " its end, closed, or collected once dropped unclosed");
        first.readToEnd();
        Chunks next = other.submit(() -> guard.call("llm", () -> (Chunks) new SdkStream(STREAM))).get(20, TimeUnit.SECONDS);
        assertThat(reserved(guard)).isEqualTo(STREAM);
        next.readToEnd();
      } finally {
        other.shutdownNow();
      }
      assertThat(loop(guard, 50)).isEqualTo(8);
      assertThat(spent(guard)).isEqualTo(Cost.usd("0.10"));
    }
  }

  @Test
  void budgetBelowTheBound_streamClosedEarly_isChargedTheBound_andGivesTheTurnBack() {
    try (RunawayGuard guard = guard(Cost.usd("0.10"), s -> s.unknownCostWait(Duration.ofMillis(200)))) {
      guard.call("llm", () -> (Chunks) new SdkStream(STREAM)).close();
      // Never $0: the bound, recorded above the $0 the call held.
      assertThat(spent(guard)).isEqualTo(BOUND);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThatThrownBy(() -> guard.call("llm", () -> (Chunks) new SdkStream(STREAM)))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  /** The in-memory ledger, but its accounts throw (with a password in the message) where {@code throwsOn} says. */
  private BudgetLedger brokenLedger(java.util.function.BiPredicate<String, Object[]> throwsOn) {
    BudgetLedger memory = BudgetLedger.inMemory(ticker);
    return (service, key, budgets) -> {
      LedgerAccount delegate = memory.account(service, key, budgets);
      return (LedgerAccount) java.lang.reflect.Proxy.newProxyInstance(LedgerAccount.class.getClassLoader(),
          new Class<?>[] {LedgerAccount.class}, (proxy, method, args) -> {
            if (throwsOn.test(method.getName(), args)) {
              throw new IllegalStateException("jdbc:postgresql://app:" + DB_PASSWORD + "@127.0.0.1/budgets is down");
            }
            try {
              return method.invoke(delegate, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
    };
  }

  private static final String DB_PASSWORD = "hunter2";

  private RunawayGuard guardOn(BudgetLedger ledger, Cost hourly) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(hourly)).costExtractor(extractor)
            .budgetHorizon(Duration.ZERO).unknownCostWait(Duration.ofMillis(200)))
        .ledger(ledger).ticker(ticker).alertSink(alerts::add).build();
  }

  @Test
  void aLedgerWhoseRecordThrows_doesNotReachTheStreamsReader_andTheCallIsStillSettled() {
    // The stream closed early before any cost per call is known, on a budget below the bound: its
    // charge is recorded on top of the $0 it held, and this ledger's record throws.
    try (RunawayGuard guard = guardOn(brokenLedger((method, args) -> method.equals("record")), Cost.usd("0.10"))) {
      Chunks stream = guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      stream.close(); // threw the ledger's exception (with its password) before
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThat(guard.stats("llm").admitted()).isEqualTo(1);
      // The turn was given back: the next call runs (and is priced) instead of waiting for it.
      try (Chunks next = guard.call("llm", () -> (Chunks) new SdkStream(STREAM))) {
        next.readToEnd();
      }
      assertThat(spent(guard)).isEqualTo(STREAM);
    }
  }

  @Test
  void aLedgerThatThrowsWhileReservingTheBound_isReportedWithoutItsMessage_andTheStreamStillRuns() {
    // Only the reservation of the stream's upper bound throws; its WARN quoted the exception's
    // message, with the ledger's connection string.
    int mark = dev.runaway.testing.LogCapture.mark();
    try (RunawayGuard guard = guardOn(brokenLedger((method, args) -> method.equals("tryReserve")
        && (long) args[0] == BOUND.nanos()), Cost.usd("1"))) {
      try (Chunks stream = guard.call("llm", () -> (Chunks) new SdkStream(STREAM))) {
        stream.readToEnd();
      }
      assertThat(spent(guard)).isEqualTo(STREAM);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
    assertThat(dev.runaway.testing.LogCapture.since(mark)).extracting(dev.runaway.testing.LogCapture.Event::message)
        .anySatisfy(m -> assertThat(m).contains("failed to reserve the upper bound"))
        .allSatisfy(m -> assertThat(m).doesNotContain(DB_PASSWORD));
  }

  @Test
  void streamDroppedUnread_isChargedItsEstimateOnceCollected() {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> s.estimate(Cost.usd("0.02")))) {
      WeakReference<Chunks> dropped = new WeakReference<>(guard.call("llm", () -> (Chunks) new SdkStream(STREAM)));
      assertThat(reserved(guard)).isEqualTo(Cost.usd("0.02"));
      for (int i = 0; i < 200 && !reserved(guard).isZero(); i++) {
        System.gc();
        Thread.onSpinWait();
      }
      assertThat(dropped.get()).isNull();
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard)).isEqualTo(Cost.usd("0.02"));
    }
  }

  @Test
  void settledTwiceFromManyThreads_isChargedOnce() throws Exception {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> s.estimate(Cost.usd("0.02")))) {
      Settling s = (Settling) guard.call("llm", () -> (Chunks) new SdkStream(STREAM));
      Race.run(4, thread -> {
        if (thread % 2 == 0) {
          s.readToEnd();
        } else {
          s.close();
        }
      });
      assertThat(spent(guard)).isIn(STREAM, Cost.usd("0.02"));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThatThrownBy(() -> s.pending().commit(Cost.usd("-1"))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void extractorThatDeclinesOrThrows_settlesTheCallAtOnceAsBefore() {
    CostExtractor throwing = new CostExtractor() {
      @Override
      public Cost costOf(Object result) {
        return null;
      }

      @Override
      public Object settleLater(Object result, PendingCost cost) {
        throw new IllegalStateException("broken");
      }
    };
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).estimate(Cost.usd("0.02")).costExtractor(throwing))
        .ticker(ticker).alertSink(a -> { }).build()) {
      assertThat(guard.call("llm", () -> (Chunks) new SdkStream(STREAM))).isInstanceOf(SdkStream.class);
      assertThat(spent(guard)).isEqualTo(Cost.usd("0.02"));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> { })) {
      // Not a stream: declined, so the turn's bound rule applies (here no bound: $0), and nothing stays reserved.
      assertThat(guard.call("llm", () -> "text")).isEqualTo("text");
      assertThat(extractor.offered).hasValue(1);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      // A priced result is never offered.
      assertThat(guard.call("llm", () -> new Usage(STREAM))).isEqualTo(new Usage(STREAM));
      assertThat(extractor.offered).hasValue(1);
    }
  }

  @Test
  void keyedStream_isChargedToTheKeysBudgetToo() {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> s.perKeyBudget(Budget.hourly(Cost.usd("1"))))) {
      ServiceGuard tenant = guard.service("llm").forKey("tenant-7");
      Chunks c = tenant.call(() -> (Chunks) new SdkStream(STREAM));
      assertThat(guard.service("llm").forKey("tenant-7").snapshot().windows().get(0).reserved()).isEqualTo(BOUND);
      c.readToEnd();
      ServiceSnapshot key = guard.service("llm").forKey("tenant-7").snapshot();
      assertThat(key.windows().get(0).spent()).isEqualTo(STREAM);
      assertThat(key.windows().get(0).reserved()).isEqualTo(Cost.ZERO);
      assertThat(spent(guard)).isEqualTo(STREAM);
    }
  }

  @Test
  void keyEvictedWhileItsStreamIsPending_keepsTheStreamsCharge_whenSeenAgain() {
    try (RunawayGuard guard = guard(Cost.usd("10"), s -> s.perKeyBudget(Budget.hourly(Cost.usd("0.05"))).maxKeys(1)
        .estimate(Cost.usd("0.01")))) {
      Chunks c = guard.service("llm").forKey("tenant-7").call(() -> (Chunks) new SdkStream(Cost.usd("0.04")));
      // Other tenants push tenant-7 out of the guard's keys while its stream runs.
      for (int i = 0; i < 5; i++) {
        String other = "tenant-" + (100 + i);
        guard.service("llm").forKey(other).call(() -> new Usage(Cost.usd("0.01")));
      }
      c.readToEnd();
      ServiceGuard seven = guard.service("llm").forKey("tenant-7");
      assertThat(seven.snapshot().windows().get(0).spent()).isEqualTo(Cost.usd("0.04"));
      assertThat(seven.snapshot().windows().get(0).reserved()).isEqualTo(Cost.ZERO);
      assertThatThrownBy(() -> seven.call(() -> new Usage(Cost.usd("0.02")))).isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void threadsLoopingNaiveStreams_neverCommitMoreThanAnExactBudget_andLeaveNothingReserved() throws Exception {
    // $0.50 below the $0.75 bound: the first stream runs alone until its real cost is known.
    for (String budget : new String[] {"0.50", "3.00"}) {
      alerts.clear();
      try (RunawayGuard guard = guard(Cost.usd(budget), s -> { })) {
        AtomicInteger admitted = new AtomicInteger();
        Race.run(4, thread -> {
          for (int i = 0; i < 1000; i++) {
            try (Chunks c = guard.call("llm", () -> (Chunks) new SdkStream(STREAM))) {
              c.readToEnd();
              admitted.incrementAndGet();
            } catch (BudgetExceededException e) {
              return;
            }
          }
        });
        Cost limit = Cost.usd(budget);
        assertThat(reserved(guard)).as("left reserved with a budget of %s", budget).isEqualTo(Cost.ZERO);
        assertThat(spent(guard)).isEqualTo(STREAM.times(admitted.get()));
        if (limit.compareTo(BOUND) < 0) {
          assertThat(spent(guard)).isEqualTo(limit);
        } else {
          // Streams that held the bound while the first real cost was learned: at most one ran
          // holding nothing (its turn), so the budget is exceeded by one stream's cost at most.
          assertThat(spent(guard)).isLessThanOrEqualTo(limit.plus(STREAM))
              .isGreaterThan(limit.minus(STREAM));
        }
      }
    }
  }
}
