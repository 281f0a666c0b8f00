package dev.runaway.spring.boot;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.RunawayGuard;
import dev.runaway.ServicePolicy;
import dev.runaway.alert.Notifier;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.config.internal.DidYouMean;
import dev.runaway.config.internal.Redaction;
import dev.runaway.internal.DiscoveredCostExtractor;
import dev.runaway.internal.Durations;
import dev.runaway.internal.ServiceRuntime;
import dev.runaway.ledger.BudgetLedger;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.convert.DurationStyle;

/**
 * Builds a {@link RunawayGuard} from {@link RunawayProperties}. Every invalid value fails with
 * an {@link InvalidConfigurationPropertyValueException} naming the property, its value and the
 * rule, which Spring Boot's failure analysis prints at startup.
 */
final class GuardFactory {

  private static final Logger LOG = LoggerFactory.getLogger(GuardFactory.class);

  private GuardFactory() {}

  static RunawayGuard create(RunawayProperties props, List<Notifier> notifiers, BudgetLedger ledger,
      List<RunawayServiceCustomizer> customizers) {
    checkCustomizedServices(props, customizers);
    RunawayGuard.Builder b = RunawayGuard.builder();
    for (Map.Entry<String, RunawayProperties.Service> e : props.getServices().entrySet()) {
      String name = e.getKey();
      String at = "runaway.services." + name;
      RunawayProperties.Service s = e.getValue();
      ServicePolicy.Builder p = ServicePolicy.builder();
      ZoneId zone = zone(at + ".zone", s.getZone());
      budgets(at + ".budgets", s.getBudgets(), zone, p::budget);
      budgets(at + ".per-key-budgets", s.getPerKeyBudgets(), zone, p::perKeyBudget);
      apply(at + ".spike-multiplier", s.getSpikeMultiplier(), p::spikeMultiplier);
      apply(at + ".breaker-multiplier", s.getBreakerMultiplier(), p::breakerMultiplier);
      apply(at + ".breaker-enabled", s.getBreakerEnabled(), p::breakerEnabled);
      apply(at + ".per-key-detection", s.getPerKeyDetection(), p::perKeyDetection);
      apply(at + ".estimate", s.getEstimate(), v -> p.estimate(Cost.of(v)));
      apply(at + ".max-keys", s.getMaxKeys(), p::maxKeys);
      apply(at + ".key-idle-expiry", s.getKeyIdleExpiry(), p::keyIdleExpiry);
      p.breaker(breaker(at + ".breaker", s.getBreaker()));
      for (RunawayServiceCustomizer c : customizers) {
        c.customize(name, p);
      }
      ServicePolicy policy = build(at, s, p);
      b.service(name, policy);
      LOG.info(summary(name, policy));
      String unpriced = unpricedWarning(name, policy);
      if (unpriced != null && springAiAdvisorFor(props, name)) {
        // Its calls go through the advisor, which prices each round trip from its usage: a WARN to
        // set an estimate was wrong for them (an estimate changes nothing there, and a customizer's
        // extractor would be handed Spring AI's responses). guard.call's own WARN stays in place.
        LOG.info("Spring AI's ChatClient round trips are charged to runaway.services." + name + " by the"
            + " auto-configured RunawayGuardAdvisor, each priced from its response's token usage by model id with"
            + " the bundled tables (OpenAI, Anthropic, Gemini, Bedrock). For guard.call(...) of your own: " + unpriced);
      } else if (unpriced != null) {
        LOG.warn(unpriced);
        // One WARN is enough: the core's own at the first call names builder methods, not the property.
        ServiceRuntime.unpricedWarningLogged(policy);
      }
    }
    if (props.getStateDir() != null && ledger == null) {
      b.stateDir(props.getStateDir());
    }
    if (ledger != null) {
      b.ledger(ledger);
    }
    notifiers.forEach(b::notifier);
    return b.build();
  }

  /**
   * One line saying what a service got, defaults included, so that a user who set only a budget
   * sees at startup what else protects it and where to change it.
   */
  static String summary(String name, ServicePolicy p) {
    Duration horizon = p.budgetHorizon();
    return "Runaway Guard service " + name + ": budgets " + (p.budgets().isEmpty() ? "none" : p.budgets())
        + ", per key " + (p.perKeyBudgets().isEmpty() ? "none" : p.perKeyBudgets())
        + ", estimate per call " + (p.initialEstimate() == null || p.initialEstimate().isZero() ? "none" : p.initialEstimate())
        + "; breaker " + (p.detection().breakerEnabled()
            ? "opens above " + p.detection().breakerMultiplier() + "x the learned baseline (alert above "
                + p.detection().spikeMultiplier() + "x) once warmed up"
            : "disabled")
        + ", budget-velocity rule " + (horizon.isZero() ? "off" : "opens it when the tightest budget would be gone within "
            + Durations.human(horizon))
        + ". Change under runaway.services." + name + ".*";
  }

