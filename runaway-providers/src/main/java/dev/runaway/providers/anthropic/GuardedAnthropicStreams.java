package dev.runaway.providers.anthropic;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import dev.runaway.providers.llm.internal.StreamSettlement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/** anthropic-java stream wrappers that pass every chunk through unchanged and settle the reservation. */
final class GuardedAnthropicStreams {

  private GuardedAnthropicStreams() {}

  /**
   * A blocking stream.
   *
   * @param <T> the chunk type
   */
  public static final class Blocking<T> implements StreamResponse<T> {
    private final StreamResponse<T> delegate;
    private final StreamSettlement<T> settlement;

    /**
     * Wraps a stream.
     *
     * @param delegate the SDK's stream
     * @param settlement its settlement
     */
    public Blocking(StreamResponse<T> delegate, StreamSettlement<T> settlement) {
      this.delegate = delegate;
      this.settlement = settlement;
      settlement.settleWhenUnreachable(this);
    }

    @Override
    public Stream<T> stream() {
      return delegate.stream().peek(settlement::onChunk).onClose(settlement::settle);
    }

    @Override
    public void close() {
      try {
        delegate.close();
      } finally {
        settlement.settle();
      }
    }
  }

  /**
   * An asynchronous stream.
   *
   * @param <T> the chunk type
   */
  public static final class Async<T> implements AsyncStreamResponse<T> {
    private final AsyncStreamResponse<T> delegate;
    private final StreamSettlement<T> settlement;

    /**
     * Wraps a stream.
     *
     * @param delegate the SDK's stream
     * @param settlement its settlement
     */
    public Async(AsyncStreamResponse<T> delegate, StreamSettlement<T> settlement) {
      this.delegate = delegate;
      this.settlement = settlement;
      settlement.settleWhenUnreachable(this);
    }

    @Override
    public AsyncStreamResponse<T> subscribe(Handler<? super T> handler) {
      delegate.subscribe(wrap(handler));
      return this;
    }

    @Override
    public AsyncStreamResponse<T> subscribe(Handler<? super T> handler, Executor executor) {
      delegate.subscribe(wrap(handler), executor);
      return this;
    }

    private Handler<T> wrap(Handler<? super T> handler) {
      return new Handler<T>() {
        @Override
        public void onNext(T value) {
          settlement.onChunk(value);
          handler.onNext(value);
        }

        @Override
        public void onComplete(Optional<Throwable> error) {
          settlement.settle();
          handler.onComplete(error);
        }
      };
    }

    @Override
    public CompletableFuture<Void> onCompleteFuture() {
      return delegate.onCompleteFuture().whenComplete((v, e) -> settlement.settle());
    }

    @Override
    public void close() {
      try {
        delegate.close();
      } finally {
        settlement.settle();
      }
    }
  }
}
