package dev.runaway.config;

import java.util.Map;

/**
 * A {@link SecretSourceProvider} registered in the test class path's
 * {@code META-INF/services}, standing in for an external secret manager. It only knows
 * {@link #NAME}, so it never shadows a real variable in other tests.
 */
public final class TestSecretSourceProvider implements SecretSourceProvider {

  /** The one name this source knows. */
  public static final String NAME = "RUNAWAY_TEST_PROVIDER_SECRET";
  /** Its value. */
  public static final String VALUE = "provider-value-0c1d";

  @Override
  public SecretSource create() {
    SecretSource source = SecretSource.of(Map.of(NAME, VALUE));
    return new SecretSource() {
      @Override
      public java.util.Optional<Secret> get(String name) {
        return source.get(name);
      }

      @Override
      public String describe() {
        return "test secret manager";
      }
    };
  }
}