  /**
   * The startup warning for a service whose budgets nothing prices, or null: without an estimate
   * (property), a cost extractor (customizer) or one registered on the class path (such as
   * {@code runaway-providers}' pricing of LLM responses) every call is charged $0. The core's own warning at
   * the first call names builder methods a Spring Boot user does not call; this one names the
   * property and the customizer, and replaces it: once this one is logged for a service, the
   * first call logs nothing more.
   */
  static String unpricedWarning(String name, ServicePolicy policy) {
    return unpricedWarning(name, policy, DiscoveredCostExtractor.get());
  }

  /** {@link #unpricedWarning(String, ServicePolicy)} with the extractors found on the class path, or {@code null}. */
  static String unpricedWarning(String name, ServicePolicy policy, CostExtractor discovered) {
    boolean priced = policy.costExtractor() != null
        || policy.initialEstimate() != null && !policy.initialEstimate().isZero();
    if (priced || (policy.budgets().isEmpty() && policy.perKeyBudgets().isEmpty())) {
      return null;
    }
    String charged = discovered == null
        ? "each guard.call(\"" + name + "\", ...) without an estimate of its own is charged $0 and never fills them, "
            + "so a runaway loop is not stopped by them. If its calls return LLM responses (OpenAI, Anthropic or Gemini"
            + " SDK objects or JSON bodies, Spring AI's or LangChain4j's ChatResponse), add dev.runaway:runaway-providers"
            + " (and runaway-spring-ai or runaway-langchain4j for those) to price them from their token usage."
        : "a guard.call(\"" + name + "\", ...) without an estimate of its own that returns an LLM response is priced"
            + " by " + discovered + ", found on the class path; any other result is charged $0 and never fills them.";
    return "runaway.services." + name + " has budgets but no estimate and no cost extractor: " + charged
        + " Set runaway.services." + name + ".estimate (dollars charged "
        + "per call, such as 0.05), or declare a RunawayServiceCustomizer bean that sets a costExtractor.";
  }

  /**
   * Whether {@link RunawaySpringAiAutoConfiguration} guards Spring AI's ChatClient with this service:
   * {@code runaway-spring-ai} and Spring AI's chat client on the class path, not turned off, and the
   * service the one named by {@code runaway.spring-ai.service} (default: the only configured one).
   */
  static boolean springAiAdvisorFor(RunawayProperties props, String name) {
    RunawayProperties.SpringAi ai = props.getSpringAi();
    if (!ai.isEnabled() || !onClassPath("dev.runaway.springai.RunawayGuardAdvisor")
        || !onClassPath("org.springframework.ai.chat.client.ChatClient")) {
      return false;
    }
    String service = ai.getService();
    return service == null || service.isBlank() ? props.getServices().size() == 1 : service.equals(name);
  }

