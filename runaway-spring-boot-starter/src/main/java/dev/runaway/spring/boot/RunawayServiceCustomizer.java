package dev.runaway.spring.boot;

import dev.runaway.ServicePolicy;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Changes what the {@code runaway.services.*} properties cannot say, such as a cost extractor, while
 * the starter keeps building the guard from the properties. Declare one or more as beans; each is
 * given every configured service's policy builder after the service's properties are applied, in
 * bean order, so it may override them:
 *
 * <pre>{@code
 * @Bean
 * RunawayServiceCustomizer openAiCosts() {
 *   return RunawayServiceCustomizer.forService("openai", p -> p.costExtractor(OpenAiCosts.extractor()));
 * }
 * }</pre>
 *
 * <p>A customizer made with {@link #forService} for a service that the properties do not configure
 * fails startup, naming the service and the ones configured. Defining a {@code RunawayGuard} bean
 * of your own instead makes the starter back off entirely (no properties are read).
 */
@FunctionalInterface
public interface RunawayServiceCustomizer {

  /**
   * Customizes one configured service.
   *
   * @param service the service's name, as in {@code runaway.services.<name>}
   * @param policy its policy builder, with the properties applied
   */
  void customize(String service, ServicePolicy.Builder policy);

  /**
   * Returns the one service this customizer is for, or {@code null} (the default) when it is given
   * every service.
   *
   * @return the service or {@code null}
   */
  default String service() {
    return null;
  }

  /**
   * Returns a customizer of one service.
   *
   * @param service the service's name, as in {@code runaway.services.<name>}
   * @param customizer what to do with its policy builder
   * @return the customizer
   */
  static RunawayServiceCustomizer forService(String service, Consumer<ServicePolicy.Builder> customizer) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(customizer, "customizer");
    return new RunawayServiceCustomizer() {
      @Override
      public void customize(String name, ServicePolicy.Builder policy) {
        if (name.equals(service)) {
          customizer.accept(policy);
        }
      }

      @Override
      public String service() {
        return service;
      }

      @Override
      public String toString() {
        return "RunawayServiceCustomizer[" + service + "]";
      }
    };
  }
}
