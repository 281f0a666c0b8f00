package dev.runaway.alert;

import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.util.Map;

/**
 * Creates {@link Notifier}s named in the config's {@code notifications} section. Discovered with
 * {@link java.util.ServiceLoader}: a provider is a class with a public no-argument constructor
 * plus one line in {@code META-INF/services/dev.runaway.alert.NotifierProvider}.
 *
 * <p>Lifecycle: instantiated by the service loader; {@link #create} is called once for each
 * configured notifier of its {@link #type()}, from one thread.
 */
public interface NotifierProvider {

  /**
   * Returns the key under {@code notifications} this provider handles, such as {@code telegram}.
   *
   * @return the type
   */
  String type();

  /**
   * Creates a notifier from its located settings. Read them with the reader's typed getters and
   * reject unknown keys with {@link SettingsReader#allowOnly}, so every error names the file, the
   * line and a did-you-mean.
   *
   * <p>Implement this method. Its default bridges to the deprecated
   * {@link #create(Map, SecretSource)} so that providers written against it keep working; a
   * provider implementing neither fails with {@link UnsupportedOperationException}.
   *
   * @param settings the reader of {@code notifications.<type>} (may hold no keys)
   * @param secrets where to find credentials
   * @return the notifier
   * @throws dev.runaway.config.ConfigException if settings or credentials are missing or wrong
   */
  @SuppressWarnings("deprecation")
  default Notifier create(SettingsReader settings, SecretSource secrets) {
    try {
      if (getClass().getMethod("create", Map.class, SecretSource.class).getDeclaringClass()
          == NotifierProvider.class) {
        // Neither method implemented: the two defaults would call each other forever.
        throw new UnsupportedOperationException(getClass().getName()
            + " must implement create(SettingsReader, SecretSource)");
      }
    } catch (NoSuchMethodException e) {
      throw new AssertionError("NotifierProvider declares create(Map, SecretSource)", e);
    }
    return create(settings.values(), secrets);
  }

  /**
   * Creates a notifier from a raw map of settings.
   *
   * @param settings the notifier's settings from the config (may be empty)
   * @param secrets where to find credentials
   * @return the notifier
   * @throws dev.runaway.config.ConfigException if settings or credentials are missing or wrong
   * @deprecated errors raised from a raw map cannot name the line of a setting; implement and
   *     call {@link #create(SettingsReader, SecretSource)} instead. The monitor calls only that
   *     one, whose default calls this method, so existing providers work unchanged; this default
   *     calls the new one with an unlocated reader of {@code notifications.<type>}, so existing
   *     callers work with new providers.
   */
  @Deprecated(since = "0.1.0")
  default Notifier create(Map<String, Object> settings, SecretSource secrets) {
    return create(SettingsReader.of("notifications." + type(), settings == null ? Map.of() : settings), secrets);
  }
}
