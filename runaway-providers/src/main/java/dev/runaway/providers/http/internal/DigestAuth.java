package dev.runaway.providers.http.internal;

import dev.runaway.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * HTTP Digest access authentication on the client side (RFC 7616, which obsoletes RFC 2617),
 * which the JDK's {@code HttpClient} lacks: it reads a server's {@code Digest} challenge and
 * answers with an {@code Authorization} header for each request.
 *
 * <p>Supported: the algorithms {@code MD5}, {@code SHA-256}, {@code SHA-512-256} and their
 * {@code -sess} variants; {@code qop=auth} (preferred) and {@code qop=auth-int}; the RFC 2069
 * form when a challenge offers no qop; {@code userhash}; {@code opaque}; a non-ASCII user name
 * through {@code username*}. The nonce of the last challenge is reused with an increasing nonce
 * count ({@code nc}), so a client that keeps one instance pays the 401 round trip once per nonce,
 * not once per request; a fresh cnonce is drawn for every request.
 *
 * <p>The password is read only to compute hashes and never appears in a header, message or
 * {@code toString()}.
 *
 * <p>Thread-safe.
 */
public final class DigestAuth {

  /** The digest algorithms of RFC 7616 §6.1. */
  public enum Algorithm {
    /** MD5, the default when a challenge names none. */
    MD5("MD5", "MD5", false),
    /** MD5 with session keys. */
    MD5_SESS("MD5-sess", "MD5", true),
    /** SHA-256. */
    SHA_256("SHA-256", "SHA-256", false),
    /** SHA-256 with session keys. */
    SHA_256_SESS("SHA-256-sess", "SHA-256", true),
    /** SHA-512/256. */
    SHA_512_256("SHA-512-256", "SHA-512/256", false),
    /** SHA-512/256 with session keys. */
    SHA_512_256_SESS("SHA-512-256-sess", "SHA-512/256", true);

    private final String token;
    private final String jdkName;
    private final boolean session;

    Algorithm(String token, String jdkName, boolean session) {
      this.token = token;
      this.jdkName = jdkName;
      this.session = session;
    }

    /**
     * Returns the name used on the wire, such as {@code SHA-256-sess}.
     *
     * @return the token
     */
    public String token() {
      return token;
    }

