package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What every framework integration (the LangChain4j models, the Spring AI advisor) does around a
 * model call, whatever the framework's request and response types: find the key, reserve the
 * estimate, count the loop signature of the requests admitted (never of refused ones), and settle the reservation from the response's usage (priced
 * with the {@link TokenPrices}, or, without prices, by the service's {@code CostExtractor} given
 * the response), never at $0. The integrations keep only their framework's reading of a request's
 * signature and a response's usage.
 *
 * <p>Immutable and thread-safe when the given functions are.
 *
 * @param <Q> the framework's request type
 * @param <S> the framework's response type
 */
public final class GuardedCalls<Q, S> {

  /** Everything but the bound key: shared by the keyed copies of {@link #withKey(String)}. */
  private record Common<Q, S>(RunawayGuard guard, String service, Cost estimate, AtomicLong learned,
      Function<Q, String> keys, RepeatedRequests loops, PricedExtractor pricing, PricedExtractor fallback,
      Function<Q, String> fingerprint,
      Predicate<S> hasUsage, Function<S, LlmUsage> usage) {
  }

  private final Common<Q, S> c;
  private final String key;

  private GuardedCalls(Common<Q, S> c, String key) {
    this.c = c;
    this.key = key;
  }

  /**
   * Returns the service the calls are charged to.
   *
   * @return the service name
   */
  public String service() {
    return c.service();
  }

  /**
   * Returns the key every call is charged to, if bound with {@link #withKey(String)}.
   *
   * @return the key, or {@code null}
   */
  public String key() {
    return key;
  }

  /**
   * Returns the amount reserved per call: the estimate set on the builder; without one, the
   * recent priced cost per call once a response has been priced (learned as the guard learns a
   * service's: a cost above moves it halfway up at once, one below 1/32 of the way down, so it
   * sits near a high quantile), and the default estimate before.
   *
   * @return the estimate
   */
  public Cost estimate() {
    AtomicLong l = c.learned();
    long v = l == null ? -1 : l.get();
    return v < 0 ? c.estimate() : Cost.ofNanos(v);
  }

  /**
   * Returns the same calls charged to one key.
   *
   * @param k the key; not blank
   * @return the keyed calls
   */
  public GuardedCalls<Q, S> withKey(String k) {
    Objects.requireNonNull(k, "key");
    if (k.isBlank()) {
      throw new IllegalArgumentException("key must not be blank");
    }
    return new GuardedCalls<>(c, k);
  }

  /**
   * Admits one call: finds its key (the bound one, else the key function's, else none), reserves
   * the estimate and then counts its loop signature. Only admitted requests count as sent: an
   * attempt the guard refused (budget exhausted, breaker open) throws before it is counted, so a
   * user retrying a refused question never trips {@code REPEATED_REQUEST}. The request that makes
   * the {@code maxRepeats}-th identical one is not sent either: its reservation is released and the
   * breaker it just opened refuses it.
   *
   * @param request the request
   * @return the reservation to settle
   */
  public Reservation admit(Q request) {
    String k = key != null ? key : c.keys() == null ? null : c.keys().apply(request);
    ServiceGuard s = c.guard().service(c.service());
    ServiceGuard g = k == null || k.isBlank() ? s : s.forKey(k);
    String fingerprint = c.fingerprint().apply(request);
    Reservation r = g.reserve(estimate());
    boolean tripped;
    try {
      tripped = c.loops().observe(g.breaker(), k, fingerprint);
    } catch (RuntimeException | Error e) {
      r.close();
      throw e;
    }
    if (!tripped) {
      return r;
    }
    // Released as if never made; the breaker is open now, so this reserve throws its
    // CircuitOpenException (REPEATED_REQUEST) unless another thread has already reset it.
    r.close();
    return g.reserve(estimate());
  }

