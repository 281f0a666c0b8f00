package dev.runaway;

import dev.runaway.alert.Alert;
import java.time.Duration;
import java.util.List;

/** Traffic the guard's scenario tests replay on a manual clock: a steady history, then a loop. */
final class GuardLoops {

  private GuardLoops() {
  }

  /**
   * A guard on {@code ticker} whose service "llm" has a $1,000 daily budget and the default
   * detection, with every alert added to {@code alerts}, after two days of steady traffic: 10 calls
   * a minute at $0.01, evenly spaced, so its baseline is learned.
   */
  static RunawayGuard llmGuardAfterTwoSteadyDays(ManualTicker ticker, List<Alert> alerts) {
    RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.daily(Cost.usd("1000"))))
        .ticker(ticker).alertSink(alerts::add).build();
    for (int minute = 0; minute < 2 * 24 * 60; minute++) {
      for (int i = 0; i < 10; i++) {
        guard.call("llm", Cost.usd("0.01"), () -> 1);
        ticker.advance(Duration.ofSeconds(6));
      }
    }
    return guard;
  }

  /**
   * Makes {@code call} once every {@code every}, at most {@code max} times, until the breaker
   * refuses it with a {@link CircuitOpenException}.
   *
   * @return how many calls were admitted before the refusal
   */
  static int callsUntilOpen(Runnable call, ManualTicker ticker, Duration every, int max) {
    int admitted = 0;
    for (int i = 0; i < max; i++) {
      try {
        call.run();
        admitted++;
      } catch (CircuitOpenException e) {
        break;
      }
      ticker.advance(every);
    }
    return admitted;
  }
}
