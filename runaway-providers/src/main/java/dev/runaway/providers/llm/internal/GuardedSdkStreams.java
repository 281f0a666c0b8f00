package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;
import dev.runaway.PendingCost;
import dev.runaway.Reservation;
import dev.runaway.ServiceGuard;
import java.lang.ref.Reference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.Spliterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Wraps an LLM SDK's stream so every chunk passes through unchanged and the stream's
 * {@link StreamSettlement} settles the reservation once: on close, at the end of the blocking
 * stream or when reading it fails, on the async stream's completion, or when the wrapper becomes unreachable.
 *
 * <p>The OpenAI and Anthropic SDKs each declare their own {@code StreamResponse} and
 * {@code AsyncStreamResponse} interfaces, identical in shape but unrelated as types. One dynamic
 * proxy serves both instead of a hand-written copy per SDK: it intercepts {@code stream()},
 * {@code subscribe(handler[, executor])} (wrapping the handler's {@code onNext} and
 * {@code onComplete}), {@code onCompleteFuture()} and {@code close()}, and forwards every other
 * method to the SDK's stream. The reflective call per chunk is small next to a network read.
 *
 * <p>Thread-safe as the settlement is: the first settlement wins.
 */
public final class GuardedSdkStreams {

  private GuardedSdkStreams() {}

