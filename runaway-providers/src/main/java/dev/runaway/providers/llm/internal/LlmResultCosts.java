package dev.runaway.providers.llm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.gemini.GeminiCosts;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.providers.openai.OpenAiCosts;
import java.io.IOException;
import java.util.Map;

/**
 * The cost extractor that {@code runaway-providers} registers with {@link java.util.ServiceLoader}
 * (in {@code META-INF/services/dev.runaway.CostExtractor}): the guard prices with it the results of
 * a service that has budgets but neither a cost extractor nor an estimate, which would otherwise
 * be charged $0.
 *
 * <p>It hands a result to the extractor of the SDK that made it, by the result's package
 * ({@code com.openai.} to {@link OpenAiCosts}, {@code com.anthropic.} to {@link AnthropicCosts},
 * {@code com.google.genai.} to {@link GeminiCosts}), and a JSON body (a {@code String} starting
 * with <code>{</code>, a Jackson {@code JsonNode} or a {@code Map}) that carries usage to the one its
 * model names ({@code claude...} Anthropic, {@code gemini...} or a {@code usageMetadata} object
 * Gemini, any other OpenAI). Anything else (the reply's text, another service's objects) is not an
 * LLM response: it returns {@code null} in silence, and the guard then says once that such calls are
 * charged $0. Bedrock's responses do not name their model, so they are not priced here
 * ({@code BedrockCosts.extractor(modelId)} prices them).
 *
 * <p>Thread-safe; the bundled tables are read once.
 */
public final class LlmResultCosts implements CostExtractor {

  private final CostExtractor openAi = OpenAiCosts.extractor();
  private final CostExtractor anthropic = AnthropicCosts.extractor();
  private final CostExtractor gemini = GeminiCosts.extractor();

  /** Creates the extractor; {@link java.util.ServiceLoader} calls it. */
  public LlmResultCosts() {}

  @Override
  public Cost costOf(Object result) {
    Object r = readable(result);
    CostExtractor x = extractorOf(r);
    return x == null ? null : x.costOf(r);
  }

  @Override
  public Cost upperBoundOf(Object result) {
    Object r = readable(result);
    CostExtractor x = extractorOf(r);
    return x == null ? null : x.upperBoundOf(r);
  }

  @Override
  public Object settleLater(Object result, dev.runaway.PendingCost cost) {
    CostExtractor x = extractorOf(result);
    return x == null ? null : x.settleLater(result, cost);
  }

  /**
   * The result as its extractor reads it: a JSON body parsed once here (the extractors read a
   * {@code JsonNode} as they read its text), anything else as it is; {@code null} for text or a
   * map that is no JSON object.
   */
  private static Object readable(Object result) {
    return result instanceof CharSequence || result instanceof Map || result instanceof JsonNode ? jsonOf(result)
        : result;
  }

  /** The extractor of the SDK or the JSON body that made {@code result} (see {@link #readable}), or {@code null}. */
  CostExtractor extractorOf(Object result) {
    if (result == null) {
      return null;
    }
    if (!(result instanceof JsonNode body)) {
      String type = result.getClass().getName();
      return type.startsWith("com.openai.") ? openAi : type.startsWith("com.anthropic.") ? anthropic
          : type.startsWith("com.google.genai.") ? gemini : null;
    }
    JsonNode inner = body.path("response").isObject() ? body.path("response")
        : body.path("message").isObject() ? body.path("message") : body;
    if (inner.path("usageMetadata").isObject()) {
      return gemini;
    }
    if (!inner.path("usage").isObject()) {
      return null;
    }
    String model = inner.path("model").asText("");
    if (model.startsWith("claude")) {
      return anthropic;
    }
    return model.startsWith("gemini") ? gemini : openAi;
  }

  /** A JSON object the result is or holds, or {@code null}. */
  private static JsonNode jsonOf(Object result) {
    try {
      if (result instanceof JsonNode n) {
        return n.isObject() ? n : null;
      }
      if (result instanceof Map<?, ?> m) {
        return Json.MAPPER.valueToTree(m);
      }
      if (result instanceof CharSequence s) {
        String text = s.toString().strip();
        return text.startsWith("{") ? Json.MAPPER.readTree(text) : null;
      }
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
    return null;
  }

  @Override
  public String toString() {
    return "LlmResultCosts (runaway-providers: OpenAI, Anthropic and Gemini responses by their bundled price tables)";
  }
}
