package dev.runaway.examples.monitor;

import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SecretSourceProvider;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A secret manager plugged in through {@code META-INF/services}, as a third party would: it holds
 * only what a test puts in {@link #VALUES}, so it changes nothing for the other tests.
 */
public final class TestVaultSecretSourceProvider implements SecretSourceProvider {

  /** What the vault holds; tests add and remove their own names. */
  static final Map<String, String> VALUES = new ConcurrentHashMap<>();

  /** Called by {@link java.util.ServiceLoader}. */
  public TestVaultSecretSourceProvider() {}

  @Override
  public SecretSource create() {
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        String v = VALUES.get(name);
        return v == null ? Optional.empty() : Optional.of(Secret.of(name, v));
      }

      @Override
      public String describe() {
        return "the test vault";
      }
    };
  }

  /** A provider that fails, quoting what it was given, as a broken plug-in may. */
  public static final class Failing implements SecretSourceProvider {

    /** The value the failure quotes. */
    static final String QUOTED = "vault-login-SENTINEL-5a4b3c2d1e";

    /** Called by {@link java.util.ServiceLoader}. */
    public Failing() {}

    @Override
    public SecretSource create() {
      throw new IllegalStateException("vault login refused for " + QUOTED);
    }
  }
}
