package dev.runaway.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.ServicePolicy;
import dev.runaway.alert.Notifier;
import dev.runaway.micrometer.RunawayGuardMetrics;
import dev.runaway.telegram.TelegramNotifier;
import dev.runaway.testing.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.invoke.reflect.OperationMethod;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

final class RunawayAutoConfigurationTest {

  private static final String[] OPENAI = {
      "runaway.services.openai.budgets.hourly=1",
      "runaway.services.openai.budgets.daily=10",
      "runaway.services.openai.per-key-budgets.calendar-day=0.5",
      "runaway.services.openai.spike-multiplier=4",
      "runaway.services.openai.breaker.wait-in-open-state=2m"};

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class, RunawayMetricsAutoConfiguration.class,
          RunawayActuatorAutoConfiguration.class));

  @Test
  void propertiesPresent_guardHasTheConfiguredServicesAndBudgets() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.services.github.budgets.30m=2").run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuard.class);
      RunawayGuard guard = ctx.getBean(RunawayGuard.class);
      assertThat(guard.services()).containsExactly("openai", "github");
      assertThat(guard.snapshot("openai").windows()).extracting(w -> w.budget())
          .containsExactly(Budget.hourly(Cost.usd("1")), Budget.daily(Cost.usd("10")));
      assertThat(guard.service("openai").forKey("t").snapshot().windows().get(0).budget())
          .isEqualTo(Budget.calendarDay(Cost.usd("0.5"), java.time.ZoneId.of("UTC")));
      assertThat(guard.snapshot("github").windows().get(0).budget()).isEqualTo(Budget.of(Cost.usd("2"), Duration.ofMinutes(30)));
      guard.call("openai", Cost.usd("1"), () -> "ok");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.01"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    });
  }

  @Test
  void estimateProperty_chargesEachCallWithoutItsOwnEstimateSoALoopMeetsTheBudget() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1", "runaway.services.openai.estimate=0.3")
        .run(ctx -> {
          RunawayGuard guard = ctx.getBean(RunawayGuard.class);
          for (int i = 0; i < 3; i++) {
            guard.call("openai", () -> "ok");
          }
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> guard.call("openai", () -> "no"))
              .isInstanceOf(BudgetExceededException.class);
          assertThat(guard.stats("openai").spent()).isEqualTo(Cost.usd("0.9"));
        });
  }

  @Test
  void summary_namesBudgetsAndTheDefaultsThatProtectTheService() {
    dev.runaway.ServicePolicy p = dev.runaway.ServicePolicy.builder().budget(Budget.hourly(Cost.usd("10"))).build();
    assertThat(GuardFactory.summary("openai", p))
        .contains("openai: budgets [hourly budget ($10.00 per sliding 1h)], per key none, estimate per call none")
        .contains("opens above 5.0x the learned baseline (alert above 3.0x)")
        .contains("would be gone within 10m").endsWith("runaway.services.openai.*");
  }

  @Test
  void unpricedWarning_namesTheEstimatePropertyOnlyForBudgetsWithoutAnEstimateOrExtractor() {
    ServicePolicy.Builder p = ServicePolicy.builder();
    assertThat(GuardFactory.unpricedWarning("openai", p.build())).isNull();
    p.budget(Budget.hourly(Cost.usd("10")));
    assertThat(GuardFactory.unpricedWarning("openai", p.build()))
        .contains("charged $0").contains("Set runaway.services.openai.estimate").contains("RunawayServiceCustomizer");
    assertThat(GuardFactory.unpricedWarning("openai", p.estimate(Cost.usd("0.05")).build())).isNull();
    assertThat(GuardFactory.unpricedWarning("openai",
        ServicePolicy.builder().budget(Budget.hourly(Cost.usd("10"))).costExtractor(r -> Cost.usd("0.3")).build()))
        .isNull();
  }

  @Test
  void unpricedWarning_withNoExtractorOnTheClassPath_namesTheModulesThatPriceLlmResponses() {
    // nu58 trial: with the starter alone the WARN recommended a fixed estimate only; the modules that
    // price an LLM response from its usage (what a guarded chat call returns) went unnamed.
    String warning = GuardFactory.unpricedWarning("openai",
        ServicePolicy.builder().budget(Budget.hourly(Cost.usd("10"))).build(), null);
    assertThat(warning).contains("charged $0").contains("Set runaway.services.openai.estimate")
        .contains("dev.runaway:runaway-providers").contains("runaway-spring-ai").contains("runaway-langchain4j");
  }

  @Test
  void unpricedBudget_warnsOnceAtStartupNamingThePropertyAndNotAgainAtTheFirstCall() {
    int mark = LogCapture.mark();
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1", "runaway.services.github.budgets.hourly=5",
        "runaway.services.github.estimate=0.01").run(ctx -> {
          RunawayGuard guard = ctx.getBean(RunawayGuard.class);
          guard.call("openai", () -> "ok");
          guard.service("openai").forKey("tenant-1").call(() -> "ok");
          guard.call("github", () -> "ok");
        });
    // A guard built by hand from an unpriced policy still warns at its first call: only the
    // service whose warning the starter logged is spared the second one.
    RunawayGuard byHand = RunawayGuard.builder()
        .service("openai", ServicePolicy.builder().budget(Budget.hourly(Cost.usd("1"))).build()).build();
    byHand.call("openai", () -> "ok");

    List<String> unpriced = LogCapture.sinceOnThisThread(mark).stream()
        .filter(e -> e.level() == org.slf4j.event.Level.WARN && e.message().contains("charged $0"))
        .map(LogCapture.Event::message).toList();
    assertThat(unpriced).hasSize(2);
    assertThat(unpriced.get(0)).startsWith("runaway.services.openai has budgets but no estimate")
        .contains("Set runaway.services.openai.estimate");
    // runaway-providers is on this class path (through runaway-spring-ai), so the service by hand is
    // priced by its discovered LlmResultCosts, which cannot price "ok": the core's warning for that,
    // which names the result's type and the extractor found (it said "the cost extractor could not
    // price a call's result", an extractor this user never set; changed deliberately).
    // runaway-spring-ai's ChatResponseCosts is found beside it (Spring AI responses of guard.call).
    assertThat(unpriced.get(0)).contains("priced by [LlmResultCosts").contains("ChatResponseCosts (runaway-spring-ai")
        .contains("any other result is charged $0");
    assertThat(unpriced.get(1)).startsWith("Service openai has budgets but neither a cost extractor nor an estimate")
        .contains("(java.lang.String)").contains("LlmResultCosts");
  }

  /**
   * One service with a budget only and runaway-spring-ai on the class path: the ChatClient's round
   * trips go through the auto-configured advisor, which prices each from its usage. The startup
   * said at WARN to set an estimate (which changes nothing for them) or a customizer's extractor
   * (which the advisor would hand Spring AI's responses); it says at INFO how they are priced, and
   * a guard.call of the app's own that returns no LLM response still gets the core's WARN.
   */
  @Test
  void budgetOnly_withTheSpringAiAdvisor_saysAtInfoHowRoundTripsArePriced_notAWarnToSetAnEstimate() {
    int mark = LogCapture.mark();
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1")
        .run(ctx -> ctx.getBean(RunawayGuard.class).call("openai", () -> "ok"));
    List<LogCapture.Event> events = LogCapture.sinceOnThisThread(mark);
    assertThat(events).filteredOn(e -> e.level() == org.slf4j.event.Level.INFO)
        .extracting(LogCapture.Event::message)
        .anySatisfy(m -> assertThat(m).startsWith("Spring AI's ChatClient round trips are charged to"
            + " runaway.services.openai by the auto-configured RunawayGuardAdvisor"));
    List<String> warnings = events.stream().filter(e -> e.level() == org.slf4j.event.Level.WARN)
        .map(LogCapture.Event::message).filter(m -> m.contains("charged $0")).toList();
    assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
        .startsWith("Service openai has budgets but neither a cost extractor nor an estimate"));

    int off = LogCapture.mark();
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1", "runaway.spring-ai.enabled=false")
        .run(ctx -> assertThat(ctx).hasSingleBean(RunawayGuard.class));
    assertThat(LogCapture.sinceOnThisThread(off)).filteredOn(e -> e.level() == org.slf4j.event.Level.WARN)
        .extracting(LogCapture.Event::message)
        .anySatisfy(m -> assertThat(m).startsWith("runaway.services.openai has budgets but no estimate"));
  }

  @Test
  void serviceCustomizer_setsACostExtractorThePropertiesCannot_andTheBudgetStopsTheLoop() {
    int mark = LogCapture.mark();
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1", "runaway.services.github.budgets.hourly=5")
        .withBean("openAiCosts", RunawayServiceCustomizer.class,
            () -> RunawayServiceCustomizer.forService("openai", p -> p.costExtractor(r -> Cost.usd("0.3"))))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          RunawayGuard guard = ctx.getBean(RunawayGuard.class);
          int admitted = 0;
          try {
            for (int i = 0; i < 20; i++) {
              guard.call("openai", Cost.usd("0.01"), () -> "reply");
              admitted++;
            }
          } catch (BudgetExceededException expected) {
            // the extractor's $0.30 a reply filled the $1 budget
          }
          assertThat(admitted).isBetween(3, 4);
          assertThat(guard.stats("openai").spent()).isGreaterThanOrEqualTo(Cost.usd("0.9"));
          // Customizing one service leaves the other as its properties say.
          assertThat(guard.call("github", Cost.usd("0.01"), () -> "ok")).isEqualTo("ok");
          assertThat(guard.stats("github").spent()).isEqualTo(Cost.usd("0.01"));
        });
    assertThat(LogCapture.since(mark)).extracting(LogCapture.Event::message)
        .noneMatch(m -> m.contains("runaway.services.openai has budgets but no estimate"))
        .anyMatch(m -> m.contains("runaway.services.github has budgets but no estimate"));
  }

  @Test
  void serviceCustomizer_forAServiceNotConfigured_failsStartupNamingIt() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1")
        .withBean(RunawayServiceCustomizer.class, () -> RunawayServiceCustomizer.forService("opneai", p -> { }))
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
            .hasMessageContaining("service 'opneai'").hasMessageContaining("did you mean 'openai'?")
            .hasMessageContaining("configured services: [openai]"));
  }

  @Test
  void serviceCustomizer_withoutAName_isGivenEveryService() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=1", "runaway.services.github.budgets.hourly=5")
        .withBean("first", RunawayServiceCustomizer.class, () -> (name, p) -> p.estimate(Cost.usd("0.2")))
        .run(ctx -> {
          RunawayGuard guard = ctx.getBean(RunawayGuard.class);
          guard.call("openai", () -> "a");
          guard.call("github", () -> "b");
          assertThat(guard.stats("openai").spent()).isEqualTo(Cost.usd("0.2"));
          assertThat(guard.stats("github").spent()).isEqualTo(Cost.usd("0.2"));
        });
  }

  @Test
  void propertiesAbsent_anEmptyGuardAndNoFailure() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuard.class);
      assertThat(ctx.getBean(RunawayGuard.class).services()).isEmpty();
      assertThat(ctx).doesNotHaveBean(TelegramNotifier.class);
    });
  }

  @Test
  void disabled_noGuardNoMetricsNoActuatorBeans() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.enabled=false").run(ctx -> {
      assertThat(ctx).hasNotFailed().doesNotHaveBean(RunawayGuard.class).doesNotHaveBean(RunawayGuardMetrics.class)
          .doesNotHaveBean(RunawayHealthIndicator.class).doesNotHaveBean(RunawayEndpoint.class);
    });
  }

  @Test
  void userGuard_autoConfiguredOneBacksOff() {
    runner.withPropertyValues(OPENAI)
        .withBean(RunawayGuard.class, () -> RunawayGuard.builder().service("mine", s -> { }).build())
        .run(ctx -> assertThat(ctx.getBean(RunawayGuard.class).services()).containsExactly("mine"));
  }

  @Test
  void micrometerPresent_binderBoundWithTheGuardsFigures() {
    runner.withPropertyValues(OPENAI).run(ctx -> {
      assertThat(ctx).hasSingleBean(RunawayGuardMetrics.class);
      MeterRegistry registry = new SimpleMeterRegistry();
      ctx.getBean(RunawayGuardMetrics.class).bindTo(registry);
      ctx.getBean(RunawayGuard.class).call("openai", Cost.usd("0.25"), () -> "ok");
      assertThat(registry.get("runaway.budget.spent").tag("name", "openai").tag("budget", "hourly").gauge().value())
          .isEqualTo(0.25);
      assertThat(registry.get("runaway.calls").tag("kind", "admitted").functionCounter().count()).isEqualTo(1);
    });
  }

  @Test
  void micrometerAbsent_noBinderAndTheContextStillStarts() {
    runner.withPropertyValues(OPENAI).withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuard.class).doesNotHaveBean(RunawayGuardMetrics.class);
    });
    runner.withPropertyValues(OPENAI).withClassLoader(new FilteredClassLoader(RunawayGuardMetrics.class)).run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean(RunawayGuardMetrics.class));
  }

  @Test
  void metricsKeyTagsOutOfRange_namesTheProperty() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.metrics.key-tags=5000").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(rootMessage(ctx.getStartupFailure())).contains("runaway.metrics.key-tags").contains("5000");
    });
  }

  @Test
  void actuatorPresent_healthReportsOpenBreakerButStaysUp() {
    runner.withPropertyValues(OPENAI).run(ctx -> {
      assertThat(ctx).hasSingleBean(RunawayHealthIndicator.class).hasSingleBean(RunawayEndpoint.class);
      HealthIndicator health = ctx.getBean(RunawayHealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      ctx.getBean(RunawayGuard.class).breaker("openai").forceOpen("test");
      Health h = health.health();
      assertThat(h.getStatus()).isEqualTo(Status.UP);
      assertThat(h.getDetails().get("openBreakers")).isEqualTo(List.of("openai"));
    });
  }

  @Test
  void downWhenOpen_healthIsDownOnlyWhenAskedFor() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.health.down-when-open=true").run(ctx -> {
      HealthIndicator health = ctx.getBean(RunawayHealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      ctx.getBean(RunawayGuard.class).breaker("openai").forceOpen("test");
      assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void endpoint_givesTheStableSnapshotForm() {
    runner.withPropertyValues(OPENAI).run(ctx -> {
      RunawayGuard guard = ctx.getBean(RunawayGuard.class);
      guard.service("openai").forKey("tenant-1").call(Cost.usd("0.3"), () -> "ok");
      RunawayEndpoint endpoint = ctx.getBean(RunawayEndpoint.class);
      Map<String, Object> openai = (Map<String, Object>) ((Map<String, Object>) endpoint.snapshots().get("services"))
          .get("openai");
      assertThat(openai.get("baselineCostPerHour")).isNull();
      assertThat(((List<Map<String, Object>>) openai.get("windows")).get(0).get("spent")).isEqualTo("0.3");
      assertThat(((Map<String, Object>) openai.get("calls")).get("admitted")).isEqualTo(1L);
      Map<String, Object> one = endpoint.service("openai");
      assertThat(((List<Map<String, Object>>) one.get("keys")).get(0).get("key")).isEqualTo("tenant-1");
      assertThat(endpoint.service("nope")).isNull();
    });
  }

  @Test
  void endpoint_isDiscoverableByTheActuator_itsSelectorHasItsName() throws Exception {
    // The actuator reads a @Selector's name from the class file (javac -parameters); without it an
    // application with the web actuator failed to start: "Failed to extract parameter names".
    OperationMethod op = new OperationMethod(RunawayEndpoint.class.getMethod("service", String.class),
        OperationType.READ);
    assertThat(op.getParameters().get(0).getName()).isEqualTo("service");
  }

  @Test
  void actuatorAbsent_noHealthNoEndpoint() {
    runner.withPropertyValues(OPENAI).withClassLoader(new FilteredClassLoader(HealthIndicator.class, Endpoint.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuard.class)
            .doesNotHaveBean(RunawayHealthIndicator.class).doesNotHaveBean(RunawayEndpoint.class));
  }

  @Test
  void misspelledProperty_failsNamingItself() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.services.openai.spike-multiplyer=3").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(allMessages(ctx.getStartupFailure())).contains("runaway.services.openai.spike-multiplyer");
    });
    runner.withPropertyValues("runaway.servics.openai.budgets.hourly=1").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(allMessages(ctx.getStartupFailure())).contains("runaway.servics.openai.budgets.hourly");
    });
  }

  @Test
  void misspelledProperty_isExplainedWithTheNearestKnownProperty() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.services.openai.spike-multiplyer=3").run(ctx -> {
      org.springframework.boot.diagnostics.FailureAnalysis a =
          new RunawayPropertiesFailureAnalyzer().analyze(ctx.getStartupFailure());
      assertThat(a).isNotNull();
      assertThat(a.getDescription()).contains("runaway.services.openai.spike-multiplyer")
          .contains("did you mean runaway.services.openai.spike-multiplier?");
      assertThat(a.getAction()).contains("rename runaway.services.openai.spike-multiplyer to "
          + "runaway.services.openai.spike-multiplier");
    });
    runner.withPropertyValues("runaway.servics.openai.budgets.hourly=1", "runaway.health.down-when-opn=true").run(ctx -> {
      org.springframework.boot.diagnostics.FailureAnalysis a =
          new RunawayPropertiesFailureAnalyzer().analyze(ctx.getStartupFailure());
      assertThat(a).isNotNull();
      assertThat(a.getDescription()).contains("did you mean runaway.services.openai.budgets.hourly?");
    });
    assertThat(RunawayPropertiesFailureAnalyzer.suggest("runaway.health.down-when-opn"))
        .contains("runaway.health.down-when-open");
    assertThat(RunawayPropertiesFailureAnalyzer.suggest("runaway.services.openai.breaker.wait-in-opn-state"))
        .contains("runaway.services.openai.breaker.wait-in-open-state");
    assertThat(RunawayPropertiesFailureAnalyzer.suggest("runaway.completely-unrelated")).isEmpty();
    try (java.io.InputStream in = RunawayPropertiesFailureAnalyzer.class.getResourceAsStream("/META-INF/spring.factories")) {
      java.util.Properties factories = new java.util.Properties();
      factories.load(in);
      assertThat(factories.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer"))
          .contains(RunawayPropertiesFailureAnalyzer.class.getName());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The environment-variable forms the README's Spring Boot section lists, each applied. */
  @Test
  void environmentVariables_everyDocumentedBudgetFormIsApplied() {
    Map<String, Object> env = Map.of("RUNAWAY_SERVICES_OPENAI_BUDGETS_HOURLY", "10",
        "RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDARDAY", "3", "RUNAWAY_SERVICES_OPENAI_BUDGETS_30M", "2",
        "RUNAWAY_SERVICES_OPENAI_PERKEYBUDGETS_CALENDAR_DAY", "1", "RUNAWAY_SERVICES_OPENAI_SPIKEMULTIPLIER", "4");
    runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().replace(
        org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new org.springframework.core.env.SystemEnvironmentPropertySource(
            org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env))).run(ctx -> {
              assertThat(ctx).hasNotFailed();
              RunawayGuard guard = ctx.getBean(RunawayGuard.class);
              assertThat(guard.snapshot("openai").windows()).extracting(w -> w.budget()).containsExactlyInAnyOrder(
                  Budget.hourly(Cost.usd("10")), Budget.calendarDay(Cost.usd("3"), java.time.ZoneId.of("UTC")),
                  Budget.of(Cost.usd("2"), Duration.ofMinutes(30)));
              assertThat(guard.service("openai").forKey("t").snapshot().windows().get(0).budget())
                  .isEqualTo(Budget.calendarDay(Cost.usd("1"), java.time.ZoneId.of("UTC")));
              assertThat(guard.policy("openai").detection().spikeMultiplier()).isEqualTo(4.0);
            });
  }

  @Test
  void budgetAmountNotANumber_failsNamingThePropertyAndTheForm() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=$5").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(allMessages(ctx.getStartupFailure())).contains("runaway.services.openai.budgets.hourly")
          .contains("not an amount").contains("such as 10 or 2.50");
    });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "runaway.services.openai.budgets.hourlyy=1 | runaway.services.openai.budgets.hourlyy | unknown budget window",
      "runaway.services.openai.budgets.daily=-5 | runaway.services.openai.budgets.daily | positive",
      "runaway.services.openai.spike-multiplier=0.5 | runaway.services.openai.spike-multiplier | 0.5",
      "runaway.services.openai.zone=Mars/Olympus | runaway.services.openai.zone | Mars/Olympus",
      "runaway.services.openai.budgets.hourly=0.0000000001 | runaway.services.openai.budgets.hourly | 0.0000000001",
      "runaway.redis.enabled=true,runaway.redis.failure-mode=sometimes | runaway.redis.failure-mode | fail-closed",
      "runaway.notifiers.telegram.enabled=true,runaway.notifiers.telegram.bot-token=x | runaway.notifiers.telegram.chat-id | TELEGRAM_CHANNEL_ID"})
  void invalidValue_failsNamingThePropertyAndTheRule(String properties, String property, String detail) {
    runner.withPropertyValues(properties.split(",")).run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(allMessages(ctx.getStartupFailure())).contains(property).contains(detail);
    });
  }

  @Test
  void invalidValue_crossSettingRuleAndBudgetWindow_nameThePropertiesAndTheAmountAsWritten() {
    // nu30 properties trial: the multiplier rule named the builder's "breakerMultiplier" and no
    // property; a misspelt window showed the amount 10 as '1E+1', a 0m window as 'PT0S'.
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=10", "runaway.services.openai.spike-multiplier=5",
        "runaway.services.openai.breaker-multiplier=3").run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(rootMessage(ctx.getStartupFailure()))
              .startsWith("Property runaway.services.openai.breaker-multiplier with value '3.0' is invalid: "
                  + "runaway.services.openai.breaker-multiplier (3.0) must not be below runaway.services.openai"
                  + ".spike-multiplier (5.0)")
              .doesNotContain("breakerMultiplier");
        });
    runner.withPropertyValues("runaway.services.openai.budgets.hourley=10").run(ctx ->
        assertThat(rootMessage(ctx.getStartupFailure())).contains("with value '10' is invalid: unknown budget window"));
    runner.withPropertyValues("runaway.services.openai.budgets.0m=10").run(ctx ->
        assertThat(rootMessage(ctx.getStartupFailure()))
            .contains("runaway.services.openai.budgets.0m with value '10' is invalid: budget window '0m': "));
  }

  @Test
  void telegramEnabled_notifierBeanFeedsTheGuard() {
    runner.withPropertyValues(OPENAI).withPropertyValues("runaway.notifiers.telegram.enabled=true",
        "runaway.notifiers.telegram.bot-token=123:abc", "runaway.notifiers.telegram.chat-id=-100",
        "runaway.notifiers.telegram.base-uri=http://127.0.0.1:9").run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(TelegramNotifier.class);
          assertThat(ctx.getBeansOfType(Notifier.class)).hasSize(1);
          assertThat(ctx.getBean(RunawayProperties.class).getNotifiers().getTelegram().toString()).doesNotContain("abc");
        });
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage();
  }

  private static String allMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }
}
