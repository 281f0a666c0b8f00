package dev.runaway.benchmarks;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.MeterEvent;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where a guarded call's time goes: the pieces of {@code ServiceRuntime}'s hot path measured
 * alone, one thread, through their public types: reading the system ticker, reserving and
 * committing in the ledger (one window, and an hourly plus a daily one), the threshold check's
 * reads, the burn-rate meter, and one uncontended atomic increment (the unit most of the others
 * are made of on this machine). The ledger and meter get a fixed reading of the ticker, so no
 * bucket rolls over and the ticker's own cost is not counted twice.
 *
 * <p>Not part of the comparison run; run it when the guard's overhead changes:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar HotPathPartsBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HotPathPartsBenchmark {

  private static final long ESTIMATE = Fixtures.ESTIMATE.nanos();

  private Ticker ticker;
  private LedgerAccount oneWindow;
  private LedgerAccount twoWindows;
  private BurnRateMeter meter;
  private AtomicLong counter;
  private long now;

  /** Builds the parts, as the guard of {@link Fixtures#guard()} has them for one service. */
  @Setup(Level.Trial)
  public void setUp() {
    ticker = Ticker.system();
    BudgetLedger ledger = BudgetLedger.inMemory(ticker);
    oneWindow = ledger.account("one", null, List.of(Budget.hourly(Fixtures.LIMIT)));
    twoWindows = ledger.account("two", null, List.of(Budget.hourly(Fixtures.LIMIT), Budget.daily(Fixtures.LIMIT)));
    meter = BurnRateMeter.create(dev.runaway.ServicePolicy.builder().build().detection(), ticker);
    counter = new AtomicLong();
    now = ticker.nanoTime();
  }

  /**
   * One reading of {@code Ticker.system()}; a guarded call takes two.
   *
   * @return the reading
   */
  @Benchmark
  public long ticker_nanoTime() {
    return ticker.nanoTime();
  }

  /**
   * One uncontended {@code AtomicLong.incrementAndGet()}: a locked read-modify-write.
   *
   * @return the value
   */
  @Benchmark
  public long atomic_incrementAndGet() {
    return counter.incrementAndGet();
  }

  /**
   * {@code tryReserve} then {@code commit} of the estimate in an account of one window.
   *
   * @return the outcome
   */
  @Benchmark
  public int ledger_reserveCommit_oneWindow() {
    int r = oneWindow.tryReserve(ESTIMATE, now);
    oneWindow.commit(ESTIMATE, ESTIMATE, now);
    return r;
  }

  /**
   * {@code tryReserve} then {@code commit} in an account of an hourly and a daily window.
   *
   * @return the outcome
   */
  @Benchmark
  public int ledger_reserveCommit_twoWindows() {
    int r = twoWindows.tryReserve(ESTIMATE, now);
    twoWindows.commit(ESTIMATE, ESTIMATE, now);
    return r;
  }

  /**
   * The reads of the threshold check after each call: {@code used} of both budgets.
   *
   * @return the sum
   */
  @Benchmark
  public long ledger_usedOfTwoBudgets() {
    return twoWindows.used(0, now) + twoWindows.used(1, now);
  }

  /**
   * The burn-rate meter's work per call: {@code onCall} at admission, {@code onCost} after.
   *
   * @return the last event
   */
  @Benchmark
  public MeterEvent meter_onCallThenOnCost() {
    meter.onCall(now);
    return meter.onCost(now, ESTIMATE);
  }
}
