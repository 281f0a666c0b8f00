package dev.runaway.examples.monitor.demo;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.examples.monitor.Dollars;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import dev.runaway.alert.AlertType;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The credential-free demo: a simulated app calls a stub LLM API on loopback through the guard,
 * first with normal traffic (so the guard learns its baseline), then an agent loop runs away.
 * The guard detects the runaway, alerts, opens the breaker, and the loop's calls fail fast.
 *
 * <p>Time is simulated: a {@link ManualTicker} is advanced by the demo, so a day of normal
 * traffic takes seconds. Every call is a real HTTP request to the stub.
 *
 * <p>Not thread-safe: one instance runs once, on one thread.
 */
public final class Demo {

  /**
   * What the demo measured, for its summary and for tests.
   *
   * @param normalCalls calls of the normal phase
   * @param normalSpan simulated time of the normal phase
   * @param loopCallsAdmitted calls of the runaway loop that reached the API
   * @param loopCallsRefusedByBreaker calls of the loop refused because the circuit breaker was open
   * @param loopCallsRefusedByBudget calls of the loop refused because a budget would have been exceeded
   * @param spentNormal spend of the normal phase
   * @param spentDuringRunaway spend of the loop's admitted calls
   * @param detectionDelay simulated time from the loop's start until the breaker opened, or
   *     {@code null} when it never opened
   * @param tripReason why the breaker opened, or {@code null}
   * @param firstAlertDelay simulated time from the loop's start to the first usage-spike alert, or {@code null}
   * @param unguardedPerHour what the loop would cost per hour if nothing stopped it
   * @param normalPerHour the learned baseline, per hour
   * @param breakerState the breaker's state at the end
   * @param alerts every alert raised
   * @param stubRequests requests that reached the stub API
   * @param closedWhileLooping times the breaker was seen closed while the loop still ran after the trip
   * @param breakerCloses times the breaker closed in all
   * @param closedAfterStop simulated time from the end of the loop to the breaker's close, or
   *     {@code null} when it did not close
   */
  public record Result(int normalCalls, Duration normalSpan, int loopCallsAdmitted, int loopCallsRefusedByBreaker,
      int loopCallsRefusedByBudget, Cost spentNormal, Cost spentDuringRunaway, Duration detectionDelay,
      TripReason tripReason, Duration firstAlertDelay, Cost unguardedPerHour, Cost normalPerHour,
      CircuitBreaker.State breakerState, List<Alert> alerts, long stubRequests, int closedWhileLooping,
      int breakerCloses, Duration closedAfterStop) {

    /**
     * Returns the loop's calls refused without reaching the API.
     *
     * @return breaker and budget refusals together
     */
    public int loopCallsRefused() {
      return loopCallsRefusedByBreaker + loopCallsRefusedByBudget;
    }

    /**
     * Whether the guard stopped the loop, by its breaker or a budget.
     *
     * @return {@code true} when some of the loop's calls were refused
     */
    public boolean stopped() {
      return loopCallsRefused() > 0;
    }
  }

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("EEE HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final PrintWriter out;
  private final boolean live;
  private String lastPhase;
  private final boolean pace;
  private final CostExtractor extractor;
  private final List<Notifier> extraNotifiers;
  private final Random random = new Random(42);

  /**
   * Creates a demo.
   *
   * @param out where to print
   * @param pace whether to slow the runaway phase to human speed
   * @param extractor prices a chat-completion JSON body
   * @param extraNotifiers notifiers besides the console (e.g. Telegram when configured)
   */
  public Demo(PrintWriter out, boolean pace, CostExtractor extractor, List<Notifier> extraNotifiers) {
    this(out, pace, extractor, extraNotifiers, true);
  }

  /**
   * Creates a demo.
   *
   * @param out where to print
   * @param pace whether to slow the runaway phase to human speed
   * @param extractor prices a chat-completion JSON body
   * @param extraNotifiers notifiers besides the console (e.g. Telegram when configured)
   * @param live whether {@code out} is a terminal: a live status line redrawn with {@code \r};
   *     otherwise (a pipe, a file, a CI log) one plain line per phase change, no {@code \r}
   */
  public Demo(PrintWriter out, boolean pace, CostExtractor extractor, List<Notifier> extraNotifiers, boolean live) {
    this.live = live;
    this.out = out;
    this.pace = pace;
    this.extractor = extractor;
    this.extraNotifiers = List.copyOf(extraNotifiers);
  }

  /** How long the runaway loop goes on after the guard first refuses it: well past the open wait. */
  static final Duration LOOP_AFTER_TRIP = Duration.ofMinutes(10);

  /**
   * Runs the demo.
   *
   * @return what it measured
   * @throws IOException if the stub server cannot start
   * @throws InterruptedException if interrupted
   */
  public Result run() throws IOException, InterruptedException {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-11-23T00:00:00Z"));
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    try (StubLlmServer stub = StubLlmServer.start()) {
      RunawayGuard.Builder builder = RunawayGuard.builder()
          .service("openai", s -> s
              .budget(Budget.hourly(Cost.usd("10")))
              .budget(Budget.daily(Cost.usd("100")))
              .spikeMultiplier(3.0)
              .breakerMultiplier(5.0)
              .estimate(Cost.usd("0.005"))
              .costExtractor(extractor))
          .ticker(ticker)
          .notifier(alert -> {
            alerts.add(alert);
            printAlert(alert);
          });
      extraNotifiers.forEach(builder::notifier);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      RunawayGuard guard = builder.build();
      try {
        AtomicReference<StateTransition> trip = new AtomicReference<>();
        AtomicReference<StateTransition> close = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        guard.breaker("openai").onStateChange(t -> {
          if (t.to() == CircuitBreaker.State.OPEN) {
            trip.compareAndSet(null, t);
          } else if (t.to() == CircuitBreaker.State.CLOSED) {
            closes.incrementAndGet();
            close.compareAndSet(null, t);
          }
        });
        out.println("Stub LLM API listening on " + stub.baseUri() + " (loopback only, no credentials).");
        out.println("Guarding service 'openai': $10/hour and $100/day budgets, alert at 3x baseline, breaker at 5x.");
        out.println();
        out.println("Phase 1: normal traffic, about 6 calls a minute with a daily rhythm. Simulated time runs fast.");
        int normalCalls = 0;
        Cost spentNormal = Cost.ZERO;
        Instant start = ticker.instant();
        long simulatedMinutes = 0;
        while (simulatedMinutes < 8 * 24 * 60) {
          double hour = (ticker.instant().getEpochSecond() % 86_400) / 3600.0;
          double lambda = 6 * (1 + 0.5 * Math.sin(2 * Math.PI * (hour - 9) / 24));
          int calls = poisson(lambda);
          for (int i = 0; i < calls; i++) {
            long before = spent(guard);
            callOnce(guard, http, stub.baseUri(), 600 + random.nextInt(400), 150 + random.nextInt(100));
            spentNormal = spentNormal.plus(Cost.ofNanos(spent(guard) - before));
            normalCalls++;
            ticker.advance(Duration.ofMillis(60_000 / (calls + 1)));
          }
          ticker.advance(Duration.ofMillis(60_000 - (60_000 / (calls + 1)) * calls));
          simulatedMinutes++;
          if (simulatedMinutes % 360 == 0) {
            status(ticker, guard, "learning the baseline", 0, 0);
          }
          if (simulatedMinutes >= 24 * 60 && guard.snapshot("openai").baselineReady()) {
            break;
          }
        }
        Duration warm = Duration.between(start, ticker.instant());
        ServiceSnapshot base = guard.snapshot("openai");
        out.printf(Locale.ROOT, "%n  %d calls over %s of simulated time; baseline %s/h%s.%n%n", normalCalls,
            human(warm), money(base.baselineCostPerHour()), base.baselineReady() ? "" : " (still warming up)");

        out.println("Phase 2: an agent loop starts re-sending its growing context as fast as it can, and keeps");
        out.println("         looping for 10 minutes after the guard refuses it (well past the 60 s open wait).");
        Instant onset = ticker.instant();
        long spentAtOnset = spentWindowDay(guard);
        int admitted = 0;
        int byBreaker = 0;
        int byBudget = 0;
        int refused = 0;
        Instant refusedAt = null;
        long loopCostNanos = 0;
        int context = 4_000;
        int closedWhileLooping = 0;
        for (int i = 0; i < 4_000; i++) {
          context = Math.min(context + 1_500, 20_000);
          int completion = 400;
          long callCost = priceOf(context, completion);
          loopCostNanos += callCost;
          try {
            callOnce(guard, http, stub.baseUri(), context, completion);
            admitted++;
          } catch (CircuitOpenException e) {
            byBreaker++;
          } catch (BudgetExceededException e) {
            byBudget++;
          }
          refused = byBreaker + byBudget;
          if (refused > 0 && refusedAt == null) {
            refusedAt = ticker.instant();
          }
          ticker.advance(Duration.ofMillis(500));
          CircuitBreaker.State state = guard.breaker("openai").state();
          if (refusedAt != null && state == CircuitBreaker.State.CLOSED) {
            closedWhileLooping++;
          }
          if (i % 4 == 0) {
            status(ticker, guard, refusedAt == null ? "loop running" : "loop still looping", admitted, refused);
          }
          if (pace && (refusedAt == null || i % 20 == 0)) {
            Thread.sleep(refusedAt == null ? 60 : 15);
          }
          if (refusedAt != null && Duration.between(refusedAt, ticker.instant()).compareTo(LOOP_AFTER_TRIP) >= 0) {
            break;
          }
        }
        status(ticker, guard, "loop stopped", admitted, refused);
        out.println();
        Instant loopEnd = ticker.instant();
        out.println();
        out.println("Phase 3: the loop has stopped. The breaker judges the caller, not the API: it closes once the");
        out.println("         attempts have stayed under its threshold for the confirmation period (10 minutes).");
        for (int step = 0; step < 120 && guard.breaker("openai").state() != CircuitBreaker.State.CLOSED; step++) {
          ticker.advance(Duration.ofSeconds(30));
          status(ticker, guard, "caller quiet", admitted, refused);
        }
        status(ticker, guard, "caller quiet", admitted, refused);
        StateTransition closed = close.get();
        Duration closedAfterStop = closed == null || closed.time().isBefore(loopEnd) ? null
            : Duration.between(loopEnd, closed.time());
        out.println();
        int loopCalls = admitted + refused;
        Cost perCall = Cost.ofNanos(loopCostNanos / Math.max(1, loopCalls));
        Cost unguardedPerHour = perCall.times(3600_000L / 500);
        Cost normalPerHour = Double.isFinite(base.baselineCostPerHour()) ? Cost.usd(base.baselineCostPerHour()) : Cost.ZERO;
        StateTransition tripped = trip.get();
        Duration delay = tripped == null ? null : Duration.between(onset, tripped.time());
        Cost leaked = Cost.ofNanos(spentWindowDay(guard) - spentAtOnset);
        CircuitBreaker.State finalState = guard.breaker("openai").state();
        guard.close(); // delivers the alerts still queued, so that all are counted below
        Duration firstAlert = null;
        for (Alert a : alerts) {
          if (a.type() == AlertType.USAGE_SPIKE && !a.time().isBefore(onset)) {
            firstAlert = Duration.between(onset, a.time());
            break;
          }
        }
        Result result = new Result(normalCalls, warm, admitted, byBreaker, byBudget, spentNormal, leaked, delay,
            tripped == null ? null : tripped.reason(), firstAlert, unguardedPerHour, normalPerHour, finalState,
            List.copyOf(alerts), stub.requests(), closedWhileLooping, closes.get(), closedAfterStop);
        summary(result);
        return result;
      } finally {
        guard.close(); // idempotent
      }
    }
  }

  private void callOnce(RunawayGuard guard, HttpClient http, URI base, int promptTokens, int completionTokens) {
    try {
      guard.call("openai", () -> {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
            .header("Content-Type", "application/json")
            .header("x-demo-prompt-tokens", Integer.toString(promptTokens))
            .header("x-demo-completion-tokens", Integer.toString(completionTokens))
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"next step\"}]}"))
            .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IOException("stub answered HTTP " + response.statusCode());
        }
        return response.body();
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("the stub LLM API failed: " + e.getMessage(), e);
    }
  }

