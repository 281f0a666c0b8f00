package dev.runaway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.providers.internal.Money;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * OpenAI's token prices by model, in US dollars per million tokens: the table bundled as
 * {@code dev/runaway/providers/openai/openai-prices.json} (built from the project's
 * {@code openai-prices.json}, which names its source and date), optionally with models added or
 * replaced.
 *
 * <p>A model id is looked up as is first; a dated snapshot that is not listed is priced by its
 * family ({@code gpt-4o-mini-2024-07-18} as {@code gpt-4o-mini}, {@code gpt-4-0613} as
 * {@code gpt-4}). Fine-tuned models ({@code ft:...}) are not mapped to their base, whose price
 * differs.
 *
 * <p><b>Service tiers.</b> A {@code service_tier} of {@code flex} or {@code priority} is priced
 * from the table's {@code service_tiers} section: a model listed there for the tier has its own
 * prices (OpenAI publishes priority prices per model); otherwise the section's factor applies to
 * the standard price ({@code flex} x0.5, as OpenAI sells Flex at half the standard rate;
 * {@code priority} x2, an upper bound so an unlisted priority model is never under-counted).
 * Other tiers ({@code default}, {@code auto}, {@code scale}, none) are priced at standard rates.
 *
 * <p><b>Modalities.</b> Audio and image tokens are priced from the model's {@code audio} and
 * {@code image} prices when the table lists them (realtime and audio models); a model with none is
 * priced at its text rates.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenAiPrices {

  private static final Pattern DATED = Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$");
  private static final Pattern MMDD = Pattern.compile("-\\d{4}$");
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final int LOOKUP_CACHE_LIMIT = 4096;
  private static volatile OpenAiPrices bundled;

  private final Map<String, ModelPrice> models;
  private final Map<String, Map<String, ModelPrice>> modalities;
  private final Map<String, Map<String, ModelPrice>> tiers;
  private final Map<String, BigDecimal> tierFactors;
  private final String source;
  private final String asOf;
  private final Map<String, Optional<ModelPrice>> lookups = new ConcurrentHashMap<>();

  /**
   * Prices of one model, in US dollars per million tokens.
   *
   * @param input uncached input tokens
   * @param cachedInput cached input tokens, or {@code null} when no discount is listed (then the
   *     input price applies)
   * @param output output tokens, reasoning tokens included
   * @param cacheWrite input tokens written to the cache, or {@code null} (then the input price applies)
   * @param longContext the prices for a request whose input exceeds 272k tokens, or {@code null}
   */
  public record ModelPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output, BigDecimal cacheWrite,
      ModelPrice longContext) {

    /** Validates the prices. */
    public ModelPrice {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      for (BigDecimal p : new BigDecimal[] {input, cachedInput, output, cacheWrite}) {
        if (p != null && p.signum() < 0) {
          throw new IllegalArgumentException("prices must be zero or more, got " + p.toPlainString());
        }
      }
    }

    /**
     * Creates standard-tier prices.
     *
     * @param input USD per million input tokens
     * @param cachedInput USD per million cached input tokens, or {@code null}
     * @param output USD per million output tokens
     * @return the prices
     */
    public static ModelPrice of(String input, String cachedInput, String output) {
      return new ModelPrice(new BigDecimal(input), cachedInput == null ? null : new BigDecimal(cachedInput),
          new BigDecimal(output), null, null);
    }

    /**
     * Returns the cost of a request or of summed usage.
     *
     * @param inputTokens all input tokens, cached and cache writes included
     * @param cachedTokens input tokens read from the cache
     * @param cacheWriteTokens input tokens written to the cache
     * @param outputTokens output tokens, reasoning included
     * @param perRequest whether the counts are one request's, so the long-context tier may apply
     * @return the cost
     */
    public Cost cost(long inputTokens, long cachedTokens, long cacheWriteTokens, long outputTokens,
        boolean perRequest) {
      ModelPrice p = perRequest && longContext != null && inputTokens > 272_000 ? longContext : this;
      long cached = Math.max(0, Math.min(cachedTokens, inputTokens));
      long written = Math.max(0, Math.min(cacheWriteTokens, inputTokens - cached));
      long uncached = inputTokens - cached - written;
      BigDecimal usd = p.input.multiply(BigDecimal.valueOf(uncached))
          .add((p.cachedInput != null ? p.cachedInput : p.input).multiply(BigDecimal.valueOf(cached)))
          .add((p.cacheWrite != null ? p.cacheWrite : p.input).multiply(BigDecimal.valueOf(written)))
          .add(p.output.multiply(BigDecimal.valueOf(Math.max(0, outputTokens))));
      return Money.usd(usd.divide(MILLION));
    }
  }

  private OpenAiPrices(Map<String, ModelPrice> models, Map<String, Map<String, ModelPrice>> modalities,
      Map<String, Map<String, ModelPrice>> tiers, Map<String, BigDecimal> tierFactors, String source, String asOf) {
    this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    this.modalities = Map.copyOf(modalities);
    this.tiers = Map.copyOf(tiers);
    this.tierFactors = Map.copyOf(tierFactors);
    this.source = source;
    this.asOf = asOf;
  }

  /**
   * Returns the bundled table.
   *
   * @return the prices
   * @throws UncheckedIOException if the resource is missing from the jar
   */
  public static OpenAiPrices bundled() {
    OpenAiPrices b = bundled;
    if (b == null) {
      b = load();
      bundled = b;
    }
    return b;
  }

  private static OpenAiPrices load() {
    String name = "openai-prices.json";
    try (InputStream in = OpenAiPrices.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("resource " + name + " is missing next to "
            + OpenAiPrices.class.getName()));
      }
      JsonNode root = Json.MAPPER.readTree(in);
      Map<String, ModelPrice> models = new LinkedHashMap<>();
      Map<String, Map<String, ModelPrice>> modalities = new LinkedHashMap<>();
      for (JsonNode section : new JsonNode[] {root.path("models"), root.path("local_additions").path("models")}) {
        section.properties().forEach(e -> {
          models.put(e.getKey(), parse(e.getValue()));
          for (String modality : new String[] {"audio", "image"}) {
            if (e.getValue().path(modality).isObject()) {
              modalities.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(modality,
                  parse(e.getValue().path(modality)));
            }
          }
        });
      }
      Map<String, Map<String, ModelPrice>> tiers = new LinkedHashMap<>();
      Map<String, BigDecimal> factors = new LinkedHashMap<>();
      JsonNode st = root.path("local_additions").path("service_tiers");
      for (String tier : new String[] {"flex", "priority"}) {
        JsonNode t = st.path(tier);
        if (t.path("factor_when_unlisted").isNumber()) {
          factors.put(tier, t.path("factor_when_unlisted").decimalValue());
        }
        Map<String, ModelPrice> listed = new LinkedHashMap<>();
        t.path("models").properties().forEach(e -> listed.put(e.getKey(), parse(e.getValue())));
        tiers.put(tier, Map.copyOf(listed));
      }
      return new OpenAiPrices(models, modalities, tiers, factors, root.path("source_url").asText(
          root.path("source").asText()), root.path("as_of").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ModelPrice parse(JsonNode n) {
    JsonNode lc = n.path("above_272k_input_tokens");
    ModelPrice longContext = lc.isObject() ? new ModelPrice(lc.path("input_per_1m_usd").decimalValue(),
        decimal(lc.path("cached_input_per_1m_usd")), lc.path("output_per_1m_usd").decimalValue(),
        decimal(lc.path("cache_write_per_1m_usd")), null) : null;
    return new ModelPrice(n.path("input_per_1m_usd").decimalValue(), decimal(n.path("cached_input_per_1m_usd")),
        n.path("output_per_1m_usd").isNumber() ? n.path("output_per_1m_usd").decimalValue() : BigDecimal.ZERO, decimal(n.path("cache_write_per_1m_usd")), longContext);
  }

  private static BigDecimal decimal(JsonNode n) {
    return n.isNumber() ? n.decimalValue() : null;
  }

  /**
   * Returns a table with one model added or replaced.
   *
   * @param modelId the exact model id or family, such as {@code gpt-4o-mini}
   * @param price its prices
   * @return the new table
   */
  public OpenAiPrices withModel(String modelId, ModelPrice price) {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(price, "price");
    Map<String, ModelPrice> m = new LinkedHashMap<>(models);
    m.put(modelId, price);
    return new OpenAiPrices(m, modalities, tiers, tierFactors, source, asOf + " (with overrides)");
  }

  /**
   * Finds a model's text prices in a service tier: the tier's own listing for the model (exact id,
   * else family), else the standard price times the tier's factor; standard prices for
   * {@code default}, {@code auto}, {@code scale} or no tier.
   *
   * @param modelId the model id
   * @param serviceTier the {@code service_tier} a response or usage row names, or {@code null}
   * @return the prices, or empty for an unknown model
   */
  public Optional<ModelPrice> find(String modelId, String serviceTier) {
    Optional<ModelPrice> standard = find(modelId);
    if (standard.isEmpty() || serviceTier == null || !tiers.containsKey(serviceTier)) {
      return standard;
    }
    Map<String, ModelPrice> listed = tiers.get(serviceTier);
    ModelPrice own = listed.get(modelId);
    // A family's tier price fits a snapshot only when the snapshot has no standard price of its own.
    if (own == null && !modelId.startsWith("ft:") && !models.containsKey(modelId)) {
      for (Pattern suffix : new Pattern[] {DATED, MMDD}) {
        own = own != null ? own : listed.get(suffix.matcher(modelId).replaceFirst(""));
      }
    }
    if (own != null) {
      return Optional.of(own);
    }
    BigDecimal f = tierFactors.get(serviceTier);
    return f == null ? standard : Optional.of(scaled(standard.get(), f));
  }

  private static ModelPrice scaled(ModelPrice p, BigDecimal f) {
    return new ModelPrice(p.input().multiply(f), p.cachedInput() == null ? null : p.cachedInput().multiply(f),
        p.output().multiply(f), p.cacheWrite() == null ? null : p.cacheWrite().multiply(f),
        p.longContext() == null ? null : scaled(p.longContext(), f));
  }

  /**
   * Finds a model's prices for audio or image tokens (input, cached input, output).
   *
   * @param modelId the model id (exact, else family)
   * @param modality {@code audio} or {@code image}
   * @return the prices, or empty when the table lists none (the tokens are then priced as text)
   */
  public Optional<ModelPrice> modality(String modelId, String modality) {
    if (modelId == null || modelId.startsWith("ft:")) {
      return Optional.empty();
    }
    Map<String, ModelPrice> m = modalities.get(modelId);
    for (Pattern suffix : new Pattern[] {DATED, MMDD}) {
      m = m != null ? m : modalities.get(suffix.matcher(modelId).replaceFirst(""));
    }
    return m == null ? Optional.empty() : Optional.ofNullable(m.get(modality));
  }

  /**
   * Prices one request's or one usage row's tokens, modality by modality, in a service tier.
   * Audio and image counts are parts of the input and output counts, as OpenAI reports them.
   *
   * @param modelId the model id
   * @param serviceTier the service tier, or {@code null}
   * @param t the token counts
   * @param perRequest whether the counts are one request's (the long-context tier may apply)
   * @return the cost, or empty for an unknown model
   */
  public Optional<Cost> cost(String modelId, String serviceTier, Tokens t, boolean perRequest) {
    Optional<ModelPrice> text = find(modelId, serviceTier);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (t.audioInput() + t.audioOutput() + t.imageInput() + t.imageOutput() == 0) {
      return Optional.of(text.get().cost(t.input(), t.cached(), t.cacheWrite(), t.output(), perRequest));
    }
    long input = t.input();
    long cached = t.cached();
    long output = t.output();
    Cost extra = Cost.ZERO;
    long[][] parts = {{t.audioInput(), t.cachedAudioInput(), t.audioOutput()},
        {t.imageInput(), t.cachedImageInput(), t.imageOutput()}};
    String[] names = {"audio", "image"};
    for (int i = 0; i < names.length; i++) {
      Optional<ModelPrice> p = modality(modelId, names[i]);
      if (p.isEmpty()) {
        continue; // no price of its own: these tokens stay in the text counts
      }
      long in = Math.min(parts[i][0], input);
      long c = Math.min(parts[i][1], Math.min(in, cached));
      long out = Math.min(parts[i][2], output);
      extra = extra.plus(p.get().cost(in, c, 0, out, false));
      input -= in;
      cached -= c;
      output -= out;
    }
    return Optional.of(text.get().cost(input, cached, t.cacheWrite(), output, perRequest).plus(extra));
  }

  /**
   * Token counts of a request or a usage row. The audio and image counts are parts of
   * {@code input}, {@code cached} and {@code output}, as OpenAI reports them.
   *
   * @param input all input tokens
   * @param cached input tokens read from the cache, of every modality
   * @param cacheWrite input tokens written to the cache
   * @param output all output tokens
   * @param audioInput audio input tokens
   * @param cachedAudioInput cached audio input tokens
   * @param audioOutput audio output tokens
   * @param imageInput image input tokens
   * @param cachedImageInput cached image input tokens
   * @param imageOutput image output tokens
   */
  public record Tokens(long input, long cached, long cacheWrite, long output, long audioInput, long cachedAudioInput,
      long audioOutput, long imageInput, long cachedImageInput, long imageOutput) {

    /**
     * Creates text-only counts.
     *
     * @param input all input tokens
     * @param cached cached input tokens
     * @param cacheWrite input tokens written to the cache
     * @param output output tokens
     * @return the counts
     */
    public static Tokens text(long input, long cached, long cacheWrite, long output) {
      return new Tokens(input, cached, cacheWrite, output, 0, 0, 0, 0, 0, 0);
    }
  }

  /**
   * Returns a table with several models added or replaced, built once (calling
   * {@link #withModel} per model copies the whole table each time: quadratic in the number of
   * overrides).
   *
   * @param overrides model id or family to its prices, in order
   * @return the new table
   */
  public OpenAiPrices withModels(Map<String, ModelPrice> overrides) {
    Objects.requireNonNull(overrides, "overrides");
    if (overrides.isEmpty()) {
      return this;
    }
    Map<String, ModelPrice> m = new LinkedHashMap<>(models);
    overrides.forEach((id, price) -> m.put(Objects.requireNonNull(id, "modelId"),
        Objects.requireNonNull(price, "price")));
    return new OpenAiPrices(m, modalities, tiers, tierFactors, source, asOf + " (with overrides)");
  }

  /**
   * Finds a model's prices: the exact id, else its family with the date suffix removed.
   *
   * @param modelId the model id a response or usage row names
   * @return the prices, or empty for an unknown model
   */
  public Optional<ModelPrice> find(String modelId) {
    if (modelId == null || modelId.isEmpty()) {
      return Optional.empty();
    }
    Optional<ModelPrice> cached = lookups.get(modelId);
    if (cached != null) {
      return cached;
    }
    Optional<ModelPrice> found = resolve(modelId);
    if (lookups.size() < LOOKUP_CACHE_LIMIT) {
      lookups.put(modelId, found);
    }
    return found;
  }

  private Optional<ModelPrice> resolve(String id) {
    ModelPrice p = models.get(id);
    if (p != null) {
      return Optional.of(p);
    }
    if (id.startsWith("ft:")) {
      return Optional.empty();
    }
    for (Pattern suffix : new Pattern[] {DATED, MMDD}) {
      String family = suffix.matcher(id).replaceFirst("");
      if (!family.equals(id) && models.containsKey(family)) {
        return Optional.of(models.get(family));
      }
    }
    return Optional.empty();
  }

  /**
   * Returns every listed model id.
   *
   * @return the ids, unmodifiable
   */
  public Map<String, ModelPrice> models() {
    return models;
  }

  /**
   * Returns where the bundled prices come from.
   *
   * @return the source
   */
  public String source() {
    return source;
  }

  /**
   * Returns the date or version of the prices.
   *
   * @return the date
   */
  public String asOf() {
    return asOf;
  }

  @Override
  public String toString() {
    return "OpenAiPrices[" + models.size() + " models, as of " + asOf + "]";
  }
}
