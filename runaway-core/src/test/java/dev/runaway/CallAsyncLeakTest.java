package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** {@code callAsync} releases its reservation on every path, including a call that returns null. */
final class CallAsyncLeakTest {

  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.25"))
            .perKeyBudget(Budget.hourly(Cost.usd("1"))))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  private static Cost reserved(ServiceSnapshot s) {
    return s.windows().get(0).reserved();
  }

  @Test
  void callAsync_nullStage_failsClearlyAndReleasesTheReservation() throws Exception {
    try (RunawayGuard guard = guard()) {
      for (int i = 0; i < 10; i++) { // $2.50 of estimates against $1: a leak would refuse by the 5th
        CompletableFuture<Object> f = guard.callAsync("svc", () -> null);
        assertThat(f).isCompletedExceptionally();
        assertThat(catchCause(f)).isInstanceOf(NullPointerException.class)
            .hasMessageContaining("service 'svc'").hasMessageContaining("returned null instead of a CompletionStage")
            .hasMessageContaining("reservation was released");
        CompletableFuture<Object> k = guard.service("svc").forKey("tenant").callAsync(() -> null);
        assertThat(catchCause(k)).isInstanceOf(NullPointerException.class).hasMessageContaining("key 'tenant'");
      }
      assertThat(reserved(guard.snapshot("svc"))).isEqualTo(Cost.ZERO);
      assertThat(reserved(guard.service("svc").forKey("tenant").snapshot())).isEqualTo(Cost.ZERO);
      assertThat(guard.callAsync("svc", () -> CompletableFuture.completedFuture("ok")).get()).isEqualTo("ok");
    }
  }

  @Test
  void callAsync_stageThatRejectsCallbacks_releasesTheReservation() {
    try (RunawayGuard guard = guard()) {
      for (int i = 0; i < 10; i++) {
        CompletableFuture<String> f = guard.callAsync("svc", () -> new BrokenStage());
        assertThat(catchCause(f)).isInstanceOf(UnsupportedOperationException.class);
      }
      assertThat(reserved(guard.snapshot("svc"))).isEqualTo(Cost.ZERO);
    }
  }

  private static Throwable catchCause(CompletableFuture<?> f) {
    try {
      f.get();
      throw new AssertionError("expected a failed future");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** A stage whose callback registration throws (a third-party stage gone wrong). */
  private static final class BrokenStage extends CompletableFuture<String> {
    @Override
    public CompletableFuture<String> whenComplete(java.util.function.BiConsumer<? super String, ? super Throwable> a) {
      throw new UnsupportedOperationException("no callbacks here");
    }

    @Override
    public CompletionStage<String> minimalCompletionStage() {
      return this;
    }
  }
}