  /**
   * Admits a call, runs it and settles it from its response; a call that throws releases its
   * reservation as a failure and the exception propagates.
   *
   * @param request the request
   * @param call the call of the model
   * @param response the response of the call's result, or {@code null}
   * @param <T> the call's result
   * @return the call's result
   */
  public <T> T call(Q request, Supplier<T> call, Function<? super T, ? extends S> response) {
    Reservation r = admit(request);
    T result;
    try {
      result = call.get();
    } catch (RuntimeException | Error e) {
      r.fail(e);
      throw e;
    }
    settle(r, result == null ? null : response.apply(result), false);
    return result;
  }

  /**
   * Settles a reservation: from the response's usage, or, when {@code conservative} (a stream that
   * failed or was cancelled), at the larger of that usage's cost and the estimate. A response
   * without usage, or an unpriced model, is charged the estimate.
   *
   * @param r the reservation
   * @param response the response, or the last one with usage; {@code null} if none
   * @param conservative whether the call ended before its final usage
   */
  public void settle(Reservation r, S response, boolean conservative) {
    boolean has = response != null && c.hasUsage().test(response);
    PricedExtractor pricing = c.pricing();
    if (pricing == null) {
      if (conservative || !has) {
        r.commit(null);
        return;
      }
      // The service's extractor first (it may know discounts); one that cannot read the framework's
      // response (OpenAiCosts given Spring AI's ChatResponse, as the Spring Boot README's customizer
      // sets) charged every call the fixed estimate: the usage is priced by the bundled tables instead.
      Cost own = ownCost(response);
      r.commit(own != null ? own : c.fallback().price(c.usage().apply(response)));
      return;
    }
    // Without an estimate of the user's, an unknown model (a new version) is charged its tokens at
    // the table's dearest model, as the guard charges an unpriced call that reserved none: the
    // default $0.01 under-counted a $0.023 call 2.3 times, and a dearer new model without bound.
    Cost cost = !has ? null
        : c.learned() != null ? pricing.priceOrBound(c.usage().apply(response)) : pricing.price(c.usage().apply(response));
    if (cost != null && c.learned() != null && !conservative) {
      learn(c.learned(), cost.nanos());
    }
    if (conservative && cost != null && cost.compareTo(r.estimate()) < 0) {
      cost = null;
    }
    r.commit(cost);
  }

