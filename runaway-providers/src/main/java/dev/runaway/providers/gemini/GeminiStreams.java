package dev.runaway.providers.gemini;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.GuardedSdkStreams;
import dev.runaway.providers.llm.internal.Sdk;
import dev.runaway.providers.llm.internal.StreamSettlement;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Guarded streaming for Google's {@code google-genai} SDK ({@code generateContentStream}).
 *
 * <pre>{@code
 * try (Stream<GenerateContentResponse> s = GeminiStreams.generateContent(guard.service("gemini"),
 *         Cost.usd("0.01"), () -> client.models.generateContentStream("gemini-2.5-flash", prompt, null))) {
 *   s.forEach(chunk -> ...);                  // every chunk unchanged
 * }
 * }</pre>
 *
 * <p>Reserves {@code estimate} before the request is sent (a refusal throws the guard's
 * {@code RunawayException} and sends nothing), passes every chunk through unchanged, and commits
 * the {@code usageMetadata} of the last chunk that carried token counts once a chunk has finished
 * the answer (a candidate's {@code finishReason}; Gemini sends the totals with it), priced by the
 * service's {@code CostExtractor} ({@link GeminiCosts#extractor()}). The commit comes when the
 * stream is read to its end, fails, is closed, or is dropped unclosed, so a usage sent after the first
 * {@code finishReason} (several candidates) still counts. A stream closed early, failed mid-stream
 * or dropped before its answer finished is charged the larger of its reservation and the last token
 * counts it showed, at the bundled prices: never $0; one dropped unclosed also has the SDK's
 * stream (and its HTTP connection) closed once it is collected. A request that fails before a
 * stream exists releases its reservation.
 *
 * <p>The SDK's {@code ResponseStream} is a class, not an interface, so the guarded stream is a
 * {@link Stream} of its chunks rather than a {@code ResponseStream}: closing it closes the SDK's
 * stream. The SDK is not needed on this module's class path: the chunks are read through their
 * accessors ({@code usageMetadata()}, {@code candidates()}, {@code finishReason()}). A
 * {@code ResponseStream} returned from {@code guard.call} instead cannot be priced (see
 * {@link GeminiCosts}).
 *
 * <p>The returned stream is as thread-safe as a {@link Stream} is: read it from one thread.
 */
public final class GeminiStreams {

  private GeminiStreams() {}

  /**
   * Streams generated content under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param start starts the SDK's stream, such as
   *     {@code () -> client.models.generateContentStream(model, contents, config)}
   * @param <T> the chunk type, the SDK's {@code GenerateContentResponse}
   * @return the chunks, unchanged; close it (try-with-resources)
   */
  public static <T> Stream<T> generateContent(ServiceGuard guard, Cost estimate, Supplier<? extends Iterable<T>> start) {
    Objects.requireNonNull(guard, "guard");
    Objects.requireNonNull(estimate, "estimate");
    Objects.requireNonNull(start, "start");
    return GuardedSdkStreams.openIterable(guard, estimate, start, new Tracker<>(PARTIAL));
  }

  private static final CostExtractor PARTIAL = GeminiCosts.extractor(TokenPrices.bundled("gemini"));

  /** The last chunk with token counts, and whether a candidate finished before or with it. */
  private static final class Tracker<T> implements StreamSettlement.Tracker<T> {
    private final CostExtractor partialPrices;
    private volatile Object lastCounted;
    private volatile boolean finished;
    private volatile boolean countedWhenFinished;

    Tracker(CostExtractor partialPrices) {
      this.partialPrices = partialPrices;
    }

    @Override
    public void onChunk(T chunk) {
      Object meta = Sdk.get(chunk, "usageMetadata");
      boolean counted = Sdk.present(meta) && (Sdk.count(meta, "promptTokenCount") > 0
          || Sdk.count(meta, "candidatesTokenCount") > 0 || Sdk.count(meta, "totalTokenCount") > 0);
      if (counted) {
        lastCounted = chunk;
      }
      if (!finished && finishes(chunk)) {
        finished = true;
      }
      if (finished && counted) {
        countedWhenFinished = true;
      }
    }

    private static boolean finishes(Object chunk) {
      if (Sdk.get(chunk, "candidates") instanceof List<?> candidates) {
        for (Object c : candidates) {
          if (Sdk.present(Sdk.get(c, "finishReason"))) {
            return true;
          }
        }
      }
      return false;
    }

    @Override
    public boolean complete() {
      return countedWhenFinished;
    }

    @Override
    public boolean settlesOnChunk() {
      return false;
    }

    @Override
    public Object finalResult() {
      return lastCounted;
    }

    @Override
    public Cost partialCost() {
      Object last = lastCounted;
      return last == null ? null : partialPrices.costOf(last);
    }

    @Override
    public Cost finalCost() {
      return partialCost();
    }
  }
}