  /**
   * Returns {@code delegate} guarded.
   *
   * @param type the SDK's stream interface ({@code com.openai.core.http.StreamResponse}, ...)
   * @param delegate the SDK's stream
   * @param settlement the reservation's settlement
   * @param <S> the stream interface
   * @return a stream of the same interface
   */
  @SuppressWarnings("unchecked") // the proxy implements type, a supertype of S that differs only in type arguments
  public static <S> S guard(Class<? super S> type, S delegate, StreamSettlement<?> settlement) {
    Objects.requireNonNull(delegate, "delegate");
    Objects.requireNonNull(settlement, "settlement");
    StreamSettlement<Object> s = (StreamSettlement<Object>) settlement;
    S proxy = (S) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (p, method, args) -> onStream(p, delegate, s, method, args));
    settlement.settleWhenUnreachable(proxy);
    return proxy;
  }

  /**
   * Reserves {@code estimate}, starts the stream and returns it guarded; a start that throws
   * releases the reservation as a failure and rethrows.
   *
   * @param type the SDK's stream interface
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param start starts the SDK's stream
   * @param tracker reads the usage from the stream's chunks
   * @param <S> the stream interface
   * @param <T> the chunk type
   * @return the guarded stream
   */
  public static <S, T> S open(Class<? super S> type, ServiceGuard guard, Cost estimate, Supplier<S> start,
      StreamSettlement.Tracker<T> tracker) {
    Reservation r = guard.reserve(estimate);
    S stream = started(r, start);
    return guard(type, stream, new StreamSettlement<>(r, tracker));
  }

  /**
   * Reserves {@code estimate}, starts a stream that the SDK returns as a class rather than an
   * interface (Gemini's {@code ResponseStream}: an {@link Iterable} of chunks that is also
   * {@link AutoCloseable}, which no proxy can stand in for) and returns its chunks as a
   * {@link Stream}: each chunk seen by the settlement first, the settlement at their end, when
   * reading them fails, on {@link Stream#close()} (which closes the SDK's stream first), or when the returned stream
   * becomes unreachable. A start that throws releases the reservation as a failure and rethrows.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param start starts the SDK's stream
   * @param tracker reads the usage from the stream's chunks
   * @param <T> the chunk type
   * @return the chunks; close it (try-with-resources)
   */
  public static <T> Stream<T> openIterable(ServiceGuard guard, Cost estimate, Supplier<? extends Iterable<T>> start,
      StreamSettlement.Tracker<T> tracker) {
    Reservation r = guard.reserve(estimate);
    Iterable<T> source = started(r, start);
    @SuppressWarnings("unchecked") // the settlement sees the chunks as Objects, as the proxies' do
    StreamSettlement<Object> s = (StreamSettlement<Object>) (StreamSettlement<?>) new StreamSettlement<>(r, tracker);
    SettlingSpliterator<T> spliterator = new SettlingSpliterator<>(source.spliterator(), s, null);
    Stream<T> chunks = StreamSupport.stream(spliterator, false)
        .onClose(() -> closeSource(source)).onClose(spliterator::settle);
    // The cleaner waits on the spliterator, not on the Stream: the Stream holds it (its close action), and so
    // does whatever reads it (the Stream's iterator() holds the spliterator, not the Stream, which a GC
    // then collected mid-read, settling the stream before its usage came).
    // Dropped unread, the SDK's stream is closed too: it holds its HTTP connection until closed.
    if (source instanceof AutoCloseable c) {
      s.settleWhenUnreachable(spliterator, c);
    } else {
      s.settleWhenUnreachable(spliterator);
    }
    return chunks;
  }

  /** Starts the SDK's stream under {@code r}; a start that throws releases it as a failure and rethrows. */
  private static <S> S started(Reservation r, Supplier<S> start) {
    try {
      return Objects.requireNonNull(start.get(), "the stream started was null");
    } catch (RuntimeException | Error e) {
      r.fail(e);
      throw e;
    }
  }

  private static void closeSource(Object source) {
    if (source instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("closing the SDK's stream failed: " + e, e);
      }
    }
  }

  /**
   * Takes over an SDK stream returned from {@code guard.call} (see
   * {@link dev.runaway.CostExtractor#settleLater}): the stream guarded, settling {@code cost} from
   * its usage as the helpers' streams settle their reservations; {@code null} when
   * {@code result} is none of the given stream interfaces.
   *
   * @param result the call's result
   * @param cost the call's pending charge
   * @param tracker makes the tracker of one stream's usage
   * @param types the SDK's stream interfaces ({@code StreamResponse}, {@code AsyncStreamResponse})
   * @return the guarded stream, of the interface {@code result} implements, or {@code null}
   */
  public static Object settleLater(Object result, PendingCost cost, Supplier<? extends StreamSettlement.Tracker<?>> tracker,
      Class<?>... types) {
    for (Class<?> type : types) {
      if (type.isInstance(result)) {
        @SuppressWarnings("unchecked")
        Class<Object> t = (Class<Object>) type;
        return guard(t, result, new StreamSettlement<>(cost, tracker.get()));
      }
    }
    return null;
  }

  private static Object onStream(Object proxy, Object delegate, StreamSettlement<Object> s, Method method,
      Object[] args) throws Throwable {
    int arity = args == null ? 0 : args.length;
    switch (method.getName()) {
      case "stream":
        if (arity == 0 && Stream.class.isAssignableFrom(method.getReturnType())) {
          Stream<?> chunks = (Stream<?>) forward(delegate, method, args);
          // Settled at the stream's end too, not only on close: a stream read to its end and never
          // closed (stream().forEach without try-with-resources) would otherwise hold its reservation,
          // and a first stream the calls without an estimate wait for, until the garbage collector ran.
          return StreamSupport.stream(new SettlingSpliterator<>(chunks.spliterator(), s, proxy), chunks.isParallel())
              .onClose(chunks::close).onClose(s::settle);
        }
        break;
      case "close":
        if (arity == 0) {
          try {
            return forward(delegate, method, args);
          } finally {
            s.settle();
          }
        }
        break;
      case "subscribe":
        if (arity >= 1 && method.getParameterTypes()[0].isInterface()) {
          Object[] wrapped = args.clone();
          wrapped[0] = handler(method.getParameterTypes()[0], args[0], s, proxy);
          forward(delegate, method, wrapped);
          return proxy;
        }
        break;
      case "onCompleteFuture":
        if (arity == 0 && CompletableFuture.class.isAssignableFrom(method.getReturnType())) {
          return ((CompletableFuture<?>) forward(delegate, method, args)).whenComplete((v, e) -> s.settle());
        }
        break;
      case "equals":
        if (arity == 1 && method.getParameterTypes()[0] == Object.class) {
          return proxy == args[0];
        }
        break;
      case "hashCode":
        if (arity == 0) {
          return System.identityHashCode(proxy);
        }
        break;
      case "toString":
        if (arity == 0) {
          return "Guarded[" + delegate + "]";
        }
        break;
      default:
        break;
    }
    return forward(delegate, method, args);
  }

  /**
   * Wraps an async stream's handler: each chunk is seen first, the settlement precedes completion.
   * The wrapper holds {@code owner}, the guarded stream its cleaner waits on, for as long as the SDK
   * holds the handler: a caller that keeps only the future ({@code subscribe(h).onCompleteFuture()})
   * no longer holds the guarded stream, which a GC then settled while the SDK still delivered chunks.
   */
  private static Object handler(Class<?> type, Object handler, StreamSettlement<Object> s, Object owner) {
    Objects.requireNonNull(handler, "handler");
    InvocationHandler h = (p, method, args) -> {
      Reference.reachabilityFence(owner);
      int arity = args == null ? 0 : args.length;
      if (method.getName().equals("onNext") && arity == 1) {
        s.onChunk(args[0]);
      } else if (method.getName().equals("onComplete") && arity == 1) {
        s.settle();
      } else if (method.getDeclaringClass() == Object.class) {
        switch (method.getName()) {
          case "equals":
            return p == args[0];
          case "hashCode":
            return System.identityHashCode(p);
          default:
            return "Guarded[" + handler + "]";
        }
      }
      return forward(handler, method, args);
    };
    return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
  }

  /**
   * The SDK stream's chunks, each seen by the settlement before the user's pipeline, and the
   * settlement at their end (the blocking stream read to its last chunk) or when reading them fails. Not sized, so that no
   * terminal operation (such as {@code count()}) skips the chunks; not split.
   */
  private static final class SettlingSpliterator<T> implements Spliterator<T> {

    private final Spliterator<T> chunks;
    private final StreamSettlement<Object> settlement;
    /**
     * The guarded SDK stream whose cleaner settles these chunks, or {@code null}: kept reachable while
     * the chunks are (a caller may hold {@code guarded.stream()} and drop {@code guarded}).
     */
    private final Object owner;

    SettlingSpliterator(Spliterator<T> chunks, StreamSettlement<Object> settlement, Object owner) {
      this.chunks = chunks;
      this.settlement = settlement;
      this.owner = owner;
    }

    void settle() {
      settlement.settle();
    }

    @Override
    public boolean tryAdvance(Consumer<? super T> action) {
      boolean more;
      try {
        more = chunks.tryAdvance(c -> {
          settlement.onChunk(c);
          action.accept(c);
        });
      } catch (Throwable t) {
        // The SDK failed mid-stream (or the reader did, ending the pipeline): settled now, not when
        // a GC collects a stream its reader did not close.
        settlement.settle();
        throw t;
      }
      if (!more) {
        settlement.settle();
      }
      return more;
    }

    @Override
    public void forEachRemaining(Consumer<? super T> action) {
      try {
        chunks.forEachRemaining(c -> {
          settlement.onChunk(c);
          action.accept(c);
        });
      } finally {
        settlement.settle();
      }
    }

    @Override
    public Spliterator<T> trySplit() {
      return null;
    }

    @Override
    public long estimateSize() {
      return chunks.estimateSize();
    }

    @Override
    public int characteristics() {
      return chunks.characteristics() & ~(SIZED | SUBSIZED);
    }
  }

  private static Object forward(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
