package dev.runaway.config;

/**
 * Plugs an external secret manager (Vault, a cloud secret store) into
 * {@link SecretSource#defaults()}. Discovered with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.runaway.config.SecretSourceProvider}.
 *
 * <p>Lifecycle: {@link #create()} is called once per {@link SecretSource#defaults()} call.
 */
public interface SecretSourceProvider {

  /**
   * Creates the source.
   *
   * @return the source
   */
  SecretSource create();
}
