package dev.runaway.providers.http.internal;

import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import java.util.Optional;

/**
 * The stand-in credentials with which {@link dev.runaway.providers.http.HttpDetectorProvider#checkSettings}
 * makes a detector to check a service's settings while its real credentials are missing. A
 * detector that reads a value out of a credential (a project URL, a URL with a variable in it)
 * asks {@link #isStandIn} and skips what only the real value can tell, so that a valid setting is
 * never reported as wrong because of a stand-in.
 */
public final class StandIns {

  /** The value of every stand-in; never sent anywhere, as the detector is closed unused. */
  private static final String VALUE = "stand-in-for-a-settings-check";

  private StandIns() {}

  /**
   * Returns a source that has a stand-in for every name, so that a detector finds whichever
   * credentials it looks for (such as either of two kinds of credentials).
   *
   * @return the source
   */
  public static SecretSource source() {
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        return Optional.of(Secret.of(name, VALUE));
      }

      @Override
      public String describe() {
        return "stand-ins for a settings check";
      }
    };
  }

  /**
   * Tells whether a secret is a stand-in of {@link #source()}.
   *
   * @param secret the secret
   * @return {@code true} for a stand-in
   */
  public static boolean isStandIn(Secret secret) {
    return VALUE.equals(secret.reveal());
  }
}
