package dev.runaway.providers.http.internal;

import dev.runaway.Ticker;
import java.time.Instant;
import java.util.Objects;

/**
 * A {@link Ticker} that reads the monitor's ticker, for an {@link dev.runaway.providers.http.ApiClient} built before the
 * first poll: a detector is created without a ticker and receives the monitor's in each
 * {@link dev.runaway.monitor.PollContext}, so it calls {@link #use(Ticker)} at the start of
 * {@code poll}. Until then it reads {@link Ticker#system()}.
 *
 * <p>Thread-safe.
 */
public final class ContextTicker implements Ticker {

  private volatile Ticker delegate = Ticker.system();

  /** Creates a ticker reading the system ticker until {@link #use(Ticker)} is called. */
  public ContextTicker() {}

  /**
   * Reads {@code ticker} from now on.
   *
   * @param ticker the monitor's ticker, usually {@code ctx.ticker()}
   */
  public void use(Ticker ticker) {
    this.delegate = Objects.requireNonNull(ticker, "ticker");
  }

  @Override
  public long nanoTime() {
    return delegate.nanoTime();
  }

  @Override
  public Instant instant() {
    return delegate.instant();
  }

  @Override
  public String toString() {
    return "ContextTicker[" + delegate + "]";
  }
}
