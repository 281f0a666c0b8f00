package dev.runaway.spring.boot;

import dev.runaway.RunawayGuard;
import dev.runaway.springai.RunawayGuardAdvisor;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientBuilderCustomizer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;

/**
 * Guards every model round trip of Spring AI's auto-configured {@code ChatClient}s when
 * {@code runaway-spring-ai} and Spring AI's chat client are on the class path: a
 * {@link RunawayGuardAdvisor} bean for the service named by {@code runaway.spring-ai.service}
 * (default: the only configured service), and a {@link ChatClientBuilderCustomizer} that adds it to every
 * {@code ChatClient.Builder} Spring AI creates. {@code runaway.spring-ai.enabled=false} turns it
 * off; defining your own {@code RunawayGuardAdvisor} bean replaces the default one.
 */
@AutoConfiguration(after = RunawayAutoConfiguration.class)
@ConditionalOnClass({RunawayGuardAdvisor.class, ChatClient.class})
@ConditionalOnProperty(prefix = "runaway.spring-ai", name = "enabled", matchIfMissing = true)
public class RunawaySpringAiAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public RunawaySpringAiAutoConfiguration() {}

  /**
   * The advisor of the guarded service.
   *
   * @param guard the guard
   * @param properties the properties
   * @return the advisor
   */
  @Bean
  @ConditionalOnBean(RunawayGuard.class)
  @ConditionalOnMissingBean
  public RunawayGuardAdvisor runawayGuardAdvisor(RunawayGuard guard, RunawayProperties properties) {
    String service = properties.getSpringAi().getService();
    if (service == null || service.isBlank()) {
      if (properties.getServices().size() != 1) {
        throw new InvalidConfigurationPropertyValueException("runaway.spring-ai.service", service,
            "name the guarded service whose budgets Spring AI's model calls use; configured services: "
                + properties.getServices().keySet());
      }
      service = properties.getServices().keySet().iterator().next();
    } else if (!properties.getServices().containsKey(service)) {
      throw new InvalidConfigurationPropertyValueException("runaway.spring-ai.service", service,
          "not a configured service; configured services: " + properties.getServices().keySet());
    }
    return new RunawayGuardAdvisor(guard, service);
  }

  /**
   * Adds the advisor to every {@code ChatClient.Builder} that Spring AI's auto-configuration
   * creates.
   *
   * @param advisor the advisor
   * @return the customizer
   */
  // ChatClientBuilderCustomizer, not ChatClientCustomizer: Spring AI 2.0 deprecates the latter for
  // removal, and its ChatClient.Builder auto-configuration applies both kinds.
  @Bean
  @ConditionalOnBean(RunawayGuardAdvisor.class)
  public ChatClientBuilderCustomizer runawayChatClientCustomizer(RunawayGuardAdvisor advisor) {
    return builder -> builder.defaultAdvisors(advisor);
  }
}
