package dev.runaway.providers.http.internal;

import dev.runaway.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes known secret values from text, in the forms they take in messages: as is, and URL
 * encoded (a key sent as a query parameter shows up encoded in a request URI).
 *
 * <p>Immutable and thread-safe.
 */
public final class Redactor {

  private static final String MASK = "***";
  private static final Redactor NONE = new Redactor(List.of());

  private final List<String> forms;

  private Redactor(List<String> forms) {
    this.forms = forms;
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
    Set<String> forms = new LinkedHashSet<>();
    for (Secret s : secrets) {
      String v = s.reveal();
      forms.add(v);
      String form = URLEncoder.encode(v, StandardCharsets.UTF_8);
      forms.add(form);
      forms.add(form.replace("+", "%20"));
    }
    List<String> sorted = new ArrayList<>(forms);
    // Longest first, so an encoded form is not half-replaced by a shorter raw form.
    sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
    return new Redactor(List.copyOf(sorted));
  }

  /**
   * Returns {@code text} with every secret replaced by {@code ***}.
   *
   * @param text any text, may be {@code null}
   * @return the redacted text
   */
  public String redact(String text) {
    if (text == null || forms.isEmpty()) {
      return text;
    }
    String out = text;
    for (String f : forms) {
      if (out.contains(f)) {
        out = out.replace(f, MASK);
      }
    }
    return out;
  }

  /**
   * Returns a copy of {@code t} and its causes whose messages are redacted, keeping class names
   * and stack traces, so a cause chain can be attached to an exception without leaking a secret.
   *
   * @param t the throwable, may be {@code null}
   * @return the sanitized copy, or {@code null}
   */
  public Throwable sanitize(Throwable t) {
    return sanitize(t, 0);
  }

  private Throwable sanitize(Throwable t, int depth) {
    if (t == null || depth > 16) {
      return null;
    }
    SanitizedException copy = new SanitizedException(t.getClass().getName(), redact(t.getMessage()),
        sanitize(t.getCause(), depth + 1));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }
}
