package dev.runaway.providers.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.providers.internal.Money;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Token prices of one LLM provider, in US dollars per million tokens: the one table format shared
 * by the OpenAI, Anthropic, Gemini and Bedrock extractors, each entry with its source and date.
 *
 * <p>The JSON format (the bundled tables {@code dev/runaway/providers/llm/<provider>-prices.json}
 * use it, and so can a file of your own):
 * <pre>{@code
 * {
 *   "provider": "anthropic",
 *   "source": "https://...", "as_of": "2026-12-05",        // defaults for entries without their own
 *   "service_tiers": {"batch": 0.5},                         // price multipliers by service tier
 *   "models": {
 *     "claude-sonnet-4-5": {
 *       "input_per_1m_usd": 3, "output_per_1m_usd": 15,
 *       "cached_input_per_1m_usd": 0.3,                      // cache reads; absent = the input price
 *       "cache_write_per_1m_usd": 3.75,                      // 5-minute cache writes; absent = input
 *       "cache_write_1h_per_1m_usd": 6,                      // 1-hour cache writes; absent = 5-minute price
 *       "long_context": {"above_input_tokens": 200000, "input_per_1m_usd": 6, "output_per_1m_usd": 22.5},
 *       "source": "https://...", "as_of": "2026-12-05"
 *     }
 *   }
 * }
 * }</pre>
 * OpenAI's table ({@code above_272k_input_tokens}) is read as a long-context tier above 272,000
 * input tokens.
 *
 * <p>A model id is looked up as is, then by its family: the longest listed id that the model id
 * starts with, when all that follows it is snapshot qualifiers, each after a {@code -}, {@code @},
 * {@code :} or {@code .}: a date or revision of two or more digits ({@code 20250929},
 * {@code 09-2025}, {@code 001}), {@code latest}, {@code preview}, {@code exp}, {@code experimental},
 * a version ({@code v1}, {@code v2:0}) or a context size ({@code 200k}). So
 * {@code claude-sonnet-4-5-20250929}, {@code claude-sonnet-4-5@20250929},
 * {@code anthropic.claude-sonnet-4-5-20250929-v1:0} and {@code gemini-2.5-flash-lite-preview-09-2025}
 * are priced as their family, while a model the table does not list is unknown even when a listed id
 * starts it: {@code claude-sonnet-5-5} is not priced as {@code claude-sonnet-5} (a newer version
 * can cost more), nor {@code gemini-2.5-flash-image} as {@code gemini-2.5-flash} (its image output
 * costs more than text). An unknown model is never priced by a guess: the extractors then charge
 * the reservation's estimate, or without one an upper bound (see their javadoc), and say so once.
 * Override prices in code with {@link #withModel} or
 * {@link #withOverrides}, or from a file in the same format with {@link #load(Path)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenPrices {

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final int LOOKUP_CACHE_LIMIT = 4096;
  /**
   * What may follow a family's id in a snapshot's id: dates and revisions (two or more digits,
   * never a one-digit minor version), {@code latest}/{@code preview}/{@code exp}, Bedrock's
   * {@code v1:0} and context sizes such as {@code 200k}.
   */
  private static final Pattern SNAPSHOT_QUALIFIERS =
      Pattern.compile("(?:[-@:.](?:\\d{2,}|latest|preview|exp|experimental|v\\d+(?::\\d+)?|\\d+k))+");
  private static final Map<String, TokenPrices> BUNDLED = new ConcurrentHashMap<>();

  private final String provider;
  private final Map<String, ModelPrice> models;
  private final Map<String, BigDecimal> tierMultipliers;
  private final Map<String, Optional<Map.Entry<String, ModelPrice>>> lookups = new ConcurrentHashMap<>();

  /**
   * Prices of one model, in US dollars per million tokens.
   *
   * @param input fresh (uncached) input tokens
   * @param output output tokens, reasoning or thinking tokens included
   * @param cacheRead input tokens read from a cache, or {@code null} for the input price
   * @param cacheWrite input tokens written to a cache (Anthropic: the 5-minute cache), or
   *     {@code null} for the input price
   * @param cacheWrite1h input tokens written to a 1-hour cache, or {@code null} for the
   *     {@code cacheWrite} price
   * @param longContextAbove the request's input token count above which {@code longContext}
   *     applies to the whole request; 0 when there is no long-context tier
   * @param longContext the prices of a request above the threshold, or {@code null}
   * @param source where the prices were read
   * @param asOf when they were read (a date)
   */
  public record ModelPrice(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite,
      BigDecimal cacheWrite1h, long longContextAbove, ModelPrice longContext, String source, String asOf) {

    /** Validates the prices. */
    public ModelPrice {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      check("input", input);
      check("output", output);
      check("cacheRead", cacheRead);
      check("cacheWrite", cacheWrite);
      check("cacheWrite1h", cacheWrite1h);
      if (longContextAbove < 0) {
        throw new IllegalArgumentException("longContextAbove must be zero or more, got " + longContextAbove);
      }
      if ((longContext == null) != (longContextAbove == 0)) {
        throw new IllegalArgumentException("longContext and longContextAbove must be given together, got "
            + longContextAbove + " and " + longContext);
      }
      source = source == null ? "" : source;
      asOf = asOf == null ? "" : asOf;
    }

    private static void check(String field, BigDecimal p) {
      if (p != null && p.signum() < 0) {
        throw new IllegalArgumentException(field + " price must be zero or more, got " + p.toPlainString());
      }
    }

    /**
     * Creates prices with input and output only (cached and cache-write tokens at the input price).
     *
     * @param input USD per million input tokens, such as {@code "3"}
     * @param output USD per million output tokens
     * @return the prices
     */
    public static ModelPrice of(String input, String output) {
      return new ModelPrice(new BigDecimal(input), new BigDecimal(output), null, null, null, 0, null, "code", "");
    }

    /**
     * Returns a copy with a cache-read price.
     *
     * @param usdPerMillion USD per million cached input tokens
     * @return the prices
     */
    public ModelPrice withCacheRead(String usdPerMillion) {
      return new ModelPrice(input, output, new BigDecimal(usdPerMillion), cacheWrite, cacheWrite1h, longContextAbove,
          longContext, source, asOf);
    }

    /**
     * Returns a copy with cache-write prices.
     *
     * @param fiveMinutes USD per million tokens written to the (5-minute) cache
     * @param oneHour USD per million tokens written to a 1-hour cache, or {@code null}
     * @return the prices
     */
    public ModelPrice withCacheWrite(String fiveMinutes, String oneHour) {
      return new ModelPrice(input, output, cacheRead, new BigDecimal(fiveMinutes),
          oneHour == null ? null : new BigDecimal(oneHour), longContextAbove, longContext, source, asOf);
    }

    /**
     * Returns a copy with a long-context tier.
     *
     * @param aboveInputTokens the threshold on a request's input tokens
     * @param prices the prices of a request above it
     * @return the prices
     */
    public ModelPrice withLongContext(long aboveInputTokens, ModelPrice prices) {
      return new ModelPrice(input, output, cacheRead, cacheWrite, cacheWrite1h, aboveInputTokens,
          Objects.requireNonNull(prices, "prices"), source, asOf);
    }

    /**
     * Returns the cost of one request's usage at these prices (the long-context tier when the
     * request's input is above its threshold), before any service-tier multiplier.
     *
     * @param usage the usage
     * @return the cost
     */
    public Cost cost(LlmUsage usage) {
      return Money.usd(usd(usage));
    }

    BigDecimal usd(LlmUsage usage) {
      ModelPrice p = longContext != null && usage.promptTokens() > longContextAbove ? longContext : this;
      BigDecimal read = p.cacheRead != null ? p.cacheRead : p.input;
      BigDecimal write = p.cacheWrite != null ? p.cacheWrite : p.input;
      BigDecimal write1h = p.cacheWrite1h != null ? p.cacheWrite1h : write;
      BigDecimal usd = p.input.multiply(BigDecimal.valueOf(usage.inputTokens()))
          .add(read.multiply(BigDecimal.valueOf(usage.cacheReadTokens())))
          .add(write.multiply(BigDecimal.valueOf(usage.cacheWriteTokens())))
          .add(write1h.multiply(BigDecimal.valueOf(usage.cacheWrite1hTokens())))
          .add(p.output.multiply(BigDecimal.valueOf(usage.outputTokens())));
      return usd.divide(MILLION);
    }
  }

  private TokenPrices(String provider, Map<String, ModelPrice> models, Map<String, BigDecimal> tiers) {
    this.provider = provider;
    this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    this.tierMultipliers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers));
  }

  /**
   * Returns a bundled table: {@code openai}, {@code anthropic}, {@code gemini} or {@code bedrock}.
   *
   * @param provider the provider
   * @return the prices
   * @throws IllegalArgumentException if no table is bundled for the provider
   */
  public static TokenPrices bundled(String provider) {
    Objects.requireNonNull(provider, "provider");
    return BUNDLED.computeIfAbsent(provider, TokenPrices::loadBundled);
  }

  private static TokenPrices loadBundled(String provider) {
    String name = provider.equals("openai") ? "/dev/runaway/providers/openai/openai-prices.json"
        : "/dev/runaway/providers/llm/" + provider + "-prices.json";
    try (InputStream in = TokenPrices.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no bundled price table for provider '" + provider
            + "'; bundled: openai, anthropic, gemini, bedrock");
      }
      return parse(provider, Json.MAPPER.readTree(in), name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a table in this class's JSON format from a file (prices of your own, or a newer copy).
   *
   * @param file the file
   * @return the prices
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a valid table (the message names the model and field)
   */
  public static TokenPrices load(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    return parse(null, Json.MAPPER.readTree(Files.readString(file)), file.toString());
  }

  /**
   * Reads a table in this class's JSON format.
   *
   * @param json the JSON text
   * @return the prices
   * @throws IllegalArgumentException if it is not a valid table
   */
  public static TokenPrices parse(String json) {
    Objects.requireNonNull(json, "json");
    try {
      return parse(null, Json.MAPPER.readTree(json), "JSON text");
    } catch (IOException e) {
      throw new IllegalArgumentException("price table is not valid JSON: " + e.getMessage());
    }
  }

  private static TokenPrices parse(String provider, JsonNode root, String where) {
    if (!root.path("models").isObject()) {
      throw new IllegalArgumentException(where + ": a price table needs a \"models\" object");
    }
    String source = root.path("source_url").asText(root.path("source").asText(""));
    String asOf = root.path("as_of").asText("");
    Map<String, ModelPrice> models = new LinkedHashMap<>();
    root.path("models").properties().forEach(e -> models.put(e.getKey(),
        model(e.getValue(), where + ": models." + e.getKey(), source, asOf)));
    root.path("local_additions").path("models").properties().forEach(e -> models.put(e.getKey(),
        model(e.getValue(), where + ": local_additions.models." + e.getKey(), source, asOf)));
    Map<String, BigDecimal> tiers = new LinkedHashMap<>();
    root.path("service_tiers").properties().forEach(e -> {
      if (!e.getValue().isNumber() || e.getValue().decimalValue().signum() < 0) {
        throw new IllegalArgumentException(where + ": service_tiers." + e.getKey()
            + " must be a multiplier of zero or more, got " + e.getValue());
      }
      tiers.put(e.getKey(), e.getValue().decimalValue());
    });
    return new TokenPrices(provider != null ? provider : root.path("provider").asText(""), models, tiers);
  }

  private static ModelPrice model(JsonNode n, String path, String source, String asOf) {
    String src = n.path("source").asText(source);
    String date = n.path("as_of").asText(asOf);
    long above = 0;
    ModelPrice longContext = null;
    if (n.path("long_context").isObject()) {
      JsonNode lc = n.path("long_context");
      above = lc.path("above_input_tokens").asLong(0);
      if (above <= 0) {
        throw new IllegalArgumentException(path + ".long_context.above_input_tokens must be a positive token count, got "
            + lc.path("above_input_tokens"));
      }
      longContext = model(lc, path + ".long_context", src, date);
    } else if (n.path("above_272k_input_tokens").isObject()) {
      above = 272_000;
      longContext = model(n.path("above_272k_input_tokens"), path + ".above_272k_input_tokens", src, date);
    }
    return new ModelPrice(required(n, "input_per_1m_usd", path), required(n, "output_per_1m_usd", path),
        optional(n, "cached_input_per_1m_usd", path), optional(n, "cache_write_per_1m_usd", path),
        optional(n, "cache_write_1h_per_1m_usd", path), above, longContext, src, date);
  }

  private static BigDecimal required(JsonNode n, String field, String path) {
    JsonNode v = n.path(field);
    if (!v.isNumber()) {
      throw new IllegalArgumentException(path + "." + field + " must be a number of USD per million tokens, got "
          + (v.isMissingNode() ? "nothing" : v.toString()));
    }
    return optional(n, field, path);
  }

  private static BigDecimal optional(JsonNode n, String field, String path) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw new IllegalArgumentException(path + "." + field + " must be zero or more USD per million tokens, got " + v);
    }
    return v.decimalValue();
  }

  /**
   * Returns a table with one model added or replaced.
   *
   * @param modelId the model id or family, such as {@code claude-sonnet-4-5}
   * @param price its prices
   * @return the new table
   */
  public TokenPrices withModel(String modelId, ModelPrice price) {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(price, "price");
    if (modelId.isBlank()) {
      throw new IllegalArgumentException("modelId must not be blank");
    }
    Map<String, ModelPrice> m = new LinkedHashMap<>(models);
    m.put(modelId, price);
    return new TokenPrices(provider, m, tierMultipliers);
  }

  /**
   * Returns a table with every model and service tier of {@code overrides} added or replaced.
   *
   * @param overrides prices that win
   * @return the new table
   */
  public TokenPrices withOverrides(TokenPrices overrides) {
    Objects.requireNonNull(overrides, "overrides");
    Map<String, ModelPrice> m = new LinkedHashMap<>(models);
    m.putAll(overrides.models);
    Map<String, BigDecimal> t = new LinkedHashMap<>(tierMultipliers);
    t.putAll(overrides.tierMultipliers);
    return new TokenPrices(provider, m, t);
  }

  /**
   * Finds a model's prices: the exact id, else its family (the longest listed id it starts with,
   * followed only by snapshot qualifiers; see the class javadoc).
   *
   * @param modelId the model id a response names
   * @return the prices, or empty for an unknown model
   */
  public Optional<ModelPrice> find(String modelId) {
    return findEntry(modelId).map(Map.Entry::getValue);
  }

  /**
   * Finds a model's listed id and prices.
   *
   * @param modelId the model id a response names
   * @return the listed id and its prices, or empty for an unknown model
   */
  public Optional<Map.Entry<String, ModelPrice>> findEntry(String modelId) {
    if (modelId == null || modelId.isEmpty()) {
      return Optional.empty();
    }
    Optional<Map.Entry<String, ModelPrice>> cached = lookups.get(modelId);
    if (cached != null) {
      return cached;
    }
    Optional<Map.Entry<String, ModelPrice>> found = resolve(modelId);
    if (lookups.size() < LOOKUP_CACHE_LIMIT) {
      lookups.put(modelId, found);
    }
    return found;
  }

  private Optional<Map.Entry<String, ModelPrice>> resolve(String id) {
    String bare = id.startsWith("models/") ? id.substring("models/".length()) : id;
    ModelPrice exact = models.get(bare);
    if (exact != null) {
      return Optional.of(Map.entry(bare, exact));
    }
    String best = null;
    for (String key : models.keySet()) {
      if (bare.length() > key.length() && bare.startsWith(key) && (best == null || key.length() > best.length())
          && SNAPSHOT_QUALIFIERS.matcher(bare).region(key.length(), bare.length()).matches()) {
        best = key;
      }
    }
    return best == null ? Optional.empty() : Optional.of(Map.entry(best, models.get(best)));
  }

  /**
   * Returns the cost of one request's usage: its model's prices (long-context tier included)
   * times the multiplier of its service tier (1 for a tier the table does not list).
   *
   * @param usage the usage
   * @return the cost, or empty when the model is not in the table
   */
  public Optional<Cost> cost(LlmUsage usage) {
    Objects.requireNonNull(usage, "usage");
    Optional<ModelPrice> p = find(usage.model());
    if (p.isEmpty()) {
      return Optional.empty();
    }
    BigDecimal usd = p.get().usd(usage);
    BigDecimal m = usage.serviceTier() == null ? null : tierMultipliers.get(usage.serviceTier());
    return Optional.of(Money.usd(m == null ? usd : usd.multiply(m)));
  }

  /**
   * Returns the provider the table is for ({@code ""} when a loaded file names none).
   *
   * @return the provider
   */
  public String provider() {
    return provider;
  }

  /**
   * Returns every listed model.
   *
   * @return the models, unmodifiable
   */
  public Map<String, ModelPrice> models() {
    return models;
  }

  /**
   * Returns the price multipliers by service tier (such as {@code batch} = 0.5).
   *
   * @return the multipliers, unmodifiable
   */
  public Map<String, BigDecimal> serviceTiers() {
    return tierMultipliers;
  }

  @Override
  public String toString() {
    return "TokenPrices[" + provider + ", " + models.size() + " models]";
  }
}
