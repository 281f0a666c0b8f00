package dev.runaway.spring.boot;

import dev.runaway.RunawayGuard;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The actuator side: the {@code runaway} health indicator when Spring Boot's health support is
 * on the class path, and the {@code runaway} endpoint when the actuator is.
 */
@AutoConfiguration(after = RunawayAutoConfiguration.class)
public class RunawayActuatorAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public RunawayActuatorAutoConfiguration() {}

  /** The health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnBean(RunawayGuard.class)
  public static class HealthConfiguration {

    /** Creates the configuration; Spring calls it. */
    public HealthConfiguration() {}

    /**
     * The indicator, shown as {@code runaway} in {@code /actuator/health}.
     *
     * @param guard the guard
     * @param properties the properties
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "runawayHealthIndicator")
    public RunawayHealthIndicator runawayHealthIndicator(RunawayGuard guard, RunawayProperties properties) {
      return new RunawayHealthIndicator(guard, properties.getHealth().isDownWhenOpen());
    }
  }

  /** The endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  @ConditionalOnBean(RunawayGuard.class)
  public static class EndpointConfiguration {

    /** Creates the configuration; Spring calls it. */
    public EndpointConfiguration() {}

    /**
     * The endpoint, {@code /actuator/runaway}.
     *
     * @param guard the guard
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    public RunawayEndpoint runawayEndpoint(RunawayGuard guard) {
      return new RunawayEndpoint(guard);
    }
  }
}
