package dev.runaway.spring.boot;

import dev.runaway.RunawayGuard;
import dev.runaway.micrometer.RunawayGuardMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Binds the guard's metrics when Micrometer and {@code runaway-micrometer} are on the class path:
 * a {@link RunawayGuardMetrics} bean, which Spring Boot's metrics auto-configuration binds to
 * every {@link MeterRegistry}. {@code runaway.metrics.enabled=false} turns it off;
 * {@code runaway.metrics.key-tags=N} exports the N largest spending keys as tags (default 0).
 */
@AutoConfiguration(after = RunawayAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, RunawayGuardMetrics.class})
@ConditionalOnProperty(prefix = "runaway.metrics", name = "enabled", matchIfMissing = true)
public class RunawayMetricsAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public RunawayMetricsAutoConfiguration() {}

  /**
   * The guard's meter binder.
   *
   * @param guard the guard
   * @param properties the properties
   * @return the binder
   */
  @Bean
  @ConditionalOnBean(RunawayGuard.class)
  @ConditionalOnMissingBean
  public RunawayGuardMetrics runawayGuardMetrics(RunawayGuard guard, RunawayProperties properties) {
    int keyTags = properties.getMetrics().getKeyTags();
    try {
      return RunawayGuardMetrics.builder(guard).keyTags(keyTags).build();
    } catch (IllegalArgumentException e) {
      throw new org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException(
          "runaway.metrics.key-tags", keyTags, e.getMessage());
    }
  }
}
