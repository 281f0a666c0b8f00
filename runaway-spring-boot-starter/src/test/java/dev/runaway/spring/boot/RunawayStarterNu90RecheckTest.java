package dev.runaway.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * nu90 re-check of the nu86 trial (Spring Boot 4 app, starter + runaway-telegram, properties on the
 * command line): the starter's exception now carries a redacted value, but what a user sees is
 * Spring Boot's failure analysis ("APPLICATION FAILED TO START"), and
 * InvalidConfigurationPropertyValueFailureAnalyzer takes the value it prints from the Environment's
 * property sources, not from the exception. The real app printed:
 * {@code Invalid value '123456789:AAHdqTcv...' for configuration property 'runaway.notifiers.telegram.chat-id'}
 * and {@code Invalid value 'https://user:hunter2pass@api.telegram.org' for configuration property
 * 'runaway.notifiers.telegram.base-uri'}. The README: "A value that may be a credential (a bot token
 * pasted into chat-id, a password in base-uri) is never quoted in the failure".
 */
final class RunawayStarterNu90RecheckTest {
  // Changed after the fix: the report is the one Spring Boot would print (every registered analyzer,
  // in order), not Spring Boot's own analyzer called alone, which the starter's now comes before.

  private static final String TOKEN = "123456789:AAHk3bXyZSECRET123abcdefGHIJKLmnopq";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class));

  @Test
  void botTokenPastedIntoChatId_isNotQuotedByTheStartupFailureReport() {
    assertReportNeverQuotes("SECRET123", "runaway.services.openai.budgets.hourly=5",
        "runaway.notifiers.telegram.enabled=true", "runaway.notifiers.telegram.bot-token=" + TOKEN,
        "runaway.notifiers.telegram.chat-id=" + TOKEN);
  }

  @Test
  void passwordInBaseUri_isNotQuotedByTheStartupFailureReport() {
    assertReportNeverQuotes("hunter2pass", "runaway.services.openai.budgets.hourly=5",
        "runaway.notifiers.telegram.enabled=true", "runaway.notifiers.telegram.bot-token=123:abc",
        "runaway.notifiers.telegram.chat-id=-100", "runaway.notifiers.telegram.base-uri=https://user:hunter2pass@api.telegram.org");
  }

  private void assertReportNeverQuotes(String secret, String... properties) {
    runner.withPropertyValues(properties).run(ctx -> {
      assertThat(ctx).hasFailed();
      Throwable failure = ctx.getStartupFailure();
      InvalidConfigurationPropertyValueException t = find(failure);
      assertThat(t).as("an InvalidConfigurationPropertyValueException in the cause chain").isNotNull();
      assertThat(t.getMessage()).doesNotContain(secret);
      FailureAnalysis analysis = analyze(env(properties), failure);
      assertThat(analysis).isNotNull();
      String report = analysis.getDescription() + "\n" + analysis.getAction();
      assertThat(report).contains(t.getName());
      assertThat(report).doesNotContain(secret);
    });
  }

  /** The first {@link InvalidConfigurationPropertyValueException} in a failure's cause chain, or {@code null}. */
  static InvalidConfigurationPropertyValueException find(Throwable failure) {
    Throwable t = failure;
    while (t != null && !(t instanceof InvalidConfigurationPropertyValueException)) {
      t = t.getCause();
    }
    return (InvalidConfigurationPropertyValueException) t;
  }

  /**
   * The environment a Spring Boot app has: the properties ({@code name=value}) in a property source
   * (as from the command line).
   */
  static StandardEnvironment env(String... properties) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (String p : properties) {
      int i = p.indexOf('=');
      map.put(p.substring(0, i), p.substring(i + 1));
    }
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("commandLineArgs", map));
    return env;
  }

  /**
   * What SpringApplication reports: the analyzers registered in every {@code spring.factories} on
   * the class path (Spring Boot's own and the starter's), in their order, the first analysis that
   * is not null (as Spring Boot's {@code FailureAnalyzers} does).
   */
  static FailureAnalysis analyze(Environment env, Throwable failure) {
    List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(
        RunawayStarterNu90RecheckTest.class.getClassLoader()).load(FailureAnalyzer.class,
        SpringFactoriesLoader.ArgumentResolver.of(Environment.class, env)
            .and(BeanFactory.class, new DefaultListableBeanFactory()),
        // As Spring Boot does: an analyzer whose classes are missing here (web) is skipped.
        SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { }));
    assertThat(analyzers)
        .anyMatch(a -> a.getClass().getName().endsWith("InvalidConfigurationPropertyValueFailureAnalyzer"));
    AnnotationAwareOrderComparator.sort(analyzers);
    for (FailureAnalyzer a : analyzers) {
      FailureAnalysis analysis = a.analyze(failure);
      if (analysis != null) {
        return analysis;
      }
    }
    return null;
  }
}