  /** What one call of the loop costs, priced like the guard prices it (for the unguarded projection). */
  private long priceOf(int prompt, int completion) {
    Cost c = extractor.costOf(StubLlmServer.completionBody(0, prompt, completion));
    return c == null ? Cost.usd("0.005").nanos() : c.nanos();
  }

  private static long spent(RunawayGuard guard) {
    return guard.snapshot("openai").windows().get(1).spent().nanos();
  }

  private static long spentWindowDay(RunawayGuard guard) {
    return spent(guard);
  }

  private int poisson(double lambda) {
    double l = Math.exp(-lambda);
    double p = 1;
    int k = 0;
    do {
      k++;
      p *= random.nextDouble();
    } while (p > l);
    return k - 1;
  }

  private void status(ManualTicker ticker, RunawayGuard guard, String phase, int admitted, int refused) {
    ServiceSnapshot s = guard.snapshot("openai");
    String ratio = s.baselineReady() && Double.isFinite(s.rateRatio())
        ? String.format(Locale.ROOT, "%5.1fx", s.rateRatio()) : "  n/a";
    String shown = phase + " " + s.breakerState();
    if (!live && shown.equals(lastPhase)) {
      return; // a pipe gets one line per phase and breaker state, not hundreds of redraws
    }
    lastPhase = shown;
    out.printf(Locale.ROOT, (live ? "\r" : "") + "  [%s] %-22s hour %9s/%s  rate %10s/h %s baseline  breaker %-9s ok %3d"
        + " refused %3d" + (live ? " " : "%n"),
        CLOCK.format(ticker.instant()), phase, usd(s.windows().get(0).spent()), usd(s.windows().get(0).budget().limit()),
        money(s.costPerHour()), ratio, s.breakerState(), admitted, refused);
    out.flush();
  }

