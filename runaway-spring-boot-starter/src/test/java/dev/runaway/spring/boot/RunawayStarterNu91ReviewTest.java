package dev.runaway.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * nu91 review of the starter's startup failure reports, read as Spring Boot prints them (every
 * registered analyzer, in order, the first analysis), as in {@link RunawayStarterNu90RecheckTest}.
 */
final class RunawayStarterNu91ReviewTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class));

  /**
   * An API key in a budget (RUNAWAY_SERVICES_OPENAI_BUDGETS_HOURLY=$OPENAI_API_KEY, a mix-up of two
   * variables): the budget is read as text now and rejected as "not an amount" with the value
   * quoted as written, in the exception's message and in Spring Boot's report. The core's settings
   * (Redaction.shown) never quote a rejected value shaped like a credential.
   */
  @Test
  void apiKeyPastedIntoABudget_isNotQuotedByTheExceptionOrTheReport() {
    String key = "sk-proj-AbC123xYz456SECRET789qwe";
    String[] properties = {"runaway.services.openai.budgets.hourly=" + key};
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasFailed();
      InvalidConfigurationPropertyValueException e = RunawayStarterNu90RecheckTest.find(ctx.getStartupFailure());
      assertThat(e).isNotNull();
      assertThat(e.getName()).isEqualTo("runaway.services.openai.budgets.hourly");
      assertThat(e.getMessage()).doesNotContain("SECRET789");
      FailureAnalysis analysis = RunawayStarterNu90RecheckTest.analyze(
          RunawayStarterNu90RecheckTest.env(properties), ctx.getStartupFailure());
      assertThat(analysis.getDescription() + "\n" + analysis.getAction()).doesNotContain("SECRET789");
    });
  }

  /**
   * A harmless typo in base-uri (ftp instead of https): the starter's exception carries the value it
   * can show (scheme, host and port), but the analyzer prints no value at all for base-uri, so the
   * report never says what was wrong with what was written.
   */
  @Test
  void harmlessBaseUri_theReportShowsTheMaskedValueTheStarterGaveIt() {
    String[] properties = {"runaway.services.openai.budgets.hourly=5", "runaway.notifiers.telegram.enabled=true",
        "runaway.notifiers.telegram.bot-token=123:abc", "runaway.notifiers.telegram.chat-id=-100",
        "runaway.notifiers.telegram.base-uri=ftp://api.telegram.org"};
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasFailed();
      InvalidConfigurationPropertyValueException e = RunawayStarterNu90RecheckTest.find(ctx.getStartupFailure());
      assertThat(e).isNotNull();
      assertThat(e.getValue()).isEqualTo("ftp://api.telegram.org");
      FailureAnalysis analysis = RunawayStarterNu90RecheckTest.analyze(
          RunawayStarterNu90RecheckTest.env(properties), ctx.getStartupFailure());
      assertThat(analysis.getDescription()).contains("ftp://api.telegram.org");
    });
  }

  /**
   * README ("From environment variables"): RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY means
   * calendar-day. The usual 12-factor override: application.properties says calendar-day=3, the
   * production environment raises it with RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY=10. With
   * the budgets bound as a map of text, the two are different keys (calendar-day and calendar.day),
   * so the guard gets two calendar-day budgets ($3 and $10) and the override does nothing: the $3
   * one still refuses at $3, without a word.
   */
  @Test
  void environmentVariable_overridesTheCalendarDayBudgetOfTheProperties_notAddsASecondOne() {
    runner.withPropertyValues("runaway.services.openai.budgets.calendar-day=3")
        .withInitializer(ctx -> ctx.getEnvironment().getPropertySources().replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new org.springframework.core.env.SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY", "10")))).run(ctx -> {
                  if (ctx.getStartupFailure() != null) {
                    // Failing startup naming both would be acceptable too.
                    assertThat(ctx.getStartupFailure()).hasMessageContaining("calendar");
                    return;
                  }
                  dev.runaway.RunawayGuard guard = ctx.getBean(dev.runaway.RunawayGuard.class);
                  assertThat(guard.snapshot("openai").windows()).extracting(w -> w.budget().limit())
                      .as("one calendar-day budget, the environment's").containsExactly(dev.runaway.Cost.usd("10"));
                });
  }

  /** The README's way to let the environment override: the same form in the properties. */
  @Test
  void environmentVariable_overridesTheSameFormInTheProperties() {
    // As in an application: application.properties below the environment (withPropertyValues
    // would put the property above it).
    runner.withInitializer(ctx -> {
      ctx.getEnvironment().getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
          new org.springframework.core.env.SystemEnvironmentPropertySource(
              StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
              Map.of("RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY", "10")));
      ctx.getEnvironment().getPropertySources().addLast(new MapPropertySource(
          "Config resource 'class path resource [application.properties]'",
          Map.of("runaway.services.openai.budgets.calendar.day", "3")));
    }).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      dev.runaway.RunawayGuard guard = ctx.getBean(dev.runaway.RunawayGuard.class);
      assertThat(guard.snapshot("openai").windows()).extracting(w -> w.budget().limit())
          .containsExactly(dev.runaway.Cost.usd("10"));
    });
  }

  @Test
  void oneWindowInTwoForms_failsNamingBoth() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=3", "runaway.services.openai.budgets.1h=5")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          InvalidConfigurationPropertyValueException e = RunawayStarterNu90RecheckTest.find(ctx.getStartupFailure());
          assertThat(e).isNotNull();
          assertThat(e.getReason()).contains("hourly window is also set as runaway.services.openai.budgets.");
          assertThat(e.getName() + " " + e.getReason()).contains("budgets.hourly").contains("budgets.1h");
        });
  }
}
