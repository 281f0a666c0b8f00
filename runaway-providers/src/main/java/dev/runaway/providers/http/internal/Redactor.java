package dev.runaway.providers.http.internal;

import dev.runaway.internal.SanitizedException;
import dev.runaway.config.Secret;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Removes known secret values from text, in every form they take in messages: as is,
 * percent- and form-encoded (a key sent as a query parameter shows up encoded in a request URI)
 * and inside Base64 (a Basic-auth header); see {@link Secret#redact(String)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Redactor {

  private static final Redactor NONE = new Redactor(List.of());

  private final List<Secret> secrets;

  private Redactor(List<Secret> secrets) {
    this.secrets = secrets;
  }

  /**
   * Returns a redactor for the given secrets.
   *
   * @param secrets the secrets
   * @return the redactor
   */
  public static Redactor of(Collection<Secret> secrets) {
    if (secrets.isEmpty()) {
      return NONE;
    }
    return new Redactor(List.copyOf(new LinkedHashSet<>(secrets)));
  }

  /**
   * Returns {@code text} with every secret, in each of its encoded forms, replaced by
   * {@code ***} (see {@link Secret#redact(String)}).
   *
   * @param text any text, may be {@code null}
   * @return the redacted text
   */
  public String redact(String text) {
    if (text == null || secrets.isEmpty()) {
      return text;
    }
    return Secret.redactAll(text, secrets);
  }

  /**
   * Returns a copy of {@code t} and its causes whose messages are redacted, keeping class names
   * and stack traces, so a cause chain can be attached to an exception without leaking a secret.
   *
   * @param t the throwable, may be {@code null}
   * @return the sanitized copy, or {@code null}
   */
  public Throwable sanitize(Throwable t) {
    return SanitizedException.of(t, secrets);
  }
}
