package dev.runaway.telegram;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link NotifierProvider} of type {@code telegram}: with it on the class path,
 * {@code "notifications": {"telegram": {}}} in the monitor config sends alerts to Telegram, the
 * bot token coming from {@value TelegramNotifier#TOKEN_VARIABLE} and the chat from
 * {@value TelegramNotifier#CHAT_VARIABLE} in the secret source.
 *
 * <p>Optional settings:
 * <ul>
 *   <li>{@code chat_id} (string or integer): the chat, instead of {@value TelegramNotifier#CHAT_VARIABLE};
 *   <li>{@code base_url} (string): the Bot API root, for a proxy or a test server;
 *   <li>{@code disable_notification} (boolean, default {@code true}): whether INFO alerts arrive
 *       without sound (warnings and critical alerts always notify).
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class TelegramNotifierProvider implements NotifierProvider {

  private static final String SECTION = "notifications.telegram";
  private static final List<String> KEYS = List.of("chat_id", "base_url", "disable_notification");

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
  public Notifier create(Map<String, Object> settings, SecretSource secrets) {
    Objects.requireNonNull(secrets, "secrets");
    Map<String, Object> s = settings == null ? Map.of() : settings;
    for (String key : s.keySet()) {
      if (!KEYS.contains(key)) {
        throw new ConfigException(null, SECTION + "." + key, 0, 0, "unknown setting" + didYouMean(key)
            + "; allowed: " + String.join(", ", KEYS), null);
      }
    }
    Object chat = s.get("chat_id");
    String chatId = null;
    if (chat instanceof String || chat instanceof Long || chat instanceof Integer) {
      chatId = chat.toString();
    } else if (chat != null) {
      throw new ConfigException(null, SECTION + ".chat_id", 0, 0,
          "must be a string or an integer such as -1001234567890 or \"@channelname\", got " + chat, null);
    }
    TelegramNotifier.Builder b = builderFrom(secrets, chatId);
    Object baseUrl = s.get("base_url");
    if (baseUrl != null) {
      if (!(baseUrl instanceof String)) {
        throw new ConfigException(null, SECTION + ".base_url", 0, 0, "must be a string URL such as \"https://api.telegram.org\", got a "
            + baseUrl.getClass().getSimpleName(), null);
      }
      try {
        b.baseUri(URI.create(((String) baseUrl).strip()));
      } catch (IllegalArgumentException e) {
        // The URL is not quoted: a mistyped one may hold the bot token.
        throw new ConfigException(null, SECTION + ".base_url", 0, 0,
            "is not a valid URL; use an absolute http(s) URL such as \"https://api.telegram.org\"", null);
      }
    }
    Object silent = s.get("disable_notification");
    if (silent != null) {
      if (!(silent instanceof Boolean)) {
        throw new ConfigException(null, SECTION + ".disable_notification", 0, 0,
            "must be true or false, got " + silent, null);
      }
      b.silentInfo((Boolean) silent);
    }
    return b.build();
  }

  /**
   * Returns a builder with the token and chat set from the secret source, or the chat from the
   * {@code chat_id} setting when given.
   */
  static TelegramNotifier.Builder builderFrom(SecretSource secrets, String chatIdSetting) {
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
        throw new ConfigException(null, SECTION + ".chat_id", 0, 0, e.getMessage(), null);
      }
      throw new ConfigException(TelegramNotifier.CHAT_VARIABLE + " is not a Telegram chat id: " + e.getMessage());
    }
    return b.chatHint(chatHint);
  }

  private static String didYouMean(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : KEYS) {
      int d = distance(key.toLowerCase(java.util.Locale.ROOT), k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3) ? " (did you mean " + best + "?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