  private void printAlert(Alert alert) {
    StringBuilder sb = new StringBuilder();
    sb.append(live ? "\n  ALERT " : "  ALERT ").append(alert.severity()).append(' ').append(alert.type()).append(": ").append(alert.title());
    if (!alert.detail().isEmpty()) {
      sb.append("\n        ").append(alert.detail());
    }
    List<String> facts = new ArrayList<>();
    alert.facts().forEach((k, v) -> facts.add(k + "=" + v));
    if (!facts.isEmpty()) {
      sb.append("\n        ").append(String.join(", ", facts));
    }
    out.println(sb);
  }

  private void summary(Result r) {
    out.println();
    out.println("Summary");
    out.printf(Locale.ROOT, "  Normal traffic:        %d calls over %s, %s spent, baseline about %s/h%n",
        r.normalCalls(), human(r.normalSpan()), usd(r.spentNormal()), usd(r.normalPerHour()));
    out.printf(Locale.ROOT, "  Runaway loop:          %d calls: %d admitted, %d refused without reaching the API"
        + " (%d by the open circuit breaker, %d by a budget)%n", r.loopCallsAdmitted() + r.loopCallsRefused(),
        r.loopCallsAdmitted(), r.loopCallsRefused(), r.loopCallsRefusedByBreaker(), r.loopCallsRefusedByBudget());
    if (r.detectionDelay() != null) {
      out.printf(Locale.ROOT, "  Detection delay:       the breaker opened %s after the loop started (%s)%s%n",
          human(r.detectionDelay()), r.tripReason(), r.firstAlertDelay() == null ? ""
              : "; first usage-spike alert after " + human(r.firstAlertDelay()));
    } else {
      out.printf(Locale.ROOT, "  Detection delay:       the breaker did not open%s%n",
          r.loopCallsRefusedByBudget() > 0 ? "; a budget stopped the loop" : "");
    }
    out.printf(Locale.ROOT, "  Spent by the loop:     %s before it was stopped%n", usd(r.spentDuringRunaway()));
    out.printf(Locale.ROOT, "  Unguarded, this loop:  %s per hour, %s per day%n", usd(r.unguardedPerHour()),
        usd(r.unguardedPerHour().times(24)));
    // HALF_OPEN in the status lines is the same refusal with a paced trial call let through.
    out.printf(Locale.ROOT, "  While looping:         the breaker %s in the %s the loop ran after the trip"
        + " (OPEN or HALF_OPEN: only paced trial calls reached the API)%n",
        r.closedWhileLooping() == 0 ? "never closed" : "closed " + r.closedWhileLooping() + " times",
        human(LOOP_AFTER_TRIP));
    out.printf(Locale.ROOT, "  After the loop:        %s%n", r.closedAfterStop() == null ? "the breaker did not close"
        : "the breaker closed " + (r.breakerCloses() == 1 ? "once" : r.breakerCloses() + " times") + ", "
            + human(r.closedAfterStop()) + " after the loop stopped");
    out.printf(Locale.ROOT, "  Breaker:               %s; the stub API saw %d requests in all%n", r.breakerState(),
        r.stubRequests());
    out.println("  (Times are simulated: a day of normal traffic runs in seconds.)");
    out.flush();
  }

  private static String money(double usdPerHour) {
    return Double.isFinite(usdPerHour) ? usd(Cost.usd(usdPerHour)) : "n/a";
  }

  private static String usd(Cost c) {
    return Dollars.of(c);
  }

  private static String human(Duration d) {
    long s = d.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + " min";
    }
    if (s < 172_800) {
      return (s / 3600) + " h";
    }
    return (s / 86_400) + " days";
  }
}
