package dev.runaway.examples.monitor.demo;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.breaker.CircuitBreaker;
import java.io.IOException;
import java.io.PrintStream;
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

/**
 * The credential-free demo: a simulated app calls a stub LLM API on loopback through the guard,
 * first with normal traffic (so the guard learns its baseline), then an agent loop runs away.
 * The guard detects the runaway, alerts, opens the breaker, and the loop's calls fail fast.
 *
 * <p>Time is simulated: a {@link ManualTicker} is advanced by the demo, so a day of normal
 * traffic takes seconds. Every call is a real HTTP request to the stub.
 */
public final class Demo {

  /** What the demo measured, for its summary and for tests. */
  public record Result(int normalCalls, int loopCallsAdmitted, int loopCallsRefused, Cost spentNormal,
      Cost spentDuringRunaway, Duration detectionDelay, Cost unguardedPerHour, Cost normalPerHour,
      CircuitBreaker.State breakerState, List<Alert> alerts, long stubRequests) {}

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("EEE HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final PrintStream out;
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
  public Demo(PrintStream out, boolean pace, CostExtractor extractor, List<Notifier> extraNotifiers) {
    this.out = out;
    this.pace = pace;
    this.extractor = extractor;
    this.extraNotifiers = List.copyOf(extraNotifiers);
  }

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
      try (RunawayGuard guard = builder.build()) {
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
        out.printf(Locale.ROOT, "%n  %d calls over %s of simulated time; baseline %s/h.%n%n", normalCalls,
            human(warm), money(base.baselineCostPerHour()), base.baselineReady() ? "" : " (still warming up)");

        out.println("Phase 2: an agent loop starts re-sending its growing context as fast as it can.");
        Instant onset = ticker.instant();
        long spentAtOnset = spentWindowDay(guard);
        int admitted = 0;
        int refused = 0;
        Instant trippedAt = null;
        long loopCostNanos = 0;
        int context = 4_000;
        for (int i = 0; i < 400; i++) {
          context += 1_500;
          int completion = 400;
          long callCost = priceOf(context, completion);
          loopCostNanos += callCost;
          try {
            callOnce(guard, http, stub.baseUri(), context, completion);
            admitted++;
          } catch (CircuitOpenException e) {
            refused++;
            if (trippedAt == null) {
              trippedAt = ticker.instant();
            }
          } catch (RunawayException e) {
            refused++;
            if (trippedAt == null) {
              trippedAt = ticker.instant();
            }
          }
          ticker.advance(Duration.ofMillis(500));
          if (i % 4 == 0) {
            status(ticker, guard, trippedAt == null ? "loop running" : "loop refused", admitted, refused);
          }
          if (pace) {
            Thread.sleep(trippedAt == null ? 60 : 15);
          }
          if (trippedAt != null && refused >= 60) {
            break;
          }
        }
        status(ticker, guard, "stopped", admitted, refused);
        out.println();
        int loopCalls = admitted + refused;
        Duration loopSpan = Duration.ofMillis(500L * loopCalls);
        Cost perCall = Cost.ofNanos(loopCostNanos / Math.max(1, loopCalls));
        Cost unguardedPerHour = perCall.times(3600_000L / 500);
        Cost normalPerHour = Double.isFinite(base.baselineCostPerHour()) ? Cost.usd(base.baselineCostPerHour()) : Cost.ZERO;
        Duration delay = trippedAt == null ? null : Duration.between(onset, trippedAt);
        Cost leaked = Cost.ofNanos(spentWindowDay(guard) - spentAtOnset);
        Result result = new Result(normalCalls, admitted, refused, spentNormal, leaked, delay, unguardedPerHour,
            normalPerHour, guard.breaker("openai").state(), List.copyOf(alerts), stub.requests());
        guard.close();
        summary(result, loopSpan);
        return result;
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

  /** gpt-4o list price, $2.50 in and $10 out per million tokens, for the unguarded projection. */
  private static long priceOf(int prompt, int completion) {
    return prompt * 2_500L + completion * 10_000L;
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
    out.printf(Locale.ROOT, "\r  [%s] %-22s hour %9s/%s  rate %10s/h %s baseline  breaker %-9s ok %3d refused %3d ",
        CLOCK.format(ticker.instant()), phase, s.windows().get(0).spent(), s.windows().get(0).budget().limit(),
        money(s.costPerHour()), ratio, s.breakerState(), admitted, refused);
    out.flush();
  }

  private void printAlert(Alert alert) {
    StringBuilder sb = new StringBuilder();
    sb.append("\n  ALERT ").append(alert.severity()).append(' ').append(alert.type()).append(": ").append(alert.title());
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

  private void summary(Result r, Duration loopSpan) {
    out.println();
    out.println("Summary");
    out.printf(Locale.ROOT, "  Normal traffic:        %d calls, %s spent, baseline about %s/h%n", r.normalCalls(),
        r.spentNormal(), r.normalPerHour());
    out.printf(Locale.ROOT, "  Runaway loop:          %d calls admitted, %d refused without reaching the API%n",
        r.loopCallsAdmitted(), r.loopCallsRefused());
    out.printf(Locale.ROOT, "  Spent by the loop:     %s before the breaker opened%n", r.spentDuringRunaway());
    out.printf(Locale.ROOT, "  Detection delay:       %s of simulated time after the loop started%n",
        r.detectionDelay() == null ? "not detected" : human(r.detectionDelay()));
    out.printf(Locale.ROOT, "  Unguarded, this loop:  %s per hour, %s per day%n", r.unguardedPerHour(),
        r.unguardedPerHour().times(24));
    out.printf(Locale.ROOT, "  Breaker:               %s; the stub API saw %d requests in all%n", r.breakerState(),
        r.stubRequests());
  }

  private static String money(double usdPerHour) {
    return Double.isFinite(usdPerHour) ? Cost.usd(usdPerHour).toString() : "n/a";
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
