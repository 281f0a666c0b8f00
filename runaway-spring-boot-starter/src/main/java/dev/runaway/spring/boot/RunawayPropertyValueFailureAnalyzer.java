package dev.runaway.spring.boot;

import dev.runaway.config.internal.Redaction;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

/**
 * Explains a startup failed by an invalid {@code runaway.*} property value with the value the
 * starter put in the exception, which is masked where it may be a credential (a bot token pasted
 * into {@code chat-id}, a password inside {@code base-uri}, an API key in a budget), and with where
 * the property was set. Spring Boot's own analysis of {@link InvalidConfigurationPropertyValueException}
 * prints the value it finds in the environment's property sources instead, so those credentials
 * were printed in full under "APPLICATION FAILED TO START" although the starter's message had
 * masked them. Other prefixes are left to Spring Boot.
 *
 * <p>Registered in {@code META-INF/spring.factories}; ordered first so that it is asked before
 * Spring Boot's analyzer of the same exception.
 */
final class RunawayPropertyValueFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidConfigurationPropertyValueException> implements Ordered {

  private final Environment environment;

  /**
   * Creates the analyzer (instantiated by Spring Boot).
   *
   * @param environment where the origin of the property is looked up, or {@code null}
   */
  RunawayPropertyValueFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  protected FailureAnalysis analyze(Throwable root, InvalidConfigurationPropertyValueException cause) {
    String name = cause.getName();
    if (name == null || !name.startsWith("runaway.")) {
      return null;
    }
    StringBuilder d = new StringBuilder("Invalid value ");
    Object value = cause.getValue();
    d.append(shown(value)).append(" for configuration property '").append(name).append("'");
    String origin = origin(name);
    if (origin != null) {
      d.append(" (").append(origin).append(')');
    }
    d.append('.');
    String reason = cause.getReason();
    if (reason != null && !reason.isEmpty()) {
      d.append("\n\nReason: ").append(reason);
    }
    return new FailureAnalysis(d.toString(), "Correct the value of " + name + " where it is set.", cause);
  }

  /**
   * The exception's value as the report shows it: already masked by the starter where it may be a
   * credential; a value shaped like one that reached here unmasked is described by its length.
   */
  static String shown(Object value) {
    if (value == null) {
      return "(none)";
    }
    String text = String.valueOf(value);
    if (text.contains("not shown")) {
      return text;
    }
    return Redaction.mayBeCredential(text) ? Redaction.hidden(text) : "'" + text + "'";
  }

  /** Where the property was set (the first property source holding it), never its value. */
  private String origin(String name) {
    if (environment == null || !ConfigurationPropertyName.isValid(name)) {
      return null;
    }
    ConfigurationPropertyName key = ConfigurationPropertyName.of(name);
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      ConfigurationProperty p = source.getConfigurationProperty(key);
      if (p != null) {
        if (p.getOrigin() != null) {
          return "set in " + p.getOrigin();
        }
        // The source's name only: a PropertySource's toString() lists its values at DEBUG.
        return source.getUnderlyingSource() instanceof PropertySource<?> ps ? "set in " + ps.getName() : null;
      }
    }
    return null;
  }
}
