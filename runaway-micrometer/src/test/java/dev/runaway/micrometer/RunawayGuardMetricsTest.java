package dev.runaway.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.CallStats;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class RunawayGuardMetricsTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("2"))).budget(Budget.daily(Cost.usd("20")))
            .perKeyBudget(Budget.daily(Cost.usd("1"))))
        .service("github", s -> s.budget(Budget.daily(Cost.usd("5"))))
        .ticker(ticker)
        .alertSink(a -> { })
        .build();
  }

  /** A scripted run touching every outcome, with time moving between calls. */
  private static void script(RunawayGuard guard, ManualTicker ticker) {
    for (int i = 0; i < 12; i++) {
      guard.service("openai").forKey("tenant-" + (i % 3)).call(Cost.usd("0.15"), () -> "ok");
      ticker.advance(Duration.ofSeconds(20));
    }
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.05"), () -> {
      throw new IOException("boom");
    })).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.5"), () -> "never"))
        .isInstanceOf(BudgetExceededException.class);
    guard.record("github", Cost.usd("1.25"));
    guard.breaker("github").forceOpen("maintenance");
    assertThatThrownBy(() -> guard.call("github", Cost.usd("0.01"), () -> "never"))
        .isInstanceOf(CircuitOpenException.class);
    ticker.advance(Duration.ofSeconds(30));
  }

  @Test
  void readings_equalTheGuardsOwnFiguresAfterAScriptedRun() {
    try (RunawayGuard guard = guard()) {
      RunawayGuardMetrics.of(guard).bindTo(registry);
      script(guard, ticker);

      for (String service : guard.services()) {
        CallStats stats = guard.stats(service);
        assertThat(calls(service, "admitted")).isEqualTo(stats.admitted());
        assertThat(calls(service, "refused_budget")).isEqualTo(stats.refusedByBudget());
        assertThat(calls(service, "refused_breaker")).isEqualTo(stats.refusedByBreaker());
        assertThat(calls(service, "failed")).isEqualTo(stats.failed());
        assertThat(registry.get("runaway.cost").tag("name", service).functionCounter().count())
            .isEqualTo(stats.spent().toDouble());
        ServiceSnapshot s = guard.snapshot(service);
        for (ServiceSnapshot.WindowSnapshot w : s.windows()) {
          String b = w.budget().label();
          assertThat(gauge("runaway.budget.spent", service, b)).isEqualTo(w.spent().toDouble());
          assertThat(gauge("runaway.budget.remaining", service, b)).isEqualTo(w.remaining().toDouble());
          assertThat(gauge("runaway.budget.limit", service, b)).isEqualTo(w.budget().limit().toDouble());
          assertThat(gauge("runaway.budget.reserved", service, b)).isZero();
        }
        assertThat(registry.get("runaway.burn.rate").tag("name", service).gauge().value()).isEqualTo(s.costPerHour());
        assertThat(registry.get("runaway.call.rate").tag("name", service).gauge().value())
            .isEqualTo(s.callsPerMinute());
        assertThat(registry.get("runaway.burn.baseline").tag("name", service).gauge().value()).isNaN();
      }
      // The figures the script implies, so the comparison above cannot pass on two zeros.
      assertThat(calls("openai", "admitted")).isEqualTo(13);
      assertThat(calls("openai", "failed")).isEqualTo(1);
      assertThat(calls("openai", "refused_budget")).isEqualTo(1);
      assertThat(calls("github", "refused_breaker")).isEqualTo(1);
      assertThat(gauge("runaway.budget.spent", "openai", "hourly")).isEqualTo(1.8);
      assertThat(gauge("runaway.budget.remaining", "openai", "hourly")).isEqualTo(0.2, org.assertj.core.api.Assertions.within(1e-9));
      assertThat(gauge("runaway.budget.spent", "github", "daily")).isEqualTo(1.25);
      assertThat(registry.get("runaway.burn.rate").tag("name", "openai").gauge().value()).isPositive();
      assertThat(registry.get("runaway.keys.tracked").tag("name", "openai").gauge().value()).isEqualTo(3);
    }
  }

  @Test
  void breakerState_oneGaugePerStateWithOneForTheCurrent() {
    try (RunawayGuard guard = guard()) {
      RunawayGuardMetrics.of(guard).bindTo(registry);
      guard.breaker("github").forceOpen("maintenance");
      RunawayMonitorMetricsTest.collectGarbage();

      assertThat(state("github", "forced_open")).isEqualTo(1);
      assertThat(state("github", "closed")).isZero();
      assertThat(state("openai", "closed")).isEqualTo(1);
      assertThat(registry.find("runaway.breaker.state").tag("name", "github").gauges()).hasSize(5);
      guard.breaker("github").reset();
      assertThat(state("github", "closed")).isEqualTo(1);
      assertThat(state("github", "forced_open")).isZero();
    }
  }

  @Test
  void keys_neverBecomeTagsByDefault() {
    try (RunawayGuard guard = guard()) {
      RunawayGuardMetrics.of(guard).bindTo(registry);
      script(guard, ticker);
      registry.get("runaway.keys.tracked").tag("name", "openai").gauge().value();

      for (Meter m : registry.getMeters()) {
        assertThat(m.getId().getTag("key")).as(m.getId().toString()).isNull();
      }
      assertThat(registry.find("runaway.key.spent").gauges()).isEmpty();
    }
  }

  @Test
  void keyTags_optInExportsOnlyTheLargestSpenders() {
    try (RunawayGuard guard = guard()) {
      RunawayGuardMetrics.builder(guard).keyTags(2).build().bindTo(registry);
      guard.service("openai").forKey("small").call(Cost.usd("0.01"), () -> "ok");
      guard.service("openai").forKey("big").call(Cost.usd("0.50"), () -> "ok");
      guard.service("openai").forKey("mid").call(Cost.usd("0.20"), () -> "ok");

      registry.get("runaway.keys.tracked").tag("name", "openai").gauge().value();
      RunawayMonitorMetricsTest.collectGarbage(); // between a refresh and the read: rows must survive it

      assertThat(registry.find("runaway.key.spent").tag("key", "big").gauge().value()).isEqualTo(0.5);
      assertThat(registry.find("runaway.key.spent").tag("key", "mid").gauge().value()).isEqualTo(0.2);
      assertThat(registry.find("runaway.key.spent").tag("key", "small").gauge()).isNull();
      assertThatThrownBy(() -> RunawayGuardMetrics.builder(guard).keyTags(RunawayGuardMetrics.MAX_KEY_TAGS + 1))
          .hasMessageContaining("keyTags").hasMessageContaining("1001");
    }
  }

  /**
   * What an exporter does at a scrape or publish: list the meters, then read each. Returns the
   * {@code runaway.key.spent} rows read, as "key/budget" to value.
   */
  private java.util.Map<String, Double> scrapeKeyRows() {
    java.util.Map<String, Double> rows = new java.util.TreeMap<>();
    for (Meter m : registry.getMeters()) {
      double v = m.measure().iterator().next().getValue();
      if (m.getId().getName().equals("runaway.key.spent")) {
        rows.put(m.getId().getTag("key") + "/" + m.getId().getTag("budget"), v);
      }
    }
    return rows;
  }

  @Test
  void keyTags_aKeysFirstCallsAreInTheScrapeThatFollowsThem() {
    try (RunawayGuard guard = guard()) {
      RunawayGuardMetrics.builder(guard).keyTags(2).build().bindTo(registry);
      assertThat(scrapeKeyRows()).isEmpty();

      guard.service("openai").forKey("acme").call(Cost.usd("0.30"), () -> "ok");
      RunawayMonitorMetricsTest.collectGarbage(); // rows must survive a collection before the scrape
      assertThat(scrapeKeyRows()).containsExactly(java.util.Map.entry("acme/daily", 0.3));

      guard.service("openai").forKey("initech").call(Cost.usd("0.10"), () -> "ok");
      guard.service("openai").forKey("acme").call(Cost.usd("0.20"), () -> "ok");
      assertThat(scrapeKeyRows()).containsExactly(java.util.Map.entry("acme/daily", 0.5),
          java.util.Map.entry("initech/daily", 0.1));

      // Both rows are taken: a smaller newcomer is not shown, before or after the refresh.
      guard.service("openai").forKey("small").call(Cost.usd("0.01"), () -> "ok");
      assertThat(scrapeKeyRows()).containsOnlyKeys("acme/daily", "initech/daily");
      assertThat(scrapeKeyRows()).containsOnlyKeys("acme/daily", "initech/daily");
    }
  }

  @Test
  void keyTags_scrapesNeitherKeepIdleKeysNorReviveEvictedOnes() {
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.perKeyBudget(Budget.daily(Cost.usd("1"))).keyIdleExpiry(Duration.ofMinutes(10)))
        .ticker(ticker).alertSink(a -> { }).build()) {
      RunawayGuardMetrics.builder(guard).keyTags(5).build().bindTo(registry);
      guard.service("openai").forKey("acme").call(Cost.usd("0.30"), () -> "ok");
      for (int i = 0; i < 4; i++) {
        ticker.advance(Duration.ofMinutes(4));
        scrapeKeyRows();
      }
      // 16 minutes without a call: the key expired although every scrape read its row.
      assertThat(guard.trackedKeys("openai")).isZero();
      assertThat(scrapeKeyRows()).isEmpty();
      assertThat(guard.trackedKeys("openai")).isZero();
    }
  }

  private double calls(String service, String kind) {
    return registry.get("runaway.calls").tag("name", service).tag("kind", kind).functionCounter().count();
  }

  private double gauge(String name, String service, String budget) {
    return registry.get(name).tag("name", service).tag("budget", budget).gauge().value();
  }

  private double state(String service, String state) {
    return registry.get("runaway.breaker.state").tag("name", service).tag("state", state).gauge().value();
  }
}
