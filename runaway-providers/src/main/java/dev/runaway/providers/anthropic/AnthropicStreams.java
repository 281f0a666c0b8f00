package dev.runaway.providers.anthropic;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageDeltaUsage;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.PendingCost;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.Sdk;
import dev.runaway.providers.llm.internal.GuardedSdkStreams;
import dev.runaway.providers.llm.internal.StreamSettlement;
import dev.runaway.providers.llm.internal.UnpricedStreams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Guarded streaming for the official {@code anthropic-java} SDK's Messages API.
 *
 * <pre>{@code
 * try (StreamResponse<RawMessageStreamEvent> s = AnthropicStreams.messages(guard.service("claude"),
 *         Cost.usd("0.05"), params, client.messages()::createStreaming)) {
 *   s.stream().forEach(event -> ...);          // every event unchanged
 * }
 * }</pre>
 *
 * <p>Reserves {@code estimate} before the request is sent (a refusal throws the guard's
 * {@code RunawayException} and sends nothing), passes every event through unchanged, and commits
 * on {@code message_stop} the usage of {@code message_start} updated by the cumulative usage of
 * the {@code message_delta} events, priced by the service's {@code CostExtractor}
 * ({@link AnthropicCosts#extractor()}). A stream closed early, failed mid-stream or dropped
 * unclosed is charged the larger of its reservation and the tokens seen so far (the input and
 * cache counts of {@code message_start}, and at least one output token per content delta) at the
 * bundled prices: never $0. A request that fails before a stream exists releases its reservation.
 *
 * <p>The returned streams are as thread-safe as the SDK's.
 */
public final class AnthropicStreams {

  private AnthropicStreams() {}

  /**
   * Streams a message under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request
   * @param start starts the stream, such as {@code client.messages()::createStreaming}
   * @return the guarded stream; close it (try-with-resources)
   */
  public static StreamResponse<RawMessageStreamEvent> messages(ServiceGuard guard, Cost estimate,
      MessageCreateParams params, Function<MessageCreateParams, StreamResponse<RawMessageStreamEvent>> start) {
    Objects.requireNonNull(params, "params");
    return GuardedSdkStreams.open(StreamResponse.class, guard, estimate, () -> start.apply(params),
        new Tracker(PARTIAL, false));
  }

  /**
   * Streams a message asynchronously under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request
   * @param start starts the stream, such as {@code client.async().messages()::createStreaming}
   * @return the guarded stream
   */
  public static AsyncStreamResponse<RawMessageStreamEvent> messagesAsync(ServiceGuard guard, Cost estimate,
      MessageCreateParams params, Function<MessageCreateParams, AsyncStreamResponse<RawMessageStreamEvent>> start) {
    Objects.requireNonNull(params, "params");
    return GuardedSdkStreams.open(AsyncStreamResponse.class, guard, estimate, () -> start.apply(params),
        new Tracker(PARTIAL, false));
  }

  /**
   * Takes over a stream returned from {@code guard.call} around {@code createStreaming} (blocking
   * or async), for {@link AnthropicCosts}' extractors ({@link CostExtractor#settleLater}): the
   * stream guarded as this class's streams are, settling {@code cost} from its usage.
   *
   * @param result the call's result
   * @param cost the call's pending charge
   * @return the guarded stream, or {@code null} when {@code result} is no stream of the SDK
   */
  static Object settleLater(Object result, PendingCost cost) {
    return GuardedSdkStreams.settleLater(result, cost, () -> new Tracker(PARTIAL, true), StreamResponse.class,
        AsyncStreamResponse.class);
  }

  private static final CostExtractor PARTIAL = AnthropicCosts.extractor(TokenPrices.bundled("anthropic"));

  /** message_start gives the input counts; message_delta's usage is cumulative; message_stop ends. */
  private static final class Tracker implements StreamSettlement.Tracker<RawMessageStreamEvent> {
    private final CostExtractor partialPrices;
    /** A stream from guard.call, whose reservation may be the per-stream amount at the table's dearest model. */
    private final boolean atModel;
    private volatile String model = "";
    private volatile long input;
    private volatile long cacheRead;
    private volatile long cacheWrite;
    private volatile long cacheWrite5m;
    private volatile long cacheWrite1h;
    private volatile long output;
    private volatile long deltas;
    private volatile String tier;
    private volatile boolean stopped;

    Tracker(CostExtractor partialPrices, boolean atModel) {
      this.partialPrices = partialPrices;
      this.atModel = atModel;
    }

    @Override
    public void onChunk(RawMessageStreamEvent e) {
      if (e.isMessageStart()) {
        Message m = e.asMessageStart().message();
        String id = Sdk.text(m, "model");
        model = id == null ? "" : id;
        var u = m.usage();
        input = u.inputTokens();
        cacheRead = u.cacheReadInputTokens().orElse(0L);
        cacheWrite = u.cacheCreationInputTokens().orElse(0L);
        u.cacheCreation().ifPresent(c -> {
          cacheWrite5m = c.ephemeral5mInputTokens();
          cacheWrite1h = c.ephemeral1hInputTokens();
        });
        output = u.outputTokens();
        tier = Sdk.text(u, "serviceTier");
      } else if (e.isContentBlockDelta()) {
        deltas++;
      } else if (e.isMessageDelta()) {
        MessageDeltaUsage u = e.asMessageDelta().usage();
        output = u.outputTokens();
        u.inputTokens().ifPresent(v -> input = v);
        u.cacheReadInputTokens().ifPresent(v -> cacheRead = v);
        u.cacheCreationInputTokens().ifPresent(v -> cacheWrite = v);
      } else if (e.isMessageStop()) {
        stopped = true;
      }
    }

    @Override
    public boolean complete() {
      return stopped;
    }

    @Override
    public Object finalResult() {
      return usageJson(output);
    }

    @Override
    public Cost finalCost() {
      return partialPrices.costOf(usageJson(output));
    }

    @Override
    public Cost partialCost() {
      return partialPrices.costOf(usageJson(Math.max(output, deltas)));
    }

    /**
     * For a stream returned from {@code guard.call}: its input as message_start gave it and at least
     * {@link UnpricedStreams#OUTPUT_TOKENS} output tokens, at its model, in place of a reservation
     * made before its model was known when that is less; {@code null} before message_start.
     */
    @Override
    public Cost endedEarlyCost() {
      if (!atModel || model.isEmpty()) {
        return null;
      }
      return partialPrices.costOf(usageJson(Math.max(UnpricedStreams.OUTPUT_TOKENS, Math.max(output, deltas))));
    }

    private Map<String, Object> usageJson(long outputTokens) {
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("input_tokens", input);
      usage.put("cache_read_input_tokens", cacheRead);
      usage.put("cache_creation_input_tokens", cacheWrite);
      if (cacheWrite5m + cacheWrite1h > 0) {
        usage.put("cache_creation", Map.of("ephemeral_5m_input_tokens", cacheWrite5m,
            "ephemeral_1h_input_tokens", cacheWrite1h));
      }
      usage.put("output_tokens", outputTokens);
      if (tier != null) {
        usage.put("service_tier", tier);
      }
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("type", "message");
      message.put("model", model);
      message.put("usage", usage);
      return message;
    }
  }
}
