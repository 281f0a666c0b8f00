package dev.runaway.config;

/**
 * Providers that fail, listed only in a test's own class loader (never in the shared
 * {@code META-INF/services}), so that no other test sees their warnings.
 */
public final class BrokenSecretSourceProviders {

  private BrokenSecretSourceProviders() {}

  /** Throws from {@link #create()}. */
  public static final class Throwing implements SecretSourceProvider {
    @Override
    public SecretSource create() {
      throw new IllegalStateException("the vault is sealed");
    }
  }

  /** Returns {@code null} from {@link #create()}. */
  public static final class ReturnsNull implements SecretSourceProvider {
    @Override
    public SecretSource create() {
      return null;
    }
  }
}
