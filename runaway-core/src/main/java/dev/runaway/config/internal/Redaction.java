package dev.runaway.config.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The engine behind {@link dev.runaway.config.Secret#redact(String)}: the encoded forms of a
 * value and their replacement in text.
 *
 * <p>Why every form: a key sent as a query parameter appears percent- or form-encoded in a
 * request URI that an exception quotes; a Basic-auth password appears inside Base64. Masking the
 * raw value alone leaked such keys into logs and alerts.
 *
 * <p>Stateless and thread-safe.
 */
public final class Redaction {

  private static final String MASK = "***";

  private Redaction() {}

  /** Longer values are never quoted in a message about a rejected value; see {@link #mayBeCredential}. */
  public static final int QUOTE_MAX_CHARS = 40;

  /**
   * Whether a value that a setting rejected may be a credential pasted in the wrong place, so that
   * the message about it must not quote it: longer than {@value #QUOTE_MAX_CHARS} characters, or
   * 16 characters or more mixing letters and digits.
   *
   * @param value the rejected value
   * @return {@code true} if it must not be quoted
   */
  public static boolean mayBeCredential(String value) {
    boolean letter = value.chars().anyMatch(Character::isLetter);
    boolean digit = value.chars().anyMatch(Character::isDigit);
    return value.length() > QUOTE_MAX_CHARS || (value.length() >= 16 && letter && digit);
  }

  /**
   * A rejected value as a message shows it: quoted, so the user sees what was written, or, when it
   * {@linkplain #mayBeCredential may be a credential}, described by its length and never quoted.
   *
   * @param value the rejected value
   * @return {@code "value"} or {@code a value of N characters (not shown: it may be a credential)}
   */
  public static String shown(String value) {
    return mayBeCredential(value) ? hidden(value) : "\"" + value + "\"";
  }

  /**
   * A URI that a setting rejected, as a message shows it: only its scheme, host and port, since its
   * user info, path or query may carry a credential (a proxy's {@code user:password}, a key in the
   * query, a bot token in the path); a value that is not such a URI is described by its length.
   *
   * @param uri the rejected URI as written
   * @return such as {@code https://127.0.0.1:9/... (the rest not shown: it may carry a credential)}
   */
  public static String shownUri(String uri) {
    java.net.URI u;
    try {
      u = new java.net.URI(uri.strip());
    } catch (java.net.URISyntaxException e) {
      return hidden(uri);
    }
    if (u.getScheme() == null || u.getHost() == null) {
      return hidden(uri);
    }
    String origin = u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
    boolean more = u.getRawUserInfo() != null || (u.getRawPath() != null && !u.getRawPath().isEmpty()
        && !u.getRawPath().equals("/")) || u.getRawQuery() != null || u.getRawFragment() != null;
    return more ? origin + "/... (the rest not shown: it may carry a credential)" : origin;
  }

  /**
   * The description of a value that is not shown.
   *
   * @param value the value
   * @return {@code a value of N characters (not shown: it may be a credential)}
   */
  public static String hidden(String value) {
    return "a value of " + value.length() + " characters (not shown: it may be a credential)";
  }

  /**
   * The precomputed forms of one secret value.
   *
   * @param literal the raw and URL-encoded forms, longest first
   * @param wholeWordOnly whether the literal forms are replaced only as whole words
   * @param base64Cores Base64 fragments that only the value produces, whatever its byte offset
   * @param fragmentsOf the value whose echoed prefixes and suffixes are masked too, or {@code null}
   *     when the value is too short for that (see {@link #redactFragments})
   * @param head the length of the value's vendor head, such as {@code sk-proj-}, which is not secret
   */
  public record Forms(List<String> literal, boolean wholeWordOnly, List<String> base64Cores, String fragmentsOf,
      int head) {}

  /**
   * Computes the forms of a value.
   *
   * @param value the secret value
   * @param wholeWordBelow values shorter than this are matched only as whole words
   * @param base64MinBytes values with fewer UTF-8 bytes are not looked for inside Base64
   * @return the forms
   */
  public static Forms forms(String value, int wholeWordBelow, int base64MinBytes) {
    Set<String> forms = new LinkedHashSet<>();
    forms.add(value);
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(form);
    String percent = form.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    forms.add(percent);
    forms.add(form.replace("+", "%20"));
    forms.add(minimalPercent(value));
    for (String f : new ArrayList<>(forms)) {
      forms.add(lowerHex(f));
    }
    List<String> literal = new ArrayList<>(forms);
    literal.sort((a, b) -> Integer.compare(b.length(), a.length()));

    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    Set<String> cores = new LinkedHashSet<>();
    if (bytes.length >= base64MinBytes) {
      for (int offset = 0; offset < 3; offset++) {
        byte[] shifted = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, shifted, offset, bytes.length);
        String b64 = Base64.getEncoder().withoutPadding().encodeToString(shifted);
        // Output character i holds bits [6i, 6i + 6); keep those made of the value's bits only.
        int first = (8 * offset + 5) / 6;
        int end = (8 * (offset + bytes.length)) / 6;
        if (end > first) {
          String core = b64.substring(first, end);
          cores.add(core);
          cores.add(core.replace('+', '-').replace('/', '_'));
        }
      }
    }
    boolean shortValue = value.length() < wholeWordBelow;
    return new Forms(List.copyOf(literal), shortValue, List.copyOf(cores), shortValue ? null : value,
        shortValue ? 0 : headLength(value));
  }

  /**
   * Replaces every form in a text.
   *
   * @param text the text, not {@code null}
   * @param forms the forms
   * @return the text with each form replaced by {@code ***}
   */
  public static String redact(String text, Forms forms) {
    String out = text;
    for (String f : forms.literal()) {
      out = replace(out, f, forms.wholeWordOnly());
    }
    for (String core : forms.base64Cores()) {
      out = replaceBase64Token(out, core);
    }
    if (forms.fragmentsOf() != null) {
      out = redactFragments(out, forms.fragmentsOf(), forms.head());
    }
    return out;
  }

  /** A fragment must hold at least this many of the value's characters beyond its head. */
  public static final int FRAGMENT_MIN_CHARS = 4;

  /** A fragment this long (beyond the head) is masked even if it looks like a plain word or number. */
  public static final int FRAGMENT_ALWAYS_CHARS = 8;

  /**
   * Masks the parts of a value that a service echoes when it refuses it, such as OpenAI's
   * {@code sk-proj-****...MxYA} or {@code sk-PMafP****...E873}: the rule is documented on
   * {@link dev.runaway.config.Secret#redact(String)}. A fragment is a run of the text that starts
   * and ends at the edges of tokens (a token is a maximal run of ASCII letters, digits, {@code -}
   * and {@code _}), equals a proper prefix or suffix of the value and holds at least
   * {@value #FRAGMENT_MIN_CHARS} characters beyond the value's head. It is one token for most keys;
   * for a key holding other characters ({@code +}, {@code /}, {@code =}, {@code .} of a Base64 or
   * dotted key) it spans the tokens and those characters of the key between them, so that
   * {@code YrmX+in8pJox...} is masked whole, not only up to the {@code +}. It is masked when it
   * touches an elision mark ({@code *}, {@code .}, {@code \u2026}, {@code \u2022}) on the side where
   * the rest of the key was cut, when it mixes letters with digits or upper- with lower-case, or
   * when it holds at least {@value #FRAGMENT_ALWAYS_CHARS} such characters. So a plain word or
   * number of four to seven characters that merely equals the key's start or end stays readable in
   * ordinary text. A prefix keeps the head ({@code sk-proj-***}), which is the same for every key of
   * its kind. Where a prefix and a suffix fragment overlap, their union is masked.
   *
   * @param text the text, not {@code null}
   * @param value the secret value
   * @param head the length of its head
   * @return the text with the fragments replaced by {@code ***}
   */
  static String redactFragments(String text, String value, int head) {
    int n = text.length();
    int v = value.length();
    // Masked spans as [from, to) pairs, found left to right by start, merged below.
    long[] spans = new long[8];
    int count = 0;
    char first = value.charAt(0);
    char last = value.charAt(v - 1);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == first && (i == 0 || !isKeyChar(text.charAt(i - 1)))) {
        int end = prefixFragmentEnd(text, i, value, head);
        if (end > 0) {
          spans = add(spans, count++, i + head, end);
        }
      }
      if (c == last && (i + 1 == n || !isKeyChar(text.charAt(i + 1)))) {
        int from = suffixFragmentFrom(text, i + 1, value, head);
        if (from >= 0) {
          spans = add(spans, count++, from, i + 1);
        }
      }
    }
    if (count == 0) {
      return text;
    }
    long[] sorted = java.util.Arrays.copyOf(spans, count);
    java.util.Arrays.sort(sorted); // by start: the start is the high half
    StringBuilder sb = new StringBuilder(n);
    int at = 0;
    int k = 0;
    while (k < count) {
      int from = (int) (sorted[k] >>> 32);
      int to = (int) sorted[k];
      k++;
      while (k < count && (int) (sorted[k] >>> 32) <= to) {
        to = Math.max(to, (int) sorted[k]);
        k++;
      }
      sb.append(text, at, from).append(MASK);
      at = to;
    }
    sb.append(text, at, n);
    return sb.toString();
  }

  private static long[] add(long[] spans, int at, int from, int to) {
    long[] out = at < spans.length ? spans : java.util.Arrays.copyOf(spans, spans.length * 2);
    out[at] = ((long) from << 32) | (to & 0xffffffffL);
    return out;
  }

  /**
   * The end of the longest masked prefix fragment starting at {@code start}, or -1: the run equal to
   * the value's start that ends at a token's edge, the longest such run that is masked.
   */
  private static int prefixFragmentEnd(String text, int start, String value, int head) {
    int n = text.length();
    int max = Math.min(value.length() - 1, n - start);
    int common = 0;
    while (common < max && text.charAt(start + common) == value.charAt(common)) {
      common++;
    }
    for (int len = common; len > head; len--) {
      int end = start + len;
      if (end < n && isKeyChar(text.charAt(end))) {
        continue; // not at a token's edge: the token goes on beyond the key's start
      }
      if (masked(text, start + head, end, end < n && isElision(text.charAt(end)))) {
        return end;
      }
    }
    return -1;
  }

  /**
   * The start of the secret part of the longest masked suffix fragment ending at {@code end}, or
   * -1: the run equal to the value's end that starts at a token's edge, the longest such run that
   * is masked; a part of it that is the value's head is masked too (a suffix that long is most of
   * the key).
   */
  private static int suffixFragmentFrom(String text, int end, String value, int head) {
    int v = value.length();
    int max = Math.min(v - 1, end);
    int common = 0;
    while (common < max && text.charAt(end - 1 - common) == value.charAt(v - 1 - common)) {
      common++;
    }
    for (int len = common; len > 0; len--) {
      int start = end - len;
      if (start > 0 && isKeyChar(text.charAt(start - 1))) {
        continue;
      }
      int secretFrom = Math.max(start, start + head - (v - len));
      if (end - secretFrom > 0 && masked(text, secretFrom, end, start > 0 && isElision(text.charAt(start - 1)))) {
        return start;
      }
    }
    return -1;
  }

  /** Whether the secret part {@code text[from, to)} of a fragment is masked (see {@link #redactFragments}). */
  private static boolean masked(CharSequence text, int from, int to, boolean elided) {
    int chars = to - from;
    if (chars < FRAGMENT_MIN_CHARS) {
      return false;
    }
    if (elided || chars >= FRAGMENT_ALWAYS_CHARS) {
      return true;
    }
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    for (int k = from; k < to; k++) {
      char c = text.charAt(k);
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
      digit |= c >= '0' && c <= '9';
    }
    boolean letter = lower || upper;
    return (letter && digit) || (lower && upper);
  }

  /**
   * The vendors' fixed key prefixes (in any order: the longest one a value starts with is its
   * head): the only heads kept readable. A rule by shape (lower-case segments ending in {@code -} or {@code _}) read the
   * random start of a key such as {@code sk-proj-abc_...} as part of its head and left
   * {@code abc} readable in an echoed {@code sk-proj-abc_****}; a list never takes a key's own
   * characters for its vendor's.
   */
  static final List<String> VENDOR_HEADS = List.of(
      "sk-ant-admin01-", "sk-ant-api03-", "sk-svcacct-", "sk-admin-", "sk-proj-", "sk-or-v1-", "sk-",
      "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_",
      "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-",
      "xoxb-", "xoxp-", "xapp-", "sbp_", "sb_secret_", "hf_", "gsk_", "xai-", "npm_");

  /**
   * The length of a value's vendor head: the longest of {@link #VENDOR_HEADS} it starts with
   * ({@code sk-}, {@code sk-proj-}, {@code sk-ant-api03-}, {@code ghp_}, {@code sk_live_}), never
   * more than half the value; 0 for any other value, whose every character is secret.
   */
  static int headLength(String value) {
    int head = 0;
    for (String h : VENDOR_HEADS) {
      if (h.length() > head && value.startsWith(h) && h.length() <= value.length() / 2) {
        head = h.length();
      }
    }
    return head;
  }

  private static boolean isKeyChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  private static boolean isElision(char c) {
    return c == '*' || c == '.' || c == '\u2026' || c == '\u2022';
  }

  private static String replace(String text, String form, boolean wholeWordOnly) {
    int at = text.indexOf(form);
    if (at < 0) {
      return text;
    }
    boolean checkStart = wholeWordOnly && isWordChar(form.charAt(0));
    boolean checkEnd = wholeWordOnly && isWordChar(form.charAt(form.length() - 1));
    StringBuilder sb = new StringBuilder(text.length());
    int from = 0;
    while (at >= 0) {
      int end = at + form.length();
      boolean whole = (!checkStart || at == 0 || !isWordChar(text.charAt(at - 1)))
          && (!checkEnd || end == text.length() || !isWordChar(text.charAt(end)));
      if (whole) {
        sb.append(text, from, at).append(MASK);
        from = end;
        at = text.indexOf(form, end);
      } else {
        at = text.indexOf(form, at + 1);
      }
    }
    sb.append(text, from, text.length());
    return sb.toString();
  }

  private static String replaceBase64Token(String text, String core) {
    int at = text.indexOf(core);
    if (at < 0) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int from = 0;
    while (at >= 0) {
      int start = at;
      while (start > from && isBase64Char(text.charAt(start - 1))) {
        start--;
      }
      int end = at + core.length();
      while (end < text.length() && isBase64Char(text.charAt(end))) {
        end++;
      }
      sb.append(text, from, start).append(MASK);
      from = end;
      at = text.indexOf(core, end);
    }
    sb.append(text, from, text.length());
    return sb.toString();
  }

  /** Letters, digits and {@code _}: the characters of an identifier-like word such as {@code max_pages}. */
  static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean isBase64Char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
        || c == '-' || c == '_' || c == '=';
  }

  /** Percent-encodes only what a URI may not hold as is (RFC 3986 path characters stay). */
  private static String minimalPercent(String value) {
    StringBuilder sb = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
      if (keep) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  private static String lowerHex(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        sb.append('%').append(s.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        i += 2;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
