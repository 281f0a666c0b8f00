package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed guard refuses every call, reservation and record with an {@link IllegalStateException}
 * before anything is reserved or called. Before (a new user's trial, helper nu81): a guard with a
 * state folder kept admitting calls after {@code close()}, their spend never reached the state
 * file ($0.10 saved of $1.00 spent; a restart gave the rest back) and its alerts were dropped.
 */
final class ClosedGuardTest {

  @TempDir
  Path dir;

  private RunawayGuard guard(ManualTicker ticker) {
    return RunawayGuard.builder().ticker(ticker).stateDir(dir).alertSink(a -> { })
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1")))).build();
  }

  @Test
  void aClosedGuard_refusesCallsReservationsAndRecords_andWhatWasSpentBeforeIsSaved() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = guard(ticker);
    AtomicInteger reached = new AtomicInteger();
    guard.call("openai", Cost.usd("0.10"), () -> reached.incrementAndGet());
    guard.close();

    String closed = "RunawayGuard is closed: service openai takes no more calls";
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.10"), () -> reached.incrementAndGet()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    assertThatThrownBy(() -> guard.call("openai", () -> reached.incrementAndGet()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    assertThatThrownBy(() -> guard.service("openai").forKey("t1").call(() -> reached.incrementAndGet()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    assertThatThrownBy(() -> guard.reserve("openai", Cost.usd("0.10")))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    assertThatThrownBy(() -> guard.record("openai", Cost.usd("0.10")))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    Supplier<CompletionStage<Integer>> async = () -> java.util.concurrent.CompletableFuture.completedFuture(
        reached.incrementAndGet());
    assertThatThrownBy(() -> guard.callAsync("openai", Cost.usd("0.10"), async))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(closed);
    assertThat(reached).hasValue(1);
    // still readable
    assertThat(guard.stats("openai").admitted()).isEqualTo(1);
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("0.10"));
    guard.close(); // again: nothing

    try (RunawayGuard next = guard(ticker)) {
      assertThat(next.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("0.10"));
    }
  }

  @Test
  void aNullCall_isRefusedBeforeAnythingIsReserved() {
    try (RunawayGuard guard = RunawayGuard.builder().ticker(ManualTicker.create()).alertSink(a -> { })
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1")))).build()) {
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.10"), (GuardedCall<Object, RuntimeException>) null))
          .isInstanceOf(NullPointerException.class).hasMessage("call must not be null (service openai)");
      assertThatThrownBy(() -> guard.service("openai").forKey("t1").call((GuardedCall<Object, RuntimeException>) null))
          .isInstanceOf(NullPointerException.class).hasMessage("call must not be null (service openai)");
      CallStats stats = guard.stats("openai");
      assertThat(stats.admitted()).isZero();
      assertThat(stats.failed()).isZero();
      assertThat(guard.snapshot("openai").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    }
  }
}
