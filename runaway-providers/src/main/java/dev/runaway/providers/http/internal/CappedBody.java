package dev.runaway.providers.http.internal;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A body handler that collects at most {@code maxBytes} of a response body and fails, closing
 * the exchange, as soon as either the declared {@code Content-Length} or the bytes received go
 * past it. {@link HttpResponse.BodyHandlers#ofByteArray()} has no cap: one 1.5 GB answer
 * filled the heap and the resulting {@link OutOfMemoryError}s killed the poll threads of
 * unrelated services.
 *
 * <p>Each subscriber is used by one exchange; the JDK client calls it serially.
 */
public final class CappedBody implements Flow.Subscriber<List<ByteBuffer>>, HttpResponse.BodySubscriber<byte[]> {

  /** A body over the cap; the message says the cap, never the content. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long maxBytes;

    TooLargeException(String message, long maxBytes) {
      super(message);
      this.maxBytes = maxBytes;
    }

    /**
     * Returns the cap that was passed.
     *
     * @return the cap in bytes
     */
    public long maxBytes() {
      return maxBytes;
    }
  }

  private final long maxBytes;
  private final long declared;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final List<byte[]> chunks = new ArrayList<>();
  private long received;
  private Flow.Subscription subscription;

  private CappedBody(long maxBytes, long declared) {
    this.maxBytes = maxBytes;
    this.declared = declared;
  }

  /**
   * Returns a handler whose bodies are capped.
   *
   * @param maxBytes the most bytes accepted
   * @return the handler
   */
  public static HttpResponse.BodyHandler<byte[]> handler(long maxBytes) {
    return info -> new CappedBody(maxBytes, info.headers().firstValueAsLong("Content-Length").orElse(-1));
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (declared > maxBytes) {
      // Refuse before reading a byte: the declared size alone is over the cap.
      s.cancel();
      result.completeExceptionally(new TooLargeException("the response declares a body of " + declared
          + " bytes, more than the " + maxBytes + " accepted", maxBytes));
      return;
    }
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : buffers) {
      received += b.remaining();
      if (received > maxBytes) {
        subscription.cancel();
        chunks.clear();
        result.completeExceptionally(new TooLargeException("the response body is larger than the " + maxBytes
            + " bytes accepted", maxBytes));
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      chunks.add(chunk);
    }
  }

  @Override
  public void onError(Throwable t) {
    chunks.clear();
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    if (result.isDone()) {
      return;
    }
    byte[] all = new byte[(int) received];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    chunks.clear();
    result.complete(all);
  }
}
