package dev.runaway.providers.http.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 9110 §11.6.1, formerly RFC 7235 §4.1):
 * an auth scheme with either auth-params or a token68.
 *
 * <p>{@link #parse(List)} reads every challenge of the header's values. A single value may hold
 * several challenges ({@code Basic realm="a", Digest realm="b", nonce="n"}); quoted strings may
 * contain commas, equals signs and backslash-escaped quotes.
 *
 * <p>Immutable and thread-safe.
 */
public final class AuthChallenge {

  private final String scheme;
  private final Map<String, String> params;
  private final String token68;

  private AuthChallenge(String scheme, Map<String, String> params, String token68) {
    this.scheme = scheme;
    this.params = Collections.unmodifiableMap(params);
    this.token68 = token68;
  }

  /**
   * Returns the auth scheme as sent, such as {@code Digest}.
   *
   * @return the scheme
   */
  public String scheme() {
    return scheme;
  }

  /**
   * Whether the scheme is {@code name}, ignoring case as the RFC requires.
   *
   * @param name a scheme name
   * @return {@code true} if it matches
   */
  public boolean is(String name) {
    return scheme.equalsIgnoreCase(name);
  }

  /**
   * Returns the auth-params by lower-case name, quoted values unescaped; the first of a repeated
   * name wins.
   *
   * @return the parameters, in order
   */
  public Map<String, String> params() {
    return params;
  }

  /**
   * Returns one parameter.
   *
   * @param name the name, any case
   * @return the value, if present
   */
  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Returns the token68 of a scheme that takes one instead of parameters.
   *
   * @return the token68, if present
   */
  public Optional<String> token68() {
    return Optional.ofNullable(token68);
  }

  /**
   * Parses the values of one or more {@code WWW-Authenticate} (or {@code Proxy-Authenticate})
   * headers.
   *
   * @param values the header values
   * @return the challenges in order
   * @throws IllegalArgumentException if a value is not valid challenge syntax (an unterminated
   *     quoted string, a parameter without a value, a stray character)
   */
  public static List<AuthChallenge> parse(List<String> values) {
    Objects.requireNonNull(values, "values");
    List<AuthChallenge> out = new ArrayList<>();
    for (String v : values) {
      new Parser(v).challenges(out);
    }
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    // Nonces and opaque values are not secrets, but there is no reason to print them either.
    return "AuthChallenge[" + scheme + ", params=" + params.keySet() + (token68 == null ? "" : ", token68") + "]";
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    void challenges(List<AuthChallenge> out) {
      while (true) {
        skipListSeparators();
        if (pos >= s.length()) {
          return;
        }
        String scheme = word();
        if (scheme.isEmpty() || scheme.indexOf('/') >= 0) {
          throw malformed("an auth scheme");
        }
        out.add(afterScheme(scheme));
      }
    }

    private AuthChallenge afterScheme(String scheme) {
      Map<String, String> params = new LinkedHashMap<>();
      boolean spaced = skipSpaces();
      if (pos >= s.length() || s.charAt(pos) == ',') {
        // The scheme alone, or a list separator that parameters may still follow.
        return new AuthChallenge(scheme, params(params, false), null);
      }
      if (!spaced) {
        throw malformed("a space after the scheme '" + scheme + "'");
      }
      int start = pos;
      String w = word();
      if (w.isEmpty()) {
        throw malformed("a parameter or token68 after the scheme '" + scheme + "'");
      }
      int afterWord = pos;
      skipSpaces();
      if (w.indexOf('/') < 0 && pos < s.length() && s.charAt(pos) == '=' && isValueAhead(pos + 1)) {
        pos = start;
        return new AuthChallenge(scheme, params(params, true), null);
      }
      pos = afterWord;
      StringBuilder token68 = new StringBuilder(w);
      while (pos < s.length() && s.charAt(pos) == '=') {
        token68.append('=');
        pos++;
      }
      skipSpaces();
      if (pos < s.length() && s.charAt(pos) != ',') {
        throw malformed("a comma after the token68 of '" + scheme + "'");
      }
      return new AuthChallenge(scheme, params, token68.toString());
    }

    /**
     * Reads auth-params until the value ends or the next challenge's scheme starts.
     *
     * @param first whether a parameter must come first, without a separator before it
     */
    private Map<String, String> params(Map<String, String> params, boolean first) {
      boolean expectParam = first;
      while (true) {
        if (!expectParam) {
          skipSpaces();
          if (pos >= s.length()) {
            return params;
          }
          if (s.charAt(pos) != ',') {
            throw malformed("a comma between parameters");
          }
          skipListSeparators();
          if (pos >= s.length()) {
            return params;
          }
        }
        int start = pos;
        String name = word();
        skipSpaces();
        if (name.isEmpty() || name.indexOf('/') >= 0 || pos >= s.length() || s.charAt(pos) != '='
            || !isValueAhead(pos + 1)) {
          if (expectParam) {
            throw malformed("a parameter");
          }
          pos = start; // the next challenge's scheme
          return params;
        }
        pos++;
        skipSpaces();
        String value = s.charAt(pos) == '"' ? quoted() : word();
        params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
        expectParam = false;
      }
    }

    private boolean isValueAhead(int from) {
      int p = from;
      while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
        p++;
      }
      return p < s.length() && (s.charAt(p) == '"' || isWordChar(s.charAt(p)));
    }

    private String quoted() {
      StringBuilder b = new StringBuilder();
      pos++;
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c == '\\') {
          if (pos >= s.length()) {
            break;
          }
          c = s.charAt(pos++);
        }
        b.append(c);
      }
      throw malformed("a closing quote");
    }

    private String word() {
      int start = pos;
      while (pos < s.length() && isWordChar(s.charAt(pos))) {
        pos++;
      }
      return s.substring(start, pos);
    }

    /** A tchar (RFC 9110 §5.6.2), or '/', which token68 allows and lenient servers send in tokens. */
    private static boolean isWordChar(char c) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
      }
      return "!#$%&'*+-.^_`|~/".indexOf(c) >= 0;
    }

    private boolean skipSpaces() {
      int start = pos;
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
        pos++;
      }
      return pos > start;
    }

    private void skipListSeparators() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == ',')) {
        pos++;
      }
    }

    private IllegalArgumentException malformed(String expected) {
      return new IllegalArgumentException("malformed authentication challenge: expected " + expected
          + " at character " + pos);
    }
  }
}
