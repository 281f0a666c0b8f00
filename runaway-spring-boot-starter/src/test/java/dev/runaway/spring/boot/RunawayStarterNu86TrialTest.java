package dev.runaway.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.redis.RedisLedger;
import dev.runaway.telegram.TelegramNotifier;
import dev.runaway.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * nu86 trial: a new Spring Boot 4 app with the starter, runaway-spring-ai and runaway-micrometer,
 * a $5 hourly budget for "openai" and nothing else, Spring AI's OpenAI client on a loopback stub.
 * What the README's Spring Boot section promises for the properties ("Unknown runaway.* properties
 * and invalid values fail startup naming the property and where it was set", "never silently
 * ignored"), checked value by value.
 */
final class RunawayStarterNu86TrialTest {

  private static final String BUDGET = "runaway.services.openai.budgets.hourly=5";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class, RunawayMetricsAutoConfiguration.class,
          RunawayActuatorAutoConfiguration.class));

  /**
   * The trial app had no runaway-redis (the starter section lists the modules to add for metrics,
   * Spring AI and pricing, not this one): {@code runaway.redis.enabled=true} started without a word,
   * every instance keeping its own in-memory budget, so a fleet of N spends N times the "fleet" budget.
   */
  @Test
  void redisEnabled_withoutRunawayRedisOnTheClassPath_isNotSilentlyIgnored() {
    int mark = LogCapture.mark();
    runner.withPropertyValues(BUDGET, "runaway.redis.enabled=true")
        .withClassLoader(new FilteredClassLoader(RedisLedger.class)).run(ctx ->
            assertFailsOrWarns(ctx, mark, "runaway.redis.enabled", "runaway-redis"));
  }

  /**
   * Same for the Telegram notifier: {@code runaway.notifiers.telegram.enabled=true} without
   * runaway-telegram started with no notifier, no WARN, no failure; alerts only reach the log.
   */
  @Test
  void telegramEnabled_withoutRunawayTelegramOnTheClassPath_isNotSilentlyIgnored() {
    int mark = LogCapture.mark();
    runner.withPropertyValues(BUDGET, "runaway.notifiers.telegram.enabled=true")
        .withClassLoader(new FilteredClassLoader(TelegramNotifier.class)).run(ctx ->
            assertFailsOrWarns(ctx, mark, "runaway.notifiers.telegram.enabled", "runaway-telegram"));
  }

  /**
   * An invalid chat id fails with the builder's IllegalArgumentException ("chatId must be an
   * integer id ..."), a raw stack trace in the app: no failure analysis, no property named.
   */
  @Test
  void telegramChatIdInvalid_failsNamingTheProperty() {
    runner.withPropertyValues(BUDGET, "runaway.notifiers.telegram.enabled=true",
        "runaway.notifiers.telegram.bot-token=123:abc", "runaway.notifiers.telegram.chat-id=notachat").run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(allMessages(ctx.getStartupFailure())).contains("runaway.notifiers.telegram.chat-id");
        });
  }

  /**
   * The bot token pasted into chat-id (the two are set side by side) is quoted in the startup
   * failure: in the trial app the token was in 12 log lines. The README: "a credential pasted where
   * its variable's name belongs ... is a config error at that setting's line that never quotes it".
   */
  @Test
  void telegramChatIdHoldingTheBotToken_failureNeverQuotesIt() {
    String token = "123456789:AAHk3bXyZSECRET123abcdefGHIJKLmnopq";
    runner.withPropertyValues(BUDGET, "runaway.notifiers.telegram.enabled=true",
        "runaway.notifiers.telegram.bot-token=" + token, "runaway.notifiers.telegram.chat-id=" + token).run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(allMessages(ctx.getStartupFailure())).doesNotContain("SECRET123").doesNotContain(token);
        });
  }

  /**
   * A base-uri with a credential in it (a proxy's user:password, a key in the query) is refused,
   * rightly, but the failure quotes the whole URI, credential included.
   */
  @Test
  void telegramBaseUriWithCredential_failureNeverQuotesIt() {
    runner.withPropertyValues(BUDGET, "runaway.notifiers.telegram.enabled=true",
        "runaway.notifiers.telegram.bot-token=123:abc", "runaway.notifiers.telegram.chat-id=-100",
        "runaway.notifiers.telegram.base-uri=https://u:sk-test-SECRET123@127.0.0.1:9/x?key=sk-test-SECRET123")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          String messages = allMessages(ctx.getStartupFailure());
          assertThat(messages).contains("runaway.notifiers.telegram.base-uri").doesNotContain("SECRET123");
        });
  }

  /**
   * {@code runaway.services.openai.budgets.hourly=} (an empty value, as {@code ${OPENAI_BUDGET:}}
   * gives when the variable is unset) failed as "Unknown Runaway Guard property:
   * runaway.services.openai.budgets.hourly" with the action "Remove the properties above or correct
   * their names": the name is right, the value is missing.
   */
  @Test
  void emptyBudgetValue_isReportedAsAMissingAmount_notAnUnknownProperty() {
    runner.withPropertyValues("runaway.services.openai.budgets.hourly=").run(ctx -> {
      assertThat(ctx).hasFailed();
      FailureAnalysis a = new RunawayPropertiesFailureAnalyzer().analyze(ctx.getStartupFailure());
      String text = a != null ? a.getDescription() + "\n" + a.getAction() : allMessages(ctx.getStartupFailure());
      assertThat(text).contains("runaway.services.openai.budgets.hourly").doesNotContain("Unknown Runaway Guard property")
          .doesNotContain("correct their names");
    });
  }

  /**
   * Budgets set from environment variables (a container's usual way): a calendar-day budget has no
   * environment-variable form ({@code _} becomes {@code .}, so {@code ..._BUDGETS_CALENDAR_DAY=3} is
   * {@code budgets.calendar.day}); the app started without a word, the $3 calendar-day budget simply
   * absent (trial app: the startup summary read "budgets [hourly budget ($5.00 per sliding 1h)]").
   * ({@code ..._BUDGETS_CALENDARDAY} fails, rightly, as an unknown window 'calendarday', without
   * saying how to write calendar-day in the environment.)
   */
  @Test
  void environmentVariable_calendarDayBudget_isAppliedOrFailsStartup_neverSilentlyIgnored() {
    runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().replace(
        org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new org.springframework.core.env.SystemEnvironmentPropertySource(
            org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            java.util.Map.of("RUNAWAY_SERVICES_OPENAI_BUDGETS_HOURLY", "5",
                "RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY", "3")))).run(ctx -> {
                  if (ctx.getStartupFailure() != null) {
                    assertThat(allMessages(ctx.getStartupFailure())).contains("RUNAWAY_SERVICES_OPENAI_BUDGETS_CALENDAR_DAY");
                    return;
                  }
                  dev.runaway.RunawayGuard guard = ctx.getBean(dev.runaway.RunawayGuard.class);
                  assertThat(guard.snapshot("openai").windows()).extracting(w -> w.budget())
                      .as("the calendar-day budget of the environment").hasSize(2);
                });
  }

  private static void assertFailsOrWarns(AssertableApplicationContext ctx, int mark, String property, String module) {
    if (ctx.getStartupFailure() != null) {
      assertThat(allMessages(ctx.getStartupFailure())).contains(property).contains(module);
      return;
    }
    List<String> warnings = LogCapture.sinceOnThisThread(mark).stream()
        .filter(e -> e.level() == org.slf4j.event.Level.WARN || e.level() == org.slf4j.event.Level.ERROR)
        .map(LogCapture.Event::message).filter(m -> m.contains(property)).toList();
    assertThat(warnings).as("startup neither failed nor warned that %s does nothing without %s", property, module)
        .anySatisfy(m -> assertThat(m).contains(module));
  }

  private static String allMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }
}
