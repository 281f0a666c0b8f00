package dev.runaway.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.Cost;
import dev.runaway.config.Secret;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.HttpDetector;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.providers.http.ApiResponse;
import dev.runaway.providers.http.Paginator;
import dev.runaway.config.SettingsReader;
import dev.runaway.providers.internal.Money;
import dev.runaway.internal.WarnOnce;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI detector; see {@link dev.runaway.providers.openai.OpenAiDetectorProvider} for what
 * it reads and how it counts.
 *
 * <p>Polls are never concurrent (the monitor's contract); the bucket memory is confined to them
 * and updated only when a poll succeeds.
 */
final class OpenAiDetector extends HttpDetector {

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiDetector.class);
  private static final long MINUTE = 60;
  private static final long HOUR = 3600;
  private static final long DAY = 86_400;
  private static final BigDecimal BATCH_FACTOR = new BigDecimal("0.5");
  private static final String RECONCILIATION = "costs_api.reconciliation";

  /** One usage endpoint: its path, what it may group by, and its metric fields with unit names. */
  private record Endpoint(String name, List<String> groupBy, Map<String, String> fields, boolean tokens,
      boolean gauge) {}

  static final Map<String, Endpoint> ENDPOINTS;

  static {
    Map<String, Endpoint> m = new LinkedHashMap<>();
    // Every token and request endpoint is also grouped by project and API key, so an alert can say
    // which one runs away (openai.md section 1.2: grouping keys on every token/request result).
    m.put("completions", new Endpoint("completions", List.of("model", "batch", "service_tier", "project_id",
        "api_key_id"), fields(
        "input_tokens", "tokens.input", "input_cached_tokens", "tokens.input_cached",
        "input_cache_write_tokens", "tokens.input_cache_write", "output_tokens", "tokens.output",
        "input_audio_tokens", "tokens.input_audio", "input_cached_audio_tokens", "tokens.input_cached_audio",
        "output_audio_tokens", "tokens.output_audio", "input_image_tokens", "tokens.input_image",
        "input_cached_image_tokens", "tokens.input_cached_image", "output_image_tokens", "tokens.output_image",
        "num_model_requests", "requests"), true, false));
    m.put("embeddings", new Endpoint("embeddings", List.of("model", "project_id", "api_key_id"), fields(
        "input_tokens", "tokens.input", "num_model_requests", "requests"), true, false));
    m.put("moderations", new Endpoint("moderations", List.of("model", "project_id", "api_key_id"), fields(
        "input_tokens", "tokens.moderation", "num_model_requests", "requests"), false, false));
    m.put("images", new Endpoint("images", List.of("model", "project_id", "api_key_id"), fields(
        "images", "images", "num_model_requests", "requests"), false, false));
    m.put("audio_speeches", new Endpoint("audio_speeches", List.of("model", "project_id", "api_key_id"), fields(
        "characters", "audio.characters", "num_model_requests", "requests"), false, false));
    m.put("audio_transcriptions", new Endpoint("audio_transcriptions", List.of("model", "project_id", "api_key_id"),
        fields("seconds", "audio.seconds", "num_model_requests", "requests"), false, false));
    m.put("vector_stores", new Endpoint("vector_stores", List.of(), fields(
        "usage_bytes", "vector_stores.bytes"), false, true));
    m.put("code_interpreter_sessions", new Endpoint("code_interpreter_sessions", List.of(), fields(
        "num_sessions", "code_interpreter.sessions"), false, false));
    m.put("file_search_calls", new Endpoint("file_search_calls", List.of(), fields(
        "num_requests", "file_search.calls"), false, false));
    m.put("web_search_calls", new Endpoint("web_search_calls", List.of("model"), fields(
        "num_requests", "web_search.calls"), false, false));
    ENDPOINTS = java.util.Collections.unmodifiableMap(m);
  }

  static final Set<String> PRICED_UNITS = Set.of("images", "audio.characters", "audio.seconds",
      "code_interpreter.sessions", "file_search.calls", "web_search.calls");

  private static Map<String, String> fields(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  /** What the detector has reported and adjusted for one UTC day. */
  private static final class Day {
    BigDecimal estimated = BigDecimal.ZERO;
    BigDecimal adjusted = BigDecimal.ZERO;
    BigDecimal baseline;

    Day copy() {
      Day d = new Day();
      d.estimated = estimated;
      d.adjusted = adjusted;
      d.baseline = baseline;
      return d;
    }
  }

  /** What a poll's Costs API read adds: the adjustment, and when the Costs API was read (null: not read). */
  private record Reconciled(Cost adjustment, Long readAt) {}

  private final OpenAiPrices prices;
  private final Map<String, BigDecimal> unitPrices;
  private final List<Endpoint> endpoints;
  private final long lateSeconds;
  private final Duration costsInterval;
  private final WarnOnce warnings = new WarnOnce(LOG);
  private final Map<String, long[]> seen = new HashMap<>();
  private Map<LocalDate, Day> days = new HashMap<>();
  private long minuteFloor = Long.MIN_VALUE;
  private boolean polledBefore;
  private Instant firstObserved;
  private Long lastCostsRead;

  /**
   * Quotes an unknown endpoint name, with the known one it probably means (the same name but for
   * case, '-' for '_', or a plural 's'); a long name is not quoted, as it may be pasted text.
   */
  private static String shownEndpoint(String n) {
    if (n.length() > 40) {
      return "";
    }
    String folded = endpointFold(n);
    String meant = ENDPOINTS.keySet().stream().filter(k -> endpointFold(k).equals(folded)).findFirst()
        .map(k -> " (did you mean \"" + k + "\"?)").orElse("");
    return ": \"" + n + "\"" + meant;
  }

  private static String endpointFold(String n) {
    String f = n.toLowerCase(java.util.Locale.ROOT).replace('-', '_').strip();
    return f.endsWith("s") ? f.substring(0, f.length() - 1) : f;
  }

  /**
   * Creates the detector.
   *
   * @param settings the service's settings
   * @param adminKey the Admin API key
   * @throws dev.runaway.config.ConfigException if a setting is invalid
   */
  public OpenAiDetector(ServiceSettings settings, Secret adminKey) {
    super(settings, Set.of("endpoints", "prices", "unit_prices", "late_data_seconds", "costs_interval_seconds"));
    SettingsReader top = settings();
    List<String> names = settings.stringList("endpoints");
    List<Endpoint> eps = new ArrayList<>();
    for (String n : names.isEmpty() ? List.copyOf(ENDPOINTS.keySet()) : names) {
      Endpoint e = ENDPOINTS.get(n);
      if (e == null) {
        throw settings.error("endpoints", "entry " + names.indexOf(n) + " is not a usage endpoint" + shownEndpoint(n)
            + "; known: " + ENDPOINTS.keySet());
      }
      eps.add(e);
    }
    this.endpoints = List.copyOf(eps);
    this.prices = prices(top.object("prices"));
    Map<String, BigDecimal> up = new HashMap<>();
    SettingsReader unit = top.object("unit_prices");
    for (String k : unit.keys()) {
      if (!PRICED_UNITS.contains(k)) {
        throw unit.error(k, "is not a unit with a price; allowed: " + new java.util.TreeSet<>(PRICED_UNITS)
            + " (token prices go under \"prices\")");
      }
      up.put(k, unit.nonNegativeDecimal(k).orElse(BigDecimal.ZERO));
    }
    this.unitPrices = Map.copyOf(up);
    this.lateSeconds = top.integer("late_data_seconds", 900, 0, 86_400);
    int costs = top.integer("costs_interval_seconds", 3600, 0, 86_400);
    this.costsInterval = costs == 0 ? null : Duration.ofSeconds(costs);
    connect(clientBuilder("https://api.openai.com/v1")
        .product("the OpenAI admin API").bearer(adminKey)
        .credentialHint("it must be an Admin API key (sk-admin-...) created by an organization owner; project keys "
            + "cannot read usage or costs"));
  }

  private static OpenAiPrices prices(SettingsReader overrides) {
    Map<String, OpenAiPrices.ModelPrice> added = new LinkedHashMap<>();
    for (String model : overrides.keys()) {
      SettingsReader m = overrides.object(model).allowOnly(Set.of("input_per_1m_usd", "cached_input_per_1m_usd",
          "output_per_1m_usd", "cache_write_per_1m_usd"));
      BigDecimal in = m.nonNegativeDecimal("input_per_1m_usd")
          .orElseThrow(() -> m.error("input_per_1m_usd", "is required: USD per million input tokens"));
      BigDecimal out = m.nonNegativeDecimal("output_per_1m_usd")
          .orElseThrow(() -> m.error("output_per_1m_usd", "is required: USD per million output tokens"));
      added.put(model, new OpenAiPrices.ModelPrice(in, m.nonNegativeDecimal("cached_input_per_1m_usd")
          .orElse(null), out, m.nonNegativeDecimal("cache_write_per_1m_usd").orElse(null), null));
    }
    // One copy of the table for all overrides: withModel per model was quadratic (150k models: 40 s+).
    return OpenAiPrices.bundled().withModels(added);
  }

  /** Usage accumulated during one poll, committed to the memory only if the poll succeeds. */
  private final class Tally {
    final Map<String, long[]> staged = new HashMap<>();
    final Map<String, Map<String, Double>> itemUnits = new LinkedHashMap<>();
    final Map<String, Cost> itemCost = new LinkedHashMap<>();
    final Map<String, Double> units = new LinkedHashMap<>();
    final Map<LocalDate, BigDecimal> perDay = new HashMap<>();
    Cost total = Cost.ZERO;

    void add(String item, Map<String, Long> delta, Cost cost, long bucketStart) {
      Map<String, Double> iu = itemUnits.computeIfAbsent(item, k -> new LinkedHashMap<>());
      delta.forEach((u, v) -> {
        if (v != 0) {
          iu.merge(u, v.doubleValue(), Double::sum);
          units.merge(u, v.doubleValue(), Double::sum);
        }
      });
      itemCost.merge(item, cost, Cost::plus);
      total = total.plus(cost);
      perDay.merge(LocalDate.ofEpochDay(Math.floorDiv(bucketStart, DAY)), cost.toBigDecimal(), BigDecimal::add);
    }
  }

  @Override
  protected UsageReport read(PollContext ctx) throws PollException, InterruptedException {
    long since = ctx.since().getEpochSecond();
    long now = ceilSeconds(ctx.now());
    boolean baseline = !polledBefore;
    // The first poll (of a started or restarted monitor) counts the UTC day from midnight, like the
    // GitHub detector: spend is not kept across restarts, the services' figures are read again. A
    // span that began before midnight (a poll at 00:05 looking back to 23:58) is counted from its
    // start: yesterday before it is not.
    long countFrom = baseline ? Math.min(since, Math.floorDiv(ctx.now().getEpochSecond(), DAY) * DAY) : since;
    Tally tally = new Tally();
    long minuteStart = Math.max(Math.floorDiv(since, MINUTE) * MINUTE - lateSeconds, minuteFloor);
    long newMinuteFloor = minuteFloor;
    if (now - since > DAY) {
      long hourStart = Math.floorDiv(since, HOUR) * HOUR;
      long hourEnd = Math.floorDiv(now, HOUR) * HOUR;
      for (Endpoint e : endpoints) {
        read(e, hourStart, hourEnd, HOUR, tally, false, since);
      }
      minuteStart = hourEnd;
      newMinuteFloor = hourEnd;
    } else if (baseline && countFrom < minuteStart) {
      // The hours of the day before the minutes re-read for late rows come in hourly buckets (at
      // most 23 per endpoint, not up to 1,440 minutes); later polls never re-read minutes before
      // them, so no row is counted in both.
      long hourEnd = Math.floorDiv(minuteStart, HOUR) * HOUR;
      if (countFrom < hourEnd) {
        for (Endpoint e : endpoints) {
          read(e, countFrom, hourEnd, HOUR, tally, false, countFrom);
        }
      }
      minuteStart = Math.max(countFrom, hourEnd);
      newMinuteFloor = minuteStart;
    }
    if (minuteStart < now) {
      for (Endpoint e : endpoints) {
        read(e, minuteStart, now, MINUTE, tally, baseline, countFrom);
      }
    }
    // Nothing this poll counted is remembered until it returns its report: the Costs API read below
    // may be interrupted (the monitor's poll timeout, or close), and a retry must then count the
    // same usage again (and see itself as the first poll), not take it as already reported.
    Map<LocalDate, Day> nextDays = new HashMap<>();
    days.forEach((d, day) -> nextDays.put(d, day.copy()));
    tally.perDay.forEach((d, usd) -> {
      Day day = nextDays.computeIfAbsent(d, k -> new Day());
      day.estimated = day.estimated.add(usd);
    });
    Instant observed = firstObserved != null ? firstObserved : Instant.ofEpochSecond(countFrom);
    Reconciled reconciled = reconcile(ctx, nextDays, observed);
    Cost adjustment = reconciled.adjustment();
    List<UsageItem> items = new ArrayList<>();
    tally.itemUnits.forEach((name, u) -> items.add(new UsageItem(name, tally.itemCost.get(name), u)));
    Cost total = tally.total;
    if (!adjustment.isZero()) {
      items.add(new UsageItem(RECONCILIATION, adjustment, Map.of()));
      total = total.plus(adjustment);
    }
    // A first report from midnight is cumulative for the day: the monitor counts it in full and
    // spreads it from midnight to now, so an hourly budget gets the day's average hour of it.
    Instant from = countFrom < since ? Instant.ofEpochSecond(countFrom) : ctx.since();
    UsageReport report = new UsageReport(service(), from, ctx.now(), total, tally.units, items);
    // The poll returns its report: now remember what was counted (nothing below can fail).
    seen.putAll(tally.staged);
    minuteFloor = newMinuteFloor;
    long evictBefore = minuteStart - HOUR;
    seen.keySet().removeIf(k -> Long.parseLong(k.substring(k.indexOf('|') + 1, k.indexOf('|', k.indexOf('|') + 1)))
        < evictBefore);
    firstObserved = observed;
    polledBefore = true;
    days = nextDays;
    if (reconciled.readAt() != null) {
      lastCostsRead = reconciled.readAt();
    }
    return report;
  }

  private static long ceilSeconds(Instant t) {
    return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
  }

  private void read(Endpoint e, long start, long end, long width, Tally tally, boolean baseline, long since)
      throws PollException, InterruptedException {
    long buckets = (end - start + width - 1) / width;
    long max = width == MINUTE ? 1440 : 168;
    ApiRequest r = ApiRequest.get("/organization/usage/" + e.name()).withQuery("start_time", start)
        .withQuery("end_time", end).withQuery("bucket_width", width == MINUTE ? "1m" : "1h")
        .withQuery("limit", Math.max(1, Math.min(max, buckets)));
    for (String g : e.groupBy()) {
      r = r.withQuery("group_by[]", g);
    }
    for (ApiResponse page : client().pages(r, Paginator.cursor("page", "/next_page", "/has_more"))) {
      JsonNode data = page.json().path("data");
      if (!data.isArray()) {
        throw page.unexpected("no 'data' array of buckets");
      }
      for (JsonNode bucket : data) {
        long bs = bucket.path("start_time").asLong(Long.MIN_VALUE);
        long be = bucket.path("end_time").asLong(Long.MIN_VALUE);
        if (bs == Long.MIN_VALUE || !bucket.path("results").isArray()) {
          throw page.unexpected("a bucket without 'start_time' or 'results'");
        }
        if (bs < start || bs >= end) {
          // Not the span asked for: another read of this poll (hours, then minutes) covers it.
          continue;
        }
        for (JsonNode result : bucket.path("results")) {
          count(e, width, bs, be, result, tally, baseline, since);
        }
      }
    }
  }

  private void count(Endpoint e, long width, long bs, long be, JsonNode result, Tally tally, boolean baseline,
      long since) {
    String model = result.path("model").isTextual() ? result.path("model").asText() : null;
    boolean batch = result.path("batch").asBoolean(false);
    String tier = text(result, "service_tier");
    String project = text(result, "project_id");
    String apiKey = text(result, "api_key_id");
    long[] current = new long[e.fields().size()];
    int i = 0;
    for (String f : e.fields().keySet()) {
      current[i++] = Math.max(0, result.path(f).asLong(0));
    }
    if (e.gauge()) {
      // A level (bytes stored), not a flow: report the latest reading, never as cost.
      tally.units.put(e.fields().values().iterator().next(), (double) current[0]);
      return;
    }
    long[] delta = current;
    if (width == MINUTE) {
      String key = e.name() + "|" + bs + "|" + model + "|" + batch + "|" + tier + "|" + project + "|" + apiKey;
      long[] previous = tally.staged.containsKey(key) ? tally.staged.get(key) : seen.get(key);
      tally.staged.put(key, current);
      if (previous == null && baseline && be <= since) {
        return;
      }
      if (previous != null) {
        delta = new long[current.length];
        for (int j = 0; j < current.length; j++) {
          delta[j] = Math.max(0, current[j] - previous[j]);
        }
      }
    }
    Map<String, Long> units = new LinkedHashMap<>();
    i = 0;
    boolean any = false;
    for (String unit : e.fields().values()) {
      units.put(unit, delta[i]);
      any |= delta[i] != 0;
      i++;
    }
    if (!any) {
      return;
    }
    Cost cost = Cost.ZERO;
    String itemName = itemName(model != null ? model : e.name(), tier, project, apiKey);
    if (e.tokens()) {
      OpenAiPrices.Tokens tokens = new OpenAiPrices.Tokens(units.getOrDefault("tokens.input", 0L),
          units.getOrDefault("tokens.input_cached", 0L), units.getOrDefault("tokens.input_cache_write", 0L),
          units.getOrDefault("tokens.output", 0L), units.getOrDefault("tokens.input_audio", 0L),
          units.getOrDefault("tokens.input_cached_audio", 0L), units.getOrDefault("tokens.output_audio", 0L),
          units.getOrDefault("tokens.input_image", 0L), units.getOrDefault("tokens.input_cached_image", 0L),
          units.getOrDefault("tokens.output_image", 0L));
      var priced = prices.cost(model, tier, tokens, false);
      if (priced.isEmpty()) {
        warnings.warn("model:" + model, "{}: no price for OpenAI model '{}' (prices as of {}); its tokens are "
            + "counted, its cost comes only from the Costs API reconciliation. Add it to services.{}.prices",
            service(), model, prices.asOf(), service());
      } else {
        if (tokens.audioInput() + tokens.audioOutput() + tokens.imageInput() + tokens.imageOutput() > 0) {
          for (String modality : List.of("audio", "image")) {
            long n = modality.equals("audio") ? tokens.audioInput() + tokens.audioOutput()
                : tokens.imageInput() + tokens.imageOutput();
            if (n > 0 && prices.modality(model, modality).isEmpty()) {
              warnings.warn(modality + ":" + model, "{}: no {} token price for OpenAI model '{}' (prices as of {}); "
                  + "its {} tokens are priced at its text rates", service(), modality, model, prices.asOf(), modality);
            }
          }
        }
        cost = priced.get();
        if (batch) {
          cost = Money.usd(cost.toBigDecimal().multiply(BATCH_FACTOR));
        }
      }
    } else {
      BigDecimal usd = BigDecimal.ZERO;
      for (Map.Entry<String, Long> u : units.entrySet()) {
        BigDecimal p = unitPrices.get(u.getKey());
        if (p != null) {
          usd = usd.add(p.multiply(BigDecimal.valueOf(u.getValue())));
        }
      }
      cost = Money.usd(usd);
    }
    tally.add(itemName, units, cost, bs);
  }

  private static String text(JsonNode result, String field) {
    JsonNode n = result.path(field);
    return n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
  }

  /**
   * The item of a usage row: the model, with the tier when it is not the standard one, and the
   * project and API key when OpenAI named them, so the largest item says who runs away.
   */
  private static String itemName(String model, String tier, String project, String apiKey) {
    StringBuilder b = new StringBuilder(model);
    boolean standard = tier == null || tier.equals("default") || tier.equals("auto");
    if (standard && project == null && apiKey == null) {
      return model;
    }
    b.append(" (");
    String sep = "";
    if (!standard) {
      b.append(tier).append(" tier");
      sep = ", ";
    }
    if (project != null) {
      b.append(sep).append("project ").append(project);
      sep = ", ";
    }
    if (apiKey != null) {
      b.append(sep).append("key ").append(apiKey);
    }
    return b.append(')').toString();
  }

  /**
   * Reads the Costs API (at most once per costs interval) and adjusts {@code pending}, the poll's
   * pending copy of the day memory, so that a day's estimate plus adjustments reach its bill.
   */
  private Reconciled reconcile(PollContext ctx, Map<LocalDate, Day> pending, Instant observed)
      throws InterruptedException {
    if (costsInterval == null) {
      return new Reconciled(Cost.ZERO, null);
    }
    long nowNanos = ticker().nanoTime();
    if (lastCostsRead != null && nowNanos - lastCostsRead < costsInterval.toNanos()) {
      return new Reconciled(Cost.ZERO, null);
    }
    LocalDate today = LocalDate.ofInstant(ctx.now(), ZoneOffset.UTC);
    LocalDate yesterday = today.minusDays(1);
    Map<LocalDate, BigDecimal> billed = new HashMap<>();
    try {
      ApiRequest r = ApiRequest.get("/organization/costs")
          .withQuery("start_time", yesterday.toEpochSecond(java.time.LocalTime.MIDNIGHT, ZoneOffset.UTC))
          .withQuery("end_time", ceilSeconds(ctx.now())).withQuery("bucket_width", "1d").withQuery("limit", 2);
      for (ApiResponse page : client().pages(r, Paginator.cursor("page", "/next_page", "/has_more"))) {
        JsonNode data = page.json().path("data");
        if (!data.isArray()) {
          throw page.unexpected("no 'data' array of buckets");
        }
        for (JsonNode bucket : data) {
          LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(bucket.path("start_time").asLong(), DAY));
          for (JsonNode result : bucket.path("results")) {
            JsonNode amount = result.path("amount");
            String currency = amount.path("currency").asText("usd");
            if (!currency.equalsIgnoreCase("usd")) {
              warnings.warn("currency:" + currency, "{}: the OpenAI Costs API reported an amount in '{}'; only "
                  + "usd is reconciled", service(), currency);
              continue;
            }
            billed.merge(day, amount.path("value").decimalValue(), BigDecimal::add);
          }
        }
      }
    } catch (PollException e) {
      warnings.warn("costs:" + e.kind(), "{}: could not read the OpenAI Costs API to reconcile the daily figure "
          + "({}); usage estimates stand and it is tried again next poll", service(), e.getMessage());
      return new Reconciled(Cost.ZERO, null);
    }
    BigDecimal adjustment = BigDecimal.ZERO;
    for (LocalDate d : List.of(yesterday, today)) {
      BigDecimal b = billed.getOrDefault(d, BigDecimal.ZERO);
      Day day = pending.computeIfAbsent(d, k -> new Day());
      if (day.baseline == null) {
        // Today was counted from midnight by the first poll (baseline 0: the whole bill counts);
        // yesterday only from the first poll's span, so the rest of its bill is not this monitor's.
        Instant dayStart = d.atStartOfDay(ZoneOffset.UTC).toInstant();
        day.baseline = !observed.isAfter(dayStart) ? BigDecimal.ZERO
            : b.subtract(day.estimated).subtract(day.adjusted).max(BigDecimal.ZERO);
      }
      BigDecimal gap = b.subtract(day.baseline).subtract(day.estimated).subtract(day.adjusted);
      if (gap.signum() > 0) {
        day.adjusted = day.adjusted.add(gap);
        adjustment = adjustment.add(gap);
      }
    }
    for (Iterator<LocalDate> it = pending.keySet().iterator(); it.hasNext();) {
      if (it.next().isBefore(yesterday)) {
        it.remove();
      }
    }
    return new Reconciled(Money.usd(adjustment), nowNanos);
  }

}