    /**
     * Finds an algorithm by its wire name, ignoring case.
     *
     * @param token the name, or {@code null} for the default (MD5)
     * @return the algorithm, empty if unknown
     */
    public static Optional<Algorithm> of(String token) {
      if (token == null) {
        return Optional.of(MD5);
      }
      for (Algorithm a : values()) {
        if (a.token.equalsIgnoreCase(token.trim())) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }

    /**
     * Hashes UTF-8 text and returns lower-case hex.
     *
     * @param text the text
     * @return the hash
     */
    public String hash(String text) {
      return hash(text.getBytes(StandardCharsets.UTF_8));
    }

    String hash(byte[] data) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance(jdkName).digest(data));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK lacks " + jdkName, e);
      }
    }

    int strength() {
      return ordinal() / 2;
    }
  }

  /**
   * A server's {@code Digest} challenge.
   *
   * @param realm the realm
   * @param nonce the nonce
   * @param opaque the opaque value to echo, or {@code null}
   * @param algorithm the algorithm
   * @param qop the offered qop values in lower case; empty for the RFC 2069 form
   * @param stale whether the server refused only the nonce, not the credentials
   * @param userhash whether the user name must be sent hashed
   */
  public record Challenge(String realm, String nonce, String opaque, Algorithm algorithm, List<String> qop,
      boolean stale, boolean userhash) {

    /** Validates and copies. */
    public Challenge {
      Objects.requireNonNull(realm, "realm");
      Objects.requireNonNull(nonce, "nonce");
      Objects.requireNonNull(algorithm, "algorithm");
      qop = List.copyOf(qop);
    }

    /**
     * Picks the strongest supported {@code Digest} challenge among a header's challenges.
     *
     * @param challenges the parsed {@code WWW-Authenticate} challenges
     * @return the challenge, empty if there is no usable Digest challenge
     */
    public static Optional<Challenge> select(List<AuthChallenge> challenges) {
      Challenge best = null;
      for (AuthChallenge c : challenges) {
        if (!c.is("Digest")) {
          continue;
        }
        Optional<Challenge> d = from(c);
        if (d.isPresent() && (best == null || d.get().algorithm.strength() > best.algorithm.strength())) {
          best = d.get();
        }
      }
      return Optional.ofNullable(best);
    }

    /**
     * Reads one {@code Digest} challenge.
     *
     * @param c the challenge
     * @return the challenge, empty if it lacks realm or nonce, names an unknown algorithm, or
     *     offers only qop values other than {@code auth} and {@code auth-int}
     */
    public static Optional<Challenge> from(AuthChallenge c) {
      Optional<String> realm = c.param("realm");
      Optional<String> nonce = c.param("nonce");
      Optional<Algorithm> algorithm = Algorithm.of(c.param("algorithm").orElse(null));
      if (!c.is("Digest") || realm.isEmpty() || nonce.isEmpty() || algorithm.isEmpty()) {
        return Optional.empty();
      }
      List<String> qop = new ArrayList<>();
      Optional<String> offered = c.param("qop");
      if (offered.isPresent()) {
        for (String q : offered.get().split(",")) {
          String v = q.trim().toLowerCase(Locale.ROOT);
          if (v.equals("auth") || v.equals("auth-int")) {
            qop.add(v);
          }
        }
        if (qop.isEmpty()) {
          return Optional.empty();
        }
      }
      return Optional.of(new Challenge(realm.get(), nonce.get(), c.param("opaque").orElse(null), algorithm.get(),
          qop, c.param("stale").map("true"::equalsIgnoreCase).orElse(false),
          c.param("userhash").map("true"::equalsIgnoreCase).orElse(false)));
    }
  }

  private final String username;
  private final Secret password;
  private final Supplier<String> cnonces;
  private Challenge challenge;
  private int nonceCount;

  /**
   * Creates an authenticator that draws each cnonce from a {@link SecureRandom}.
   *
   * @param username the user name (for Atlas, the public API key)
   * @param password the password (for Atlas, the private API key)
   */
  public DigestAuth(String username, Secret password) {
    this(username, password, randomCnonces());
  }

  /**
   * Creates an authenticator with a given cnonce source, for tests.
   *
   * @param username the user name
   * @param password the password
   * @param cnonces supplies a fresh client nonce for each request
   */
  public DigestAuth(String username, Secret password, Supplier<String> cnonces) {
    this.username = Objects.requireNonNull(username, "username");
    this.password = Objects.requireNonNull(password, "password");
    this.cnonces = Objects.requireNonNull(cnonces, "cnonces");
  }

  private static Supplier<String> randomCnonces() {
    SecureRandom random = new SecureRandom();
    return () -> {
      byte[] b = new byte[16];
      random.nextBytes(b);
      return HexFormat.of().formatHex(b);
    };
  }

  /**
   * Adopts a new challenge from a {@code 401}; the nonce count starts again at 1.
   *
   * @param c the challenge
   */
  public synchronized void challenged(Challenge c) {
    this.challenge = Objects.requireNonNull(c, "challenge");
    this.nonceCount = 0;
  }

  /**
   * Whether a challenge has been adopted, so requests can be authorised without a round trip.
   *
   * @return {@code true} once challenged
   */
  public synchronized boolean hasChallenge() {
    return challenge != null;
  }

  /** Forgets the challenge, so the next request goes without credentials and draws a new one. */
  public synchronized void reset() {
    challenge = null;
    nonceCount = 0;
  }

  /**
   * Returns the {@code Authorization} header value for a request under the current challenge.
   *
   * @param method the request method, such as {@code GET}
   * @param uri the request-target as sent: the raw path and query, such as
   *     {@code /api/atlas/v2/orgs/x/invoices/pending?pageNum=2}
   * @param body the request body, for {@code qop=auth-int}; empty for none
   * @return the header value, empty before the first challenge
   */
  public Optional<String> authorization(String method, String uri, byte[] body) {
    Challenge c;
    int nc;
    synchronized (this) {
      if (challenge == null) {
        return Optional.empty();
      }
      c = challenge;
      nc = ++nonceCount;
    }
    return Optional.of(header(c, username, password.reveal(), method, uri, body, nc, cnonces.get()));
  }

  /**
   * Computes a complete {@code Authorization} header value (RFC 7616 §3.4).
   *
   * @param c the challenge
   * @param username the user name
   * @param password the password
   * @param method the request method
   * @param uri the request-target
   * @param body the request body, for {@code auth-int}
   * @param nc the nonce count, from 1
   * @param cnonce the client nonce
   * @return the header value, starting with {@code Digest }
   */
  public static String header(Challenge c, String username, String password, String method, String uri, byte[] body,
      int nc, String cnonce) {
    String qop = c.qop().isEmpty() ? null : c.qop().contains("auth") ? "auth" : "auth-int";
    String ncHex = String.format(Locale.ROOT, "%08x", nc);
    String response = response(c.algorithm(), username, c.realm(), password, method, uri, body, c.nonce(), ncHex,
        cnonce, qop);
    StringBuilder h = new StringBuilder("Digest ");
    if (c.userhash()) {
      h.append("username=").append(quote(c.algorithm().hash(username + ":" + c.realm())));
    } else if (needsExtendedNotation(username)) {
      h.append("username*=UTF-8''").append(URLEncoder.encode(username, StandardCharsets.UTF_8).replace("+", "%20"));
    } else {
      h.append("username=").append(quote(username));
    }
    h.append(", realm=").append(quote(c.realm()));
    h.append(", uri=").append(quote(uri));
    h.append(", algorithm=").append(c.algorithm().token());
    h.append(", nonce=").append(quote(c.nonce()));
    if (qop != null) {
      h.append(", nc=").append(ncHex);
      h.append(", cnonce=").append(quote(cnonce));
      h.append(", qop=").append(qop);
    } else if (c.algorithm().session) {
      h.append(", cnonce=").append(quote(cnonce));
    }
    h.append(", response=").append(quote(response));
    if (c.opaque() != null) {
      h.append(", opaque=").append(quote(c.opaque()));
    }
    if (c.userhash()) {
      h.append(", userhash=true");
    }
    return h.toString();
  }

  /**
   * Computes the {@code response} value (RFC 7616 §3.4.1-3.4.3).
   *
   * @param algorithm the algorithm
   * @param username the user name (unhashed)
   * @param realm the realm
   * @param password the password
   * @param method the request method
   * @param uri the request-target
   * @param body the request body, for {@code auth-int}
   * @param nonce the server nonce
   * @param ncHex the nonce count as 8 hex digits
   * @param cnonce the client nonce
   * @param qop {@code auth}, {@code auth-int}, or {@code null} for the RFC 2069 form
   * @return the response in lower-case hex
   */
  public static String response(Algorithm algorithm, String username, String realm, String password, String method,
      String uri, byte[] body, String nonce, String ncHex, String cnonce, String qop) {
    String ha1 = algorithm.hash(username + ":" + realm + ":" + password);
    if (algorithm.session) {
      ha1 = algorithm.hash(ha1 + ":" + nonce + ":" + cnonce);
    }
    String a2 = method + ":" + uri;
    if ("auth-int".equals(qop)) {
      a2 = a2 + ":" + algorithm.hash(body == null ? new byte[0] : body);
    }
    String ha2 = algorithm.hash(a2);
    if (qop == null) {
      return algorithm.hash(ha1 + ":" + nonce + ":" + ha2);
    }
    return algorithm.hash(ha1 + ":" + nonce + ":" + ncHex + ":" + cnonce + ":" + qop + ":" + ha2);
  }

  private static boolean needsExtendedNotation(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch > 0x7e) {
        return true;
      }
    }
    return false;
  }

  private static String quote(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Says whether a challenge is held; never the user name or the password. */
  @Override
  public synchronized String toString() {
    return "DigestAuth[challenged=" + (challenge != null) + "]";
  }
}
