package dev.runaway.spring.boot;

import dev.runaway.RunawayGuard;
import dev.runaway.alert.Notifier;
import dev.runaway.config.Secret;
import dev.runaway.config.internal.Redaction;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.redis.RedisLedger;
import dev.runaway.telegram.TelegramNotifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures a {@link RunawayGuard} from the {@code runaway.*} properties, with a Telegram
 * notifier ({@code runaway.notifiers.telegram.enabled=true}, {@code runaway-telegram} on the class
 * path) and a Redis ledger ({@code runaway.redis.enabled=true}, {@code runaway-redis} on the class
 * path). Every bean backs off when the application defines its own. {@code runaway.enabled=false}
 * turns it all off. Either {@code enabled} property set to {@code true} without its module on the
 * class path fails startup naming the property and the module: it would otherwise do nothing.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "runaway", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(RunawayProperties.class)
public class RunawayAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public RunawayAutoConfiguration() {}

  /**
   * The guard, built from the properties with every {@link Notifier} bean and the
   * {@link BudgetLedger} bean if there is one (else in memory, or the state file of
   * {@code runaway.state-dir}), each service's policy passed through every
   * {@link RunawayServiceCustomizer} bean. Closed with the context.
   *
   * @param properties the properties
   * @param notifiers the notifier beans
   * @param ledger the ledger bean, if any
   * @param customizers the service customizer beans, in order
   * @return the guard
   */
  @Bean
  @ConditionalOnMissingBean
  public RunawayGuard runawayGuard(RunawayProperties properties, ObjectProvider<Notifier> notifiers,
      ObjectProvider<BudgetLedger> ledger, ObjectProvider<RunawayServiceCustomizer> customizers) {
    List<Notifier> all = notifiers.orderedStream().collect(Collectors.toList());
    return GuardFactory.create(properties, all, ledger.getIfAvailable(),
        customizers.orderedStream().collect(Collectors.toList()));
  }

  /** The Telegram notifier. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(TelegramNotifier.class)
  @ConditionalOnProperty(prefix = "runaway.notifiers.telegram", name = "enabled", havingValue = "true")
  public static class TelegramConfiguration {

    private static final String TELEGRAM = "runaway.notifiers.telegram.";

    /** Creates the configuration; Spring calls it. */
    public TelegramConfiguration() {}

    /**
     * A Telegram notifier from the properties, the environment filling what they leave out.
     *
     * @param properties the properties
     * @return the notifier
     */
    @Bean
    @ConditionalOnMissingBean(TelegramNotifier.class)
    public TelegramNotifier runawayTelegramNotifier(RunawayProperties properties) {
      RunawayProperties.Telegram t = properties.getNotifiers().getTelegram();
      String token = t.getBotToken() != null ? t.getBotToken() : System.getenv(TelegramNotifier.TOKEN_VARIABLE);
      String chat = t.getChatId() != null ? t.getChatId() : System.getenv(TelegramNotifier.CHAT_VARIABLE);
      if (token == null || token.isBlank()) {
        throw new InvalidConfigurationPropertyValueException("runaway.notifiers.telegram.bot-token", "(not set)",
            "set it or the environment variable " + TelegramNotifier.TOKEN_VARIABLE);
      }
      if (chat == null || chat.isBlank()) {
        throw new InvalidConfigurationPropertyValueException("runaway.notifiers.telegram.chat-id", chat,
            "set it or the environment variable " + TelegramNotifier.CHAT_VARIABLE);
      }
      String tokenProperty = t.getBotToken() != null ? "runaway.notifiers.telegram.bot-token"
          : TelegramNotifier.TOKEN_VARIABLE;
      Secret secret = Secret.of(tokenProperty, token.strip());
      TelegramNotifier.Builder b = TelegramNotifier.builder();
      try {
        b.botToken(secret);
      } catch (IllegalArgumentException e) {
        // The builder's message names the secret, never its value.
        throw new InvalidConfigurationPropertyValueException(TELEGRAM + "bot-token", "(not shown)",
            secret.redact(e.getMessage()) + from(t.getBotToken(), TelegramNotifier.TOKEN_VARIABLE));
      }
      try {
        b.chatId(chat);
      } catch (IllegalArgumentException e) {
        // Set beside the token: a token (or another credential) pasted here is never quoted.
        String shown = Redaction.mayBeCredential(chat) || chat.contains(":") ? "(not shown)" : secret.redact(chat);
        throw new InvalidConfigurationPropertyValueException(TELEGRAM + "chat-id", shown,
            secret.redact(e.getMessage()) + from(t.getChatId(), TelegramNotifier.CHAT_VARIABLE));
      }
      if (t.getBaseUri() != null) {
        String shownUri = Redaction.shownUri(secret.redact(t.getBaseUri()));
        URI uri;
        try {
          uri = new URI(t.getBaseUri().strip());
        } catch (URISyntaxException e) {
          // getReason(), not getMessage(): the message quotes the whole input.
          throw new InvalidConfigurationPropertyValueException(TELEGRAM + "base-uri", shownUri,
              "not a URI (" + e.getReason() + " at index " + e.getIndex() + "); use an http or https URI such as"
                  + " https://api.telegram.org");
        }
        try {
          b.baseUri(uri);
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigurationPropertyValueException(TELEGRAM + "base-uri", shownUri,
              secret.redact(e.getMessage()));
        }
      }
      try {
        return b.build();
      } catch (IllegalArgumentException e) {
        if (t.getBaseUri() != null && String.valueOf(e.getMessage()).startsWith("baseUri")) {
          throw new InvalidConfigurationPropertyValueException(TELEGRAM + "base-uri",
              Redaction.shownUri(secret.redact(t.getBaseUri())), secret.redact(e.getMessage()));
        }
        // No cause: its message is the unredacted one.
        throw new IllegalStateException(TELEGRAM + "*: " + secret.redact(e.getMessage()));
      }
    }

    private static String from(String property, String variable) {
      return property != null ? "" : " (the value came from the environment variable " + variable + ")";
    }
  }

  /** The Redis ledger. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RedisLedger.class)
  @ConditionalOnProperty(prefix = "runaway.redis", name = "enabled", havingValue = "true")
  public static class RedisConfiguration {

    /** Creates the configuration; Spring calls it. */
    public RedisConfiguration() {}

    /**
     * A Redis ledger from the properties. Closed with the context.
     *
     * @param properties the properties
     * @return the ledger
     */
    @Bean
    @ConditionalOnMissingBean(BudgetLedger.class)
    public RedisLedger runawayRedisLedger(RunawayProperties properties) {
      RunawayProperties.Redis r = properties.getRedis();
      RedisLedger.Builder b = RedisLedger.builder();
      String at = "runaway.redis.";
      set(at + "host", r.getHost(), b::host);
      set(at + "port", r.getPort(), b::port);
      set(at + "database", r.getDatabase(), b::database);
      set(at + "tls", r.getTls(), b::tls);
      set(at + "password", r.getPassword(), p -> b.password(dev.runaway.config.Secret.of("runaway.redis.password", p)));
      set(at + "key-prefix", r.getKeyPrefix(), b::keyPrefix);
      set(at + "lease-fraction", r.getLeaseFraction(), b::leaseFraction);
      set(at + "timeout", r.getTimeout(), b::timeout);
      if (r.getFailureMode() != null) {
        String mode = r.getFailureMode().trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
          b.failureMode(RedisLedger.FailureMode.valueOf(mode));
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigurationPropertyValueException(at + "failure-mode", r.getFailureMode(),
              "use fail-closed or fail-open");
        }
      }
      return b.build();
    }

    private static <T> void set(String property, T value, java.util.function.Consumer<T> setter) {
      if (value == null) {
        return;
      }
      try {
        setter.accept(value);
      } catch (IllegalArgumentException | IllegalStateException e) {
        // The password's value never reaches the message.
        Object shown = property.endsWith("password") ? "(hidden)" : value;
        throw new InvalidConfigurationPropertyValueException(property, shown, e.getMessage());
      }
    }
  }

  /**
   * Fails startup when {@code runaway.redis.enabled=true} but {@code runaway-redis} is not on the
   * class path: each instance would silently keep a budget of its own, so a fleet of N instances
   * would spend N times the budget it was given.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("dev.runaway.redis.RedisLedger")
  @ConditionalOnProperty(prefix = "runaway.redis", name = "enabled", havingValue = "true")
  static class RedisModuleMissingConfiguration {

    RedisModuleMissingConfiguration() {}

    // A SmartInitializingSingleton, so that it is created (and fails) even with lazy initialization.
    @Bean
    static SmartInitializingSingleton runawayRedisModuleMissing() {
      throw moduleMissing("runaway.redis.enabled", "runaway-redis",
          "budgets are shared by every instance through Redis only with it; without it each instance would keep a"
              + " budget of its own");
    }
  }

  /**
   * Fails startup when {@code runaway.notifiers.telegram.enabled=true} but {@code runaway-telegram}
   * is not on the class path: alerts would silently reach the log only.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("dev.runaway.telegram.TelegramNotifier")
  @ConditionalOnProperty(prefix = "runaway.notifiers.telegram", name = "enabled", havingValue = "true")
  static class TelegramModuleMissingConfiguration {

    TelegramModuleMissingConfiguration() {}

    // A SmartInitializingSingleton, so that it is created (and fails) even with lazy initialization.
    @Bean
    static SmartInitializingSingleton runawayTelegramModuleMissing() {
      throw moduleMissing("runaway.notifiers.telegram.enabled", "runaway-telegram",
          "alerts go to Telegram only with it; without it they would reach the log only");
    }
  }

  private static InvalidConfigurationPropertyValueException moduleMissing(String property, String artifact, String why) {
    return new InvalidConfigurationPropertyValueException(property, "true", property + "=true needs the " + artifact
        + " module, which is not on the class path: " + why + ". Add the dependency dev.runaway:" + artifact
        + " (the starter's version; the runaway-bom manages it), or remove " + property + ".");
  }
}
