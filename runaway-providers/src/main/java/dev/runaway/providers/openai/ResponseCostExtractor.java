package dev.runaway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.providers.llm.internal.QuietCostExtractor;
import dev.runaway.providers.llm.internal.UnpricedStreams;
import dev.runaway.providers.llm.internal.Unreadable;
import dev.runaway.internal.WarnOnce;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices an OpenAI result: an SDK object read by reflection, or a JSON body.
 *
 * <p>Thread-safe.
 */
final class ResponseCostExtractor implements QuietCostExtractor {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseCostExtractor.class);

  private final OpenAiPrices prices;
  private final WarnOnce warnings = new WarnOnce(LOG);

  /**
   * Creates an extractor.
   *
   * @param prices the prices
   */
  public ResponseCostExtractor(OpenAiPrices prices) {
    this.prices = prices;
  }

  /**
   * One call's usage.
   *
   * @param model the model id
   * @param input all input tokens
   * @param cached cached input tokens
   * @param cacheWrite input tokens written to the cache
   * @param output output tokens
   * @param serviceTier the {@code service_tier} the response names ({@code default}, {@code flex},
   *     {@code priority}, ...), or {@code null}
   * @param audioInput audio input tokens ({@code prompt_tokens_details.audio_tokens}), part of {@code input}
   * @param audioOutput audio output tokens ({@code completion_tokens_details.audio_tokens}), part of {@code output}
   * @param imageInput image input tokens ({@code prompt_tokens_details.image_tokens}), part of {@code input}
   */
  public record Usage(String model, long input, long cached, long cacheWrite, long output, String serviceTier,
      long audioInput, long audioOutput, long imageInput) {

    /**
     * Creates text-only usage in the standard tier.
     *
     * @param model the model id
     * @param input all input tokens
     * @param cached cached input tokens
     * @param cacheWrite input tokens written to the cache
     * @param output output tokens
     */
    public Usage(String model, long input, long cached, long cacheWrite, long output) {
      this(model, input, cached, cacheWrite, output, null, 0, 0, 0);
    }

    OpenAiPrices.Tokens tokens() {
      // Cached audio is not broken out per response: cached tokens are priced at the text cache rate.
      return new OpenAiPrices.Tokens(input, cached, cacheWrite, output, audioInput, 0, audioOutput, imageInput, 0, 0);
    }
  }

  @Override
  public Cost costOf(Object result) {
    return cost(result, true);
  }

  @Override
  public Cost costIfReadable(Object result) {
    return cost(result, false);
  }

  private Cost cost(Object result, boolean warn) {
    Usage usage = usageOf(result, warn);
    if (usage == null) {
      return null;
    }
    Optional<Cost> cost = prices.cost(usage.model(), usage.serviceTier(), usage.tokens(), true);
    if (cost.isEmpty() && !warn) {
      return null;
    }
    if (cost.isEmpty()) {
      warnings.warn("model:" + usage.model(), "OpenAiCosts has no price for model '{}' (prices as of {}); the "
          + "call's estimate is charged instead (a call that reserved none: its tokens at the dearest listed "
          + "model). Add it to the service's \"prices\" or OpenAiPrices.withModel", usage.model(), prices.asOf());
      return null;
    }
    return cost.get();
  }

  /**
   * The result's usage, or {@code null} when there is none or it cannot be read (said once per
   * type at WARN when {@code warn}: {@link #costOf} says it, {@link #upperBoundOf} comes after it).
   */
  private Usage usageOf(Object result, boolean warn) {
    if (result == null) {
      return null;
    }
    try {
      return read(result);
    } catch (RuntimeException e) {
      // A stream has no usage yet: guard.call hands it to settleLater, which prices it when its usage arrives.
      if (warn && !UnpricedStreams.isSdkStream(result)) {
        warnings.warn("read:" + result.getClass().getName(), "OpenAiCosts cannot read the usage of a {} ({}); "
            + "the call is charged as if there were no extractor: its estimate (a service without one: $0, which"
            + " the guard then warns about).{}", result.getClass().getName(), e.toString(),
            Unreadable.hint(result));
      }
      return null;
    }
  }

  /**
   * Bounds the cost of a result whose model the table lacks: its usage priced at every listed
   * model (in the result's service tier), the dearest of them. A result this cannot read, or one
   * without usage, has none.
   *
   * @param result the call's result
   * @return the bound, or {@code null}
   */
  @Override
  public Cost upperBoundOf(Object result) {
    Usage usage = usageOf(result, false);
    if (usage == null) {
      // A stream's usage comes after the call: see UnpricedStreams.
      return UnpricedStreams.isSdkStream(result)
          ? dearest(new Usage("(stream)", UnpricedStreams.INPUT_TOKENS, 0, 0, UnpricedStreams.OUTPUT_TOKENS)) : null;
    }
    return dearest(usage);
  }

  /**
   * Takes over an SDK stream returned from {@code guard.call}: see {@link OpenAiStreams#settleLater}.
   *
   * @param result the call's result
   * @param cost the call's pending charge
   * @return the guarded stream, or {@code null} for any other result
   */
  @Override
  public Object settleLater(Object result, dev.runaway.PendingCost cost) {
    return UnpricedStreams.isSdkStream(result) ? OpenAiStreams.settleLater(result, cost, this::priceSeen) : null;
  }

  /**
   * Prices tokens estimated from a chat stream that finished without usage: at {@code model} in
   * {@code tier}, or at the table's dearest model when it lacks it.
   */
  private Cost priceSeen(String model, String tier, long input, long output) {
    Usage usage = new Usage(model, input, 0, 0, output, tier, 0, 0, 0);
    return prices.cost(model, tier, usage.tokens(), true).orElseGet(() -> dearest(usage));
  }

  /** The usage priced at every listed model (in its service tier), the dearest of them; {@code null} for none. */
  private Cost dearest(Usage usage) {
    Cost max = null;
    for (String model : prices.models().keySet()) {
      Optional<Cost> c = prices.cost(model, usage.serviceTier(), usage.tokens(), true);
      if (c.isPresent() && (max == null || c.get().compareTo(max) > 0)) {
        max = c.get();
      }
    }
    return max;
  }

  /**
   * Reads the usage of a result.
   *
   * @param result an SDK object, JSON text, a JsonNode or a Map
   * @return the usage, or {@code null} if the result carries none (such as a streamed chunk)
   * @throws IllegalArgumentException if the result is of a type this extractor cannot read
   */
  public Usage read(Object result) {
    if (result instanceof JsonNode) {
      return fromJson((JsonNode) result);
    }
    if (result instanceof CharSequence) {
      try {
        return fromJson(Json.MAPPER.readTree(result.toString()));
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("the text is not a JSON body of an OpenAI response");
      }
    }
    if (result instanceof Map) {
      return fromJson(Json.MAPPER.valueToTree(result));
    }
    return fromSdk(result);
  }

  static Usage fromJson(JsonNode body) {
    JsonNode n = body;
    if (n.path("response").isObject() && n.path("type").asText().startsWith("response.")) {
      n = n.path("response");
    }
    JsonNode usage = n.path("usage");
    if (!usage.isObject()) {
      if (n.has("usage") || n.path("object").asText().startsWith("chat.completion") || n.has("model")) {
        return null;
      }
      throw new IllegalArgumentException("the JSON has no 'usage' object");
    }
    String model = n.path("model").asText("");
    String tier = n.path("service_tier").isTextual() ? n.path("service_tier").asText() : null;
    if (usage.has("prompt_tokens")) {
      JsonNode details = usage.path("prompt_tokens_details");
      JsonNode out = usage.path("completion_tokens_details");
      return new Usage(model, usage.path("prompt_tokens").asLong(), details.path("cached_tokens").asLong(),
          details.path("cache_write_tokens").asLong(), usage.path("completion_tokens").asLong(), tier,
          details.path("audio_tokens").asLong(), out.path("audio_tokens").asLong(), details.path("image_tokens").asLong());
    }
    if (usage.has("input_tokens")) {
      JsonNode details = usage.path("input_tokens_details");
      return new Usage(model, usage.path("input_tokens").asLong(), details.path("cached_tokens").asLong(),
          details.path("cache_write_tokens").asLong(), usage.path("output_tokens").asLong(), tier, 0, 0, 0);
    }
    throw new IllegalArgumentException("the 'usage' object has neither prompt_tokens nor input_tokens");
  }

  private static Usage fromSdk(Object result) {
    Object usage = unwrap(call(result, "usage"));
    if (usage == NONE) {
      throw new IllegalArgumentException("it has no usage() accessor");
    }
    if (usage == null) {
      return null;
    }
    String model = modelName(unwrap(call(result, "model")));
    long input = longOf(usage, "promptTokens", "inputTokens");
    long output = Math.max(0, longOf(usage, "completionTokens", "outputTokens"));
    Object details = unwrap(call(usage, "promptTokensDetails"));
    if (details == NONE || details == null) {
      details = unwrap(call(usage, "inputTokensDetails"));
    }
    long cached = 0;
    long cacheWrite = 0;
    long audioIn = 0;
    long imageIn = 0;
    if (details != NONE && details != null) {
      cached = Math.max(0, longOf(details, "cachedTokens"));
      cacheWrite = Math.max(0, longOf(details, "cacheWriteTokens"));
      audioIn = Math.max(0, longOf(details, "audioTokens"));
      imageIn = Math.max(0, longOf(details, "imageTokens"));
    }
    long audioOut = 0;
    Object outDetails = unwrap(call(usage, "completionTokensDetails"));
    if (outDetails != NONE && outDetails != null) {
      audioOut = Math.max(0, longOf(outDetails, "audioTokens"));
    }
    if (input < 0) {
      throw new IllegalArgumentException("its usage has no promptTokens() or inputTokens()");
    }
    String tier = modelName(unwrap(call(result, "serviceTier")));
    return new Usage(model, input, cached, cacheWrite, output, tier.isEmpty() ? null : tier.toLowerCase(
        java.util.Locale.ROOT), audioIn, audioOut, imageIn);
  }

  /** Marks an absent accessor, as opposed to one that returned null. */
  private static final Object NONE = new Object();

  private static final ClassValue<Map<String, Optional<Method>>> METHODS = new ClassValue<>() {
    @Override
    protected Map<String, Optional<Method>> computeValue(Class<?> type) {
      return new java.util.concurrent.ConcurrentHashMap<>();
    }
  };

  private static Object call(Object target, String name) {
    Optional<Method> m = METHODS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n));
    if (m.isEmpty()) {
      return NONE;
    }
    try {
      return m.get().invoke(target);
    } catch (IllegalAccessException e) {
      return NONE;
    } catch (InvocationTargetException e) {
      // An SDK accessor throws when a field is absent or of another variant.
      return null;
    }
  }

  private static Optional<Method> find(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Method m = c.getMethod(name);
        if (Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
          return Optional.of(m);
        }
      } catch (NoSuchMethodException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static Object unwrap(Object v) {
    if (v instanceof Optional) {
      return ((Optional<?>) v).orElse(null);
    }
    return v;
  }

  private static long longOf(Object target, String... names) {
    for (String n : names) {
      Object v = unwrap(call(target, n));
      if (v instanceof Number) {
        return ((Number) v).longValue();
      }
    }
    return names.length > 1 ? -1 : 0;
  }

  /** Reads a model id from a String or an SDK union such as {@code ResponsesModel}. */
  static String modelName(Object model) {
    if (model == null || model == NONE) {
      return "";
    }
    if (model instanceof CharSequence) {
      return model.toString();
    }
    for (String accessor : new String[] {"string", "asString", "chat", "only", "value"}) {
      Object v = unwrap(call(model, accessor));
      if (v instanceof CharSequence) {
        return v.toString();
      }
      if (v != null && v != NONE && v != model) {
        String inner = modelName(v);
        if (!inner.isEmpty()) {
          return inner;
        }
      }
    }
    String s = model.toString();
    return s.matches("[A-Za-z0-9._:-]+") ? s : "";
  }
}