  private static boolean onClassPath(String type) {
    try {
      Class.forName(type, false, GuardFactory.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** A customizer for one service must name a configured one: a misspelt name would change nothing. */
  private static void checkCustomizedServices(RunawayProperties props, List<RunawayServiceCustomizer> customizers) {
    List<String> configured = List.copyOf(props.getServices().keySet());
    for (RunawayServiceCustomizer c : customizers) {
      String service = c.service();
      if (service != null && !configured.contains(service)) {
        throw new IllegalStateException("A RunawayServiceCustomizer is for service '" + service
            + "', which no runaway.services." + service + ".* property configures"
            + DidYouMean.suggest(service, configured).map(m -> " (did you mean '" + m + "'?)").orElse("")
            + "; configured services: " + configured + ". Configure it (at least a budget) or fix the name.");
      }
    }
  }

  private static CircuitBreakerConfig breaker(String at, RunawayProperties.Breaker c) {
    CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
    apply(at + ".wait-in-open-state", c.getWaitInOpenState(), b::waitInOpenState);
    apply(at + ".permitted-calls-in-half-open-state", c.getPermittedCallsInHalfOpenState(),
        b::permittedCallsInHalfOpenState);
    apply(at + ".automatic-half-open", c.getAutomaticHalfOpen(), b::automaticHalfOpen);
    apply(at + ".failure-threshold", c.getFailureThreshold(), b::failureThreshold);
    return b.build();
  }

  private static void budgets(String at, Map<String, String> budgets, ZoneId zone, Consumer<Budget> add) {
    // A window named twice (budgets.calendar-day in the properties and ..._BUDGETS_CALENDAR_DAY in
    // the environment, which binds as calendar.day): Spring keeps both keys, so the variable does
    // not override the property and the guard would hold two budgets for one window.
    Map<String, String> windows = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : budgets.entrySet()) {
      String property = at + "." + e.getKey();
      String written = e.getValue() == null ? "" : e.getValue().strip();
      if (written.isEmpty()) {
        // budgets.hourly= (as ${OPENAI_BUDGET:} gives when the variable is unset): the name is right.
        throw new InvalidConfigurationPropertyValueException(property, "",
            "the amount is missing: a budget must be a positive amount of dollars, such as 10 or 2.50. Give it a"
                + " value, or remove the property (an unset placeholder such as ${OPENAI_BUDGET:} gives an empty one)");
      }
      BigDecimal usd;
      try {
        usd = new BigDecimal(written);
      } catch (NumberFormatException ex) {
        // Never quoted if it may be a credential (an API key's variable put in the budget's place).
        throw new InvalidConfigurationPropertyValueException(property,
            Redaction.mayBeCredential(written) ? Redaction.hidden(written) : written,
            "not an amount: a budget must be a positive amount of dollars, such as 10 or 2.50 (no currency sign)");
      }
      if (usd.signum() <= 0) {
        throw new InvalidConfigurationPropertyValueException(property, written,
            "a budget must be a positive amount of dollars, such as 10 or 2.50");
      }
      Cost limit = convert(property, written, v -> Cost.of(usd));
      Budget budget = budget(property, e.getKey(), limit, zone);
      String window = budget.isCalendarDay() ? "calendar-day" : budget.window().toString();
      String before = windows.putIfAbsent(window, e.getKey());
      if (before != null) {
        throw new InvalidConfigurationPropertyValueException(property, written, "the " + budget.label()
            + " window is also set as " + at + "." + before + ". Spring binds the two forms as different keys (an"
            + " environment variable such as ..._BUDGETS_CALENDAR_DAY gives calendar.day), so one does not override"
            + " the other: set the window once, or write it in the same form in both places");
      }
      add.accept(budget);
    }
  }

  static Budget budget(String property, String window, Cost limit, ZoneId zone) {
    switch (window.toLowerCase(java.util.Locale.ROOT)) {
      case "hourly":
        return Budget.hourly(limit);
      case "daily":
        return Budget.daily(limit);
      case "calendar-day":
      case "calendar_day":
      // The environment-variable forms: ..._BUDGETS_CALENDAR_DAY binds as calendar.day (each _ is a
      // dot) and ..._BUDGETS_CALENDARDAY as calendarday.
      case "calendar.day":
      case "calendarday":
        return Budget.calendarDay(limit, zone);
      default:
        Duration d;
        try {
          d = DurationStyle.detectAndParse(window);
        } catch (IllegalArgumentException ex) {
          // The amount as written (10, not the 1E+1 a stripped BigDecimal prints).
          throw new InvalidConfigurationPropertyValueException(property, limit.toBigDecimal().toPlainString(),
              "unknown budget window '" + window + "'; use hourly, daily, calendar-day or a duration such as 30m or PT6H"
                  + " (in an environment variable: ..._BUDGETS_HOURLY, ..._BUDGETS_CALENDAR_DAY, ..._BUDGETS_30M)");
        }
        try {
          return Budget.of(limit, d);
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigurationPropertyValueException(property, limit.toBigDecimal().toPlainString(),
              "budget window '" + window + "': " + e.getMessage());
        }
    }
  }

  private static ZoneId zone(String property, String zone) {
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException | NullPointerException e) {
      throw new InvalidConfigurationPropertyValueException(property, zone, "not a time zone id such as UTC or Europe/Berlin");
    }
  }

  /**
   * Builds the policy; a rule across settings that the builder checks only here (the breaker
   * multiplier below the spike multiplier) is reported with the properties' names, not the
   * builder's ({@code breakerMultiplier}), which a properties file does not use.
   */
  private static ServicePolicy build(String at, RunawayProperties.Service s, ServicePolicy.Builder p) {
    try {
      return p.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      String message = String.valueOf(e.getMessage()).replace("breakerMultiplier", at + ".breaker-multiplier")
          .replace("spikeMultiplier", at + ".spike-multiplier");
      if (e.getMessage() != null && e.getMessage().startsWith("breakerMultiplier")) {
        Object value = s.getBreakerMultiplier() != null ? s.getBreakerMultiplier() : "(default)";
        throw new InvalidConfigurationPropertyValueException(at + ".breaker-multiplier", value, message);
      }
      throw new IllegalStateException(at + ": " + message, e);
    }
  }

  /** Applies a set value, turning the library's validation message into one naming the property. */
  private static <T> void apply(String property, T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
    }
  }

  private static <T, R> R convert(String property, T value, java.util.function.Function<T, R> f) {
    try {
      return f.apply(value);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
    }
  }
}