  /** The service's extractor's price of a response, or {@code null} (none, unreadable, or it failed). */
  private Cost ownCost(S response) {
    CostExtractor x = c.guard().policy(c.service()).costExtractor();
    try {
      // A bundled extractor is asked quietly: its "cannot read, the estimate is charged" would be
      // wrong here, where the response is priced from its usage when the extractor cannot.
      Cost cost = x == null ? null : x instanceof QuietCostExtractor q ? q.costIfReadable(response) : x.costOf(response);
      return cost == null || cost.isNegative() ? null : cost;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Every bundled table in one, built once: model ids do not collide across providers. */
  private static volatile TokenPrices allBundled;

  /**
   * The bundled tables of every provider in one: the default prices of an integration whose
   * service has no cost extractor.
   *
   * @return the prices
   */
  public static TokenPrices allBundled() {
    TokenPrices all = allBundled;
    if (all == null) {
      all = TokenPrices.bundled("openai").withOverrides(TokenPrices.bundled("anthropic"))
          .withOverrides(TokenPrices.bundled("gemini")).withOverrides(TokenPrices.bundled("bedrock"));
      allBundled = all;
    }
    return all;
  }

  /** Moves the learned estimate towards a priced cost, from above (see {@link #estimate()}). */
  private static void learn(AtomicLong learned, long actual) {
    while (true) {
      long est = learned.get();
      long next = est < 0 ? actual
          : actual > est ? est + ((actual - est + 1) >>> 1) : est - ((est - actual) >>> 5);
      if (next == est || learned.compareAndSet(est, next)) {
        return;
      }
    }
  }

  /**
   * The settings an integration's public builder delegates to: each builder keeps its own public
   * setters (their names, parameters and return types are the integration's API) and hands the
   * values here, where they are checked and defaulted once for all integrations.
   *
   * <p>Not thread-safe, as builders are not.
   *
   * @param <Q> the framework's request type
   */
  public static final class Settings<Q> {
    private final RunawayGuard guard;
    private final String service;
    private Cost estimate;
    private boolean estimateSet;
    private Function<Q, String> keys;
    private RepeatedRequests loops;
    private TokenPrices prices;

    /**
     * Creates the settings with their defaults.
     *
     * @param guard the guard
     * @param service the guarded service the calls are charged to
     * @param estimate the default amount reserved per call
     * @param keys the default key function, or {@code null} for none
     */
    public Settings(RunawayGuard guard, String service, Cost estimate, Function<Q, String> keys) {
      this.guard = Objects.requireNonNull(guard, "guard");
      this.service = Objects.requireNonNull(service, "service");
      this.estimate = estimate;
      this.keys = keys;
    }

    /**
     * Sets the amount reserved per call; {@link #build} refuses a negative one.
     *
     * @param estimate the estimate
     * @return these settings
     */
    public Settings<Q> estimate(Cost estimate) {
      this.estimate = Objects.requireNonNull(estimate, "estimate");
      this.estimateSet = true;
      return this;
    }

    /**
     * Refuses a negative estimate now rather than at {@link #build}.
     *
     * @throws IllegalArgumentException if the estimate is negative
     */
    public void requireNonNegativeEstimate() {
      if (estimate.isNegative()) {
        throw new IllegalArgumentException("estimate must not be negative, got " + estimate);
      }
    }

    /**
     * Sets how a request's key is found.
     *
     * @param keys returns the key, or {@code null} for the whole service
     * @return these settings
     */
    public Settings<Q> keyFrom(Function<Q, String> keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /**
     * Sets the loop-signature detector (default {@link RepeatedRequests#withDefaults} on the guard's ticker).
     *
     * @param loops the detector
     * @return these settings
     */
    public Settings<Q> repeatedRequests(RepeatedRequests loops) {
      this.loops = Objects.requireNonNull(loops, "loops");
      return this;
    }

    /**
     * Sets the prices of each response's usage. Default: the service's {@code CostExtractor} is
     * given the response when the service has one; otherwise every bundled table (OpenAI,
     * Anthropic, Gemini, Bedrock) prices the usage by its model id.
     *
     * @param prices the prices
     * @return these settings
     */
    public Settings<Q> prices(TokenPrices prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /**
     * Builds the guarded calls from a copy of these settings.
     *
     * @param name the public class, for log lines about unpriced models
     * @param fingerprint a request's loop signature
     * @param hasUsage whether a (non-null) response carries usage
     * @param usage a response's usage, called only when it has some
     * @param <S> the framework's response type
     * @return the guarded calls
     * @throws IllegalArgumentException if the service is not configured or the estimate is negative
     */
    public <S> GuardedCalls<Q, S> build(String name, Function<Q, String> fingerprint, Predicate<S> hasUsage,
        Function<S, LlmUsage> usage) {
      requireNonNegativeEstimate();
      RepeatedRequests l = loops != null ? loops : RepeatedRequests.withDefaults(guard.ticker());
      guard.service(service); // fails fast on an unknown service
      // Without prices of the user's, a service without a cost extractor has nothing that reads the
      // framework's response: every call would be charged the fixed estimate ($0.01), so a loop of
      // $0.06 calls would fill a $10 budget only after $60. The bundled tables price it instead.
      TokenPrices p = prices != null ? prices : guard.policy(service).costExtractor() == null ? allBundled() : null;
      PricedExtractor pricing = p == null ? null : new PricedExtractor(name, p, r -> null);
      // With prices and no estimate of the user's, the reservation follows the priced cost per call:
      // a fixed default under-reserves expensive calls, and parallel callers then overshoot a budget.
      AtomicLong learned = pricing != null && !estimateSet ? new AtomicLong(-1) : null;
      PricedExtractor fallback = pricing == null ? new PricedExtractor(name, allBundled(), r -> null) : null;
      return new GuardedCalls<>(new Common<>(guard, service, estimate, learned, keys, l, pricing, fallback,
          Objects.requireNonNull(fingerprint, "fingerprint"), Objects.requireNonNull(hasUsage, "hasUsage"),
          Objects.requireNonNull(usage, "usage")), null);
    }
  }
}
