package dev.runaway.examples.custom;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.net.URI;
import java.util.Set;

/**
 * The {@link NotifierProvider} of type {@code webhook}: with this jar on the class path,
 * {@code "notifications": {"webhook": {}}} posts every alert as JSON to the URL in
 * {@value #DEFAULT_URL_ENV} (a chat webhook such as a Slack or Mattermost incoming webhook).
 * Registered in {@code META-INF/services/dev.runaway.alert.NotifierProvider}.
 *
 * <p>Settings: {@code url_env} (the variable holding the URL, default {@value #DEFAULT_URL_ENV}).
 * The URL is a credential (webhook URLs embed their token), so it comes from the secrets and is
 * never quoted in a message.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class WebhookNotifierProvider implements NotifierProvider {

  /** The variable holding the webhook URL, unless {@code url_env} names another. */
  public static final String DEFAULT_URL_ENV = "ALERT_WEBHOOK_URL";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public WebhookNotifierProvider() {}

  /** Returns {@code webhook}. */
  @Override
  public String type() {
    return "webhook";
  }

  /**
   * Creates the notifier.
   *
   * @throws ConfigException naming the setting or variable that is missing or wrong
   */
  @Override
  public Notifier create(SettingsReader settings, SecretSource secrets) {
    // Errors from the reader name the file, line and column, with a did-you-mean for unknown keys.
    settings.allowOnly(Set.of("url_env"));
    String name = settings.string("url_env").orElse(DEFAULT_URL_ENV);
    if (name.isBlank()) {
      throw settings.error("url_env", "must be the name of an environment variable, such as " + DEFAULT_URL_ENV);
    }
    Secret url = secrets.require(name);
    URI uri;
    try {
      uri = URI.create(url.reveal().strip());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + " is not a valid URL");
    }
    if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
      throw new ConfigException(name + " must be an absolute http(s) URL");
    }
    return new WebhookNotifier(uri, name);
  }
}
