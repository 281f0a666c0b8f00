package dev.runaway.providers.http;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.providers.http.internal.StandIns;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The skeleton of a {@link DetectorProvider}: its {@code type}, the names of the credentials a
 * service's settings need, and how a detector is made. A provider extends it with a public
 * no-argument constructor (for {@link java.util.ServiceLoader}) that names the three:
 *
 * <pre>{@code
 * public final class FarmDetectorProvider extends HttpDetectorProvider {
 *   public FarmDetectorProvider() {
 *     super("render_farm", settings -> List.of("FARM_TOKEN"),
 *         (settings, secrets) -> new FarmDetector(settings, secrets.require("FARM_TOKEN")));
 *   }
 * }
 * }</pre>
 *
 * <p>Stateless and thread-safe as long as the two functions are.
 */
public abstract class HttpDetectorProvider implements DetectorProvider {

  private final String type;
  private final Function<ServiceSettings, List<String>> secretNames;
  private final BiFunction<ServiceSettings, SecretSource, Detector> factory;
  private final boolean checkableWithoutSecrets;

  /**
   * Creates the provider.
   *
   * @param type the config's {@code type}, such as {@code stripe}
   * @param secretNames the variables a service's settings need, so the monitor names a missing one
   * @param factory makes a detector from the settings and the secrets
   */
  protected HttpDetectorProvider(String type, Function<ServiceSettings, List<String>> secretNames,
      BiFunction<ServiceSettings, SecretSource, Detector> factory) {
    this(type, secretNames, factory, false);
  }

  /**
   * Creates the provider, saying whether its settings can be checked without the credentials.
   *
   * @param type the config's {@code type}, such as {@code stripe}
   * @param secretNames the variables a service's settings need, so the monitor names a missing one
   * @param factory makes a detector from the settings and the secrets
   * @param checkableWithoutSecrets {@code true} when the factory does no I/O and reads the
   *     credentials as opaque tokens (not parsed as URLs or ids; the built-in detectors that read a
   *     value out of one skip that check for a stand-in), so that {@link #checkSettings} can make a
   *     detector with stand-in credentials to check the settings, then close it
   */
  protected HttpDetectorProvider(String type, Function<ServiceSettings, List<String>> secretNames,
      BiFunction<ServiceSettings, SecretSource, Detector> factory, boolean checkableWithoutSecrets) {
    this.type = Objects.requireNonNull(type, "type");
    this.secretNames = Objects.requireNonNull(secretNames, "secretNames");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.checkableWithoutSecrets = checkableWithoutSecrets;
  }

  /**
   * Checks the settings by making a detector with stand-in credentials and closing it at once,
   * when the provider said that is safe; otherwise checks nothing. Every variable the detector
   * looks up has a stand-in, not only those of {@link #requiredSecrets}: a detector that takes
   * whichever of two kinds of credentials is set (MongoDB Atlas without {@code auth}) finds one.
   *
   * @throws dev.runaway.config.ConfigException naming the setting that is wrong
   */
  @Override
  public final void checkSettings(ServiceSettings settings) {
    if (!checkableWithoutSecrets) {
      return;
    }
    factory.apply(settings, StandIns.source()).close();
  }

  /** Returns the config's {@code type} this provider handles. */
  @Override
  public final String type() {
    return type;
  }

  /** Returns the names of the credentials the service's settings need. */
  @Override
  public final List<String> requiredSecrets(ServiceSettings settings) {
    return secretNames.apply(settings);
  }

  /**
   * Creates the detector of one configured service.
   *
   * @throws dev.runaway.config.ConfigException naming the setting or variable that is missing or wrong
   */
  @Override
  public final Detector create(ServiceSettings settings, SecretSource secrets) {
    return factory.apply(settings, secrets);
  }

  /** Returns the class and type. */
  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + type + "]";
  }
}
