package dev.runaway.spring.boot;

import java.util.Locale;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains a startup failed by a {@code runaway.*} property that may hold a credential (the
 * Telegram bot token, chat id and base URI, the Redis password) without quoting its value. Spring
 * Boot's own analysis of {@link InvalidConfigurationPropertyValueException} prints the value it
 * finds in the environment's property sources, not the one the exception carries, so a bot token
 * pasted into {@code chat-id} or a password inside {@code base-uri} was printed in full under
 * "APPLICATION FAILED TO START" although the starter's message had masked it. Other properties are
 * left to Spring Boot, which shows their values as usual.
 *
 * <p>Registered in {@code META-INF/spring.factories}; ordered first so that it is asked before
 * Spring Boot's analyzer of the same exception.
 */
final class RunawaySecretPropertyFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidConfigurationPropertyValueException> implements Ordered {

  /** Creates the analyzer (instantiated by Spring Boot). */
  RunawaySecretPropertyFailureAnalyzer() {}

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  protected FailureAnalysis analyze(Throwable root, InvalidConfigurationPropertyValueException cause) {
    String name = cause.getName();
    if (!mayHoldCredential(name)) {
      return null;
    }
    String reason = cause.getReason();
    String description = "Invalid value for configuration property '" + name + "' (not shown: this property may hold"
        + " a credential)." + (reason == null || reason.isEmpty() ? "" : "\n\nReason: " + reason);
    String action = "Correct the value of " + name + " (in application properties or the environment variable"
        + " Spring Boot maps to it).";
    return new FailureAnalysis(description, action, cause);
  }

  /** Whether a property is one whose value is never printed: a credential may be in it. */
  static boolean mayHoldCredential(String name) {
    if (name == null || !name.startsWith("runaway.")) {
      return false;
    }
    String last = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return last.contains("token") || last.contains("password") || last.contains("secret") || last.equals("chat-id")
        || last.endsWith("uri") || last.endsWith("url");
  }
}
