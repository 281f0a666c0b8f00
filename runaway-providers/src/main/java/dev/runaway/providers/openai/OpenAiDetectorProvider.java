package dev.runaway.providers.openai;

import dev.runaway.providers.http.HttpDetectorProvider;
import java.util.List;

/**
 * Polls OpenAI's organization Usage API for the burn rate and its Costs API to reconcile the
 * daily figure ({@code "type": "openai"}). Needs an Admin API key in {@code OPENAI_ADMIN_KEY}
 * (project keys cannot read usage).
 *
 * <p>Settings (all optional):
 * <ul>
 *   <li>{@code base_url} (default {@code https://api.openai.com/v1}), {@code allow_insecure_http},
 *       {@code timeout_seconds}, {@code connect_timeout_seconds}, {@code max_pages};
 *   <li>{@code endpoints}: the usage endpoints to read, default all of {@code completions},
 *       {@code embeddings}, {@code moderations}, {@code images}, {@code audio_speeches},
 *       {@code audio_transcriptions}, {@code vector_stores}, {@code code_interpreter_sessions},
 *       {@code file_search_calls}, {@code web_search_calls};
 *   <li>{@code prices}: token prices that replace or extend the bundled table, per model id or
 *       family, in USD per million tokens:
 *       {@code {"gpt-4o-mini": {"input_per_1m_usd": 0.15, "cached_input_per_1m_usd": 0.075,
 *       "output_per_1m_usd": 0.6}}} ({@code cache_write_per_1m_usd} optional);
 *   <li>{@code unit_prices}: USD per unit for usage the token table cannot price: {@code images},
 *       {@code audio.characters}, {@code audio.seconds}, {@code code_interpreter.sessions},
 *       {@code file_search.calls}, {@code web_search.calls} (default none: such usage is reported
 *       in units and reaches the cost through the Costs API reconciliation);
 *   <li>{@code late_data_seconds} (default 900): how far before {@code since} each poll re-reads
 *       minute buckets, to pick up usage OpenAI records late;
 *   <li>{@code costs_interval_seconds} (default 3600, 0 disables): how often the Costs API is read.
 * </ul>
 *
 * <p>How the figures are made. Usage is read in 1-minute buckets (1-hour buckets for the part of a
 * span longer than 24 hours, after an outage, and for the hours of the day a first poll reads before
 * its minutes) grouped by model, project and API key (and batch and
 * service tier for completions), and priced with {@link OpenAiPrices}: batch at half price, the
 * {@code flex} and {@code priority} tiers and audio and image tokens at the table's prices. Each
 * item is a model with its non-standard tier, project and key, such as
 * {@code gpt-5-mini (priority tier, project proj_abc, key key_xyz)}, so the monitor's spike alert
 * names the project and key that spend most. The detector remembers what it has
 * counted per bucket and model, so each report holds exactly the usage that appeared since the
 * last poll, late rows included, and nothing twice. The report covers {@code since} to
 * {@code now}, except the first poll's.
 *
 * <p>The first poll (of a started or restarted monitor: spend is not kept across restarts) counts
 * the UTC day: its report starts at midnight, or at {@code since} when the span asked for began
 * before midnight, and holds the day's priced usage and, through the reconciliation below, what
 * today's bill exceeds beyond it. Yesterday's bill and usage before the span are not counted. The
 * monitor takes such a report as cumulative for the day: the daily budget gets all of it, a
 * shorter window its share of the span (the day's average hour).
 *
 * <p>Reconciliation. The Costs API is authoritative but daily and late. For each UTC day the
 * detector compares what OpenAI billed with what it has reported (estimates plus earlier
 * adjustments); when the bill is higher, the difference is added to the current report as the
 * item {@code costs_api.reconciliation}, so the day's total reported equals the bill (unknown
 * models, tools). When the bill is lower (it lags), nothing is taken
 * back: the estimate stands. Today is always watched from midnight (the first poll counts it);
 * for yesterday, when the first poll's span began after its midnight, the part of yesterday's
 * bill the detector cannot explain on its first reading is taken as spent before it started.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class OpenAiDetectorProvider extends HttpDetectorProvider {

  /** The environment variable holding the Admin API key. */
  public static final String ADMIN_KEY_ENV = "OPENAI_ADMIN_KEY";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public OpenAiDetectorProvider() {
    super("openai", s -> List.of(ADMIN_KEY_ENV),
        (s, secrets) -> new OpenAiDetector(s, secrets.require(ADMIN_KEY_ENV)), true);
  }
}
