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
            // The breaker's own alert gives the rate that tripped it too (nu81: its detail said one
            // rate, its facts the snapshot's blend of the calm minute before).
            Alert open = alerts.stream().filter(x -> x.type() == dev.runaway.alert.AlertType.CIRCUIT_BREAKER)
                .findFirst().orElseThrow();
            Matcher d = Pattern.compile("call rate ([0-9.]+)/min against").matcher(open.detail());
            assertThat(d.find()).as(open.detail()).isTrue();
            assertThat(open.facts().get("calls_per_minute")).as(open.toString()).isEqualTo(d.group(1));
            return;
          }
          ticker.advanceNanos(MINUTE / n);
        }
      }
      fail("the jump to 500 calls a minute never opened the breaker");
    }
  }

  /**
   * A spend-rate trip: the breaker's alert states the spend rate and multiple its detail gives.
   * Before (nu81, the demo): "spend rate $355.26/h ... (359x)" beside rate=$89.10/h, multiplier=90.1x.
   */
  @Test
  void spendRateTrip_breakerAlertFactsAgreeWithItsDetail() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-05T00:00:00Z"));
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    try (RunawayGuard guard = RunawayGuard.builder().ticker(ticker).alertSink(alerts::add)
        .service("llm", s -> s.budget(Budget.daily(Cost.usd("100000")))).build()) {
      for (int minute = 0; minute < 1500; minute++) {
        // 50 calls a minute throughout; each call's cost jumps 200x at minute 1490 (tripped within that minute)
        String cost = minute < 1490 ? "0.001" : "0.2";
        for (int i = 0; i < 50; i++) {
          try {
            guard.call("llm", Cost.usd("0.001"), () -> "ok");
            guard.record("llm", Cost.usd(cost).minus(Cost.usd("0.001")));
          } catch (CircuitOpenException e) {
            assertThat(minute).as("tripped only by the jump").isGreaterThanOrEqualTo(1490);
            Alert open = alerts.stream().filter(x -> x.type() == dev.runaway.alert.AlertType.CIRCUIT_BREAKER)
                .findFirst().orElseThrow();
            Matcher d = Pattern.compile("spend rate (\\$[0-9.,]+/h) against a baseline of \\$[0-9.,]+/h \\(([0-9.]+)x\\)")
                .matcher(open.detail());
            assertThat(d.find()).as(open.detail()).isTrue();
            assertThat(open.facts().get("rate")).as(open.toString()).isEqualTo(d.group(1));
            assertThat(open.facts().get("multiplier")).as(open.toString()).isEqualTo(d.group(2) + "x");
            return;
          }
          ticker.advanceNanos(MINUTE / 50);
        }
      }
      fail("the jump in spend never opened the breaker");
    }
  }
}
