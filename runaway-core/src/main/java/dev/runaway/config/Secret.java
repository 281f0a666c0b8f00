package dev.runaway.config;

import java.util.Objects;

/**
 * A credential (API key, bot token) whose {@link #toString()} never reveals it.
 *
 * <p>Call {@link #reveal()} only at the point of use, such as building an HTTP header, and never
 * pass the result to a logger, an exception or an alert.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Secret {

  /** Values shorter than this are replaced only as whole words; see {@link #redact(String)}. */
  public static final int WHOLE_WORD_BELOW = 12;

  /** Values of at least this many UTF-8 bytes are also looked for inside Base64 text. */
  public static final int BASE64_MIN_BYTES = 6;

  /** Values shorter than this are implausible as credentials; see {@link #implausiblyShort()}. */
  public static final int PLAUSIBLE_MIN_CHARS = 8;

  private final String name;
  private final String value;
  private dev.runaway.config.internal.Redaction.Forms forms;

  private Secret(String name, String value) {
    this.name = name;
    this.value = value;
  }

  /**
   * Wraps a secret value.
   *
   * @param name where it came from, such as the environment variable's name; safe to print
   * @param value the secret; must not be blank
   * @return the secret
   * @throws IllegalArgumentException if the value is blank (the message names {@code name}, never the value)
   */
  public static Secret of(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("secret " + name + " is blank");
    }
    return new Secret(name, value);
  }

  /**
   * Returns the name the secret was found under, which is safe to print.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the secret value itself.
   *
   * @return the value
   */
  public String reveal() {
    return value;
  }

  /**
   * Replaces this secret in {@code text} with {@code ***}, in every form it takes when it leaves
   * the process: as is; percent-encoded (RFC 3986, upper- or lower-case hex, minimal or full);
   * form-encoded ({@code application/x-www-form-urlencoded}, spaces as {@code +}); and inside
   * Base64 or Base64url text (an HTTP Basic {@code Authorization} value holds the password at any
   * byte offset, so the whole Base64 token around it is masked).
   *
   * <p>A value shorter than {@value #WHOLE_WORD_BELOW} characters is replaced only where it
   * stands as a whole word (not inside a longer run of letters, digits and {@code _}), so that a
   * short value such as {@code x} does not mangle {@code max_pages}; such a value is implausible
   * as a credential and the monitor warns about it. A longer value is replaced wherever it occurs,
   * even inside a longer word. Base64 forms are matched for values of at least
   * {@value #BASE64_MIN_BYTES} bytes.
   *
   * <p>A value of {@value #WHOLE_WORD_BELOW} characters or more is also masked where a service
   * echoes part of it, as OpenAI's 401 does ({@code Incorrect API key provided:
   * sk-proj-****...MxYA} or {@code sk-PMafP****...E873}). A fragment is a run of whole tokens of
   * the text (a token is a run of ASCII letters, digits, {@code -} and {@code _}), with the value's
   * own characters between them (the {@code +}, {@code /}, {@code =} or {@code .} of a Base64 or
   * dotted key), equal to the value's start or end, that holds at least 4 characters beyond the
   * value's head. The head is a vendor's fixed prefix from a known list (OpenAI's {@code sk-},
   * {@code sk-proj-}, {@code sk-svcacct-}, {@code sk-admin-}; Anthropic's {@code sk-ant-api03-},
   * {@code sk-ant-admin01-}; Stripe's {@code sk_live_}, {@code sk_test_}, {@code rk_live_},
   * {@code rk_test_}, {@code whsec_}; GitHub's {@code ghp_}, {@code gho_}, {@code ghu_},
   * {@code ghs_}, {@code ghr_}, {@code github_pat_}; and a few more), never more than half the
   * value; it is the same for every key of its kind, so it stays readable ({@code sk-proj-***}).
   * A value with no known prefix has no head: every character of it is secret. So that ordinary text is not
   * mangled, a fragment is masked only when it touches an elision mark ({@code *}, {@code .}, an
   * ellipsis or a bullet) where the rest of the key was cut, or mixes letters with digits or upper-
   * with lower-case, or holds 8 characters or more beyond the head: a plain word or number of 4 to
   * 7 characters that merely equals the key's start or end (such as {@code 2024} in a date) stays.
   * Encoded forms of fragments are not looked for.
   *
   * @param text any text, may be {@code null}
   * @return the text without the secret
   */
  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    return dev.runaway.config.internal.Redaction.redact(text, forms());
  }

  /**
   * Replaces every one of {@code secrets} in {@code text} as {@link #redact(String)} does, the
   * longest first so that a secret containing another is masked whole.
   *
   * @param text any text, may be {@code null}
   * @param secrets the secrets
   * @return the text without any of the secrets
   */
  public static String redactAll(String text, java.util.Collection<Secret> secrets) {
    if (text == null || text.isEmpty() || secrets.isEmpty()) {
      return text;
    }
    java.util.List<Secret> sorted = new java.util.ArrayList<>(secrets);
    sorted.sort((a, b) -> Integer.compare(b.value.length(), a.value.length()));
    String out = text;
    for (Secret s : sorted) {
      out = s.redact(out);
    }
    return out;
  }

  /**
   * Whether the value is implausibly short for a credential (fewer than
   * {@value #PLAUSIBLE_MIN_CHARS} characters), which usually means a placeholder or a mistake in
   * the environment.
   *
   * @return {@code true} if the value is shorter than {@value #PLAUSIBLE_MIN_CHARS} characters
   */
  public boolean implausiblyShort() {
    return value.length() < PLAUSIBLE_MIN_CHARS;
  }

  private dev.runaway.config.internal.Redaction.Forms forms() {
    dev.runaway.config.internal.Redaction.Forms f = forms;
    if (f == null) {
      // Racy single-check: Forms is immutable (final fields), so a duplicate computation is harmless.
      f = dev.runaway.config.internal.Redaction.forms(value, WHOLE_WORD_BELOW, BASE64_MIN_BYTES);
      forms = f;
    }
    return f;
  }

  /** Returns the name and {@code ***}, never the value. */
  @Override
  public String toString() {
    return name + "=***";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret && ((Secret) o).name.equals(name) && ((Secret) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + value.hashCode();
  }
}
