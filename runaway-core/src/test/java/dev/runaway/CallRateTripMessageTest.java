package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.runaway.breaker.TripReason;
import dev.runaway.alert.Alert;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Found in a trial (nu34): a service at 50 calls a minute whose rate jumps to 500 a minute has its
 * breaker opened within seconds, and the refusal said "call rate 154/min is above 5.0x its
 * baseline": 154 is 3x the baseline of 50, because the snapshot's rate blends in the calm minute
 * before; the CRITICAL alert's title said "2.6x baseline" beside threshold_multiplier=5.0. The refusal
 * now gives the rate that tripped, the baseline and their ratio, which agree, and so does the alert.
 */
final class CallRateTripMessageTest {

  private static final long MINUTE = 60_000_000_000L;

  @Test
  void suddenTenfoldCallRate_refusalStatesARateAtLeastTheThresholdTimesTheBaseline() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-05T00:00:00Z"));
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    try (RunawayGuard guard = RunawayGuard.builder().ticker(ticker).alertSink(alerts::add)
        .service("batch", s -> s.budget(Budget.daily(Cost.usd("100000")))).build()) {
      for (int minute = 0; minute < 1500; minute++) {
        int n = minute < 1490 ? 50 : 500;
        for (int i = 0; i < n; i++) {
          try {
            guard.call("batch", Cost.usd("0.001"), () -> "ok");
          } catch (CircuitOpenException e) {
            assertThat(minute).as("tripped only by the jump").isGreaterThanOrEqualTo(1490);
            assertThat(e.reason()).isEqualTo(TripReason.CALL_RATE);
            Matcher m = Pattern.compile("call rate ([0-9.]+)/min against a baseline of ([0-9.]+)/min \\(([0-9.]+)x\\)")
                .matcher(e.getMessage());
            assertThat(m.find()).as(e.getMessage()).isTrue();
            double rate = Double.parseDouble(m.group(1));
            double base = Double.parseDouble(m.group(2));
            assertThat(base).isBetween(40.0, 60.0);
            assertThat(rate).as(e.getMessage()).isGreaterThanOrEqualTo(5 * base);
            assertThat(e.getMessage()).contains("5.0x its baseline");
            // The CRITICAL alert's title and multiplier said 2.6x beside threshold_multiplier=5.0.
            Alert runaway = alerts.stream().filter(x -> x.title().startsWith("Runaway:")).findFirst().orElseThrow();
            double multiplier = Double.parseDouble(runaway.facts().get("multiplier").replace("x", ""));
            assertThat(multiplier).as(runaway.toString()).isGreaterThanOrEqualTo(5.0);
            assertThat(runaway.title()).contains(runaway.facts().get("multiplier"));
            return;
          }
          ticker.advanceNanos(MINUTE / n);
        }
      }
      fail("the jump to 500 calls a minute never opened the breaker");
    }
  }
}
