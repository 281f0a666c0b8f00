package dev.runaway.telegram;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import dev.runaway.internal.HttpSecurity;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link NotifierProvider} of type {@code telegram}: with it on the class path,
 * {@code "notifications": {"telegram": {}}} in the monitor config sends alerts to Telegram, the
 * bot token coming from {@value TelegramNotifier#TOKEN_VARIABLE} and the chat from
 * {@value TelegramNotifier#CHAT_VARIABLE} in the secret source.
 *
 * <p>Optional settings:
 * <ul>
 *   <li>{@code chat_id} (string or integer): the chat, instead of {@value TelegramNotifier#CHAT_VARIABLE};
 *   <li>{@code base_url} (string): the Bot API root, for a proxy or a test server: {@code https},
 *       or plain {@code http} only to a loopback host, as for every provider;
 *   <li>{@code allow_insecure_http} (boolean, default {@code false}): allows plain {@code http}
 *       to any host in {@code base_url} (the bot token travels in the URL path);
 *   <li>{@code disable_notification} (boolean, default {@code true}): whether INFO alerts arrive
 *       without sound (warnings and critical alerts always notify).
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class TelegramNotifierProvider implements NotifierProvider {

  private static final String SECTION = "notifications.telegram";
  private static final Set<String> KEYS = Set.of("chat_id", "base_url", "disable_notification",
      HttpSecurity.ALLOW_INSECURE_HTTP);

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public TelegramNotifierProvider() {}

  /** Returns {@code telegram}. */
  @Override
  public String type() {
    return "telegram";
  }

  /**
   * Creates a notifier from the {@code notifications.telegram} settings and the secret source.
   *
   * @param settings the settings, may be empty
   * @param secrets where {@value TelegramNotifier#TOKEN_VARIABLE} (and, without {@code chat_id},
   *     {@value TelegramNotifier#CHAT_VARIABLE}) are found
   * @return the notifier
   * @throws ConfigException naming the setting or variable that is missing or wrong
   */
  @Override
  public Notifier create(SettingsReader settings, SecretSource secrets) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(secrets, "secrets");
    settings.allowOnly(KEYS);
    String chatId = null;
    if (settings.has("chat_id")) {
      Object chat = settings.values().get("chat_id");
      if (chat instanceof String || chat instanceof Long || chat instanceof Integer) {
        chatId = chat.toString();
      } else {
        // Not quoted: only the kind, as with every other setting.
        throw settings.error("chat_id", "must be a string or an integer such as -1001234567890 or \"@channelname\"");
      }
    }
    // Every setting is checked before the credentials are looked for: a wrong setting was hidden
    // behind "missing credential" until the token was set (nu42 trial).
    Optional<String> baseUrl = settings.string("base_url");
    URI base = null;
    boolean insecure = settings.bool(HttpSecurity.ALLOW_INSECURE_HTTP, false);
    if (baseUrl.isPresent()) {
      try {
        base = URI.create(baseUrl.get().strip());
      } catch (IllegalArgumentException e) {
        // The URL is not quoted: a mistyped one may hold the bot token.
        throw settings.error("base_url", "is not a valid URL; use an absolute https URL such as"
            + " \"https://api.telegram.org\"");
      }
      // The providers' rule: https, or http only to loopback unless allow_insecure_http is true.
      String problem = HttpSecurity.problem(base, insecure).orElse(null);
      if (problem == null && (base.getRawQuery() != null || base.getRawFragment() != null)) {
        problem = "must be an absolute https URL without query or fragment, such as \"https://api.telegram.org\"";
      }
      if (problem != null) {
        throw settings.error("base_url", problem);
      }
    }
    Boolean silentInfo = settings.has("disable_notification") ? settings.bool("disable_notification", true) : null;
    TelegramNotifier.Builder b = builderFrom(settings, secrets, chatId);
    if (base != null) {
      b.baseUri(base).allowInsecureHttp(insecure);
    }
    if (silentInfo != null) {
      b.silentInfo(silentInfo);
    }
    return b.build();
  }

  /**
   * Returns a builder with the token and chat set from the secret source, or the chat from the
   * {@code chat_id} setting when given.
   */
  static TelegramNotifier.Builder builderFrom(SettingsReader settings, SecretSource secrets, String chatIdSetting) {
    Secret token = secrets.require(TelegramNotifier.TOKEN_VARIABLE);
    String chatId;
    String chatHint;
    if (chatIdSetting != null) {
      chatId = chatIdSetting;
      chatHint = "the chat_id setting in " + SECTION;
    } else {
      chatId = secrets.require(TelegramNotifier.CHAT_VARIABLE).reveal();
      chatHint = TelegramNotifier.CHAT_VARIABLE;
    }
    TelegramNotifier.Builder b = TelegramNotifier.builder();
    try {
      b.botToken(token);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(TelegramNotifier.TOKEN_VARIABLE + " is not a Telegram bot token: " + e.getMessage());
    }
    try {
      b.chatId(chatId);
    } catch (IllegalArgumentException e) {
      if (chatIdSetting != null) {
        throw settings.error("chat_id", e.getMessage());
      }
      throw new ConfigException(TelegramNotifier.CHAT_VARIABLE + " is not a Telegram chat id: " + e.getMessage());
    }
    return b.chatHint(chatHint);
  }
}
