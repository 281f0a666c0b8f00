package dev.runaway.internal;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * The one rule for where Runaway Guard sends credentials over HTTP, shared by the providers'
 * {@code ApiClient} and the Telegram notifier so the two cannot drift: an absolute {@code https}
 * URL with a host, or plain {@code http} only to a loopback host (a local proxy, a test server),
 * unless the user explicitly allows insecure http ({@code "allow_insecure_http": true}).
 *
 * <p>Loopback is decided from the URL's text, never by asking DNS: {@code localhost}, a
 * {@code .localhost} name, {@code 127.0.0.0/8} or {@code ::1}.
 *
 * <p>Stateless and thread-safe.
 */
public final class HttpSecurity {

  /** The setting, in providers' and notifiers' config, that allows plain http to any host. */
  public static final String ALLOW_INSECURE_HTTP = "allow_insecure_http";

  private HttpSecurity() {}

  /**
   * Checks a base URL against the rule.
   *
   * @param url the URL credentials would be sent to
   * @param allowInsecureHttp whether the user allowed plain http to a host that is not loopback
   * @return what is wrong, never quoting the URL (it may carry a credential); empty when allowed
   */
  public static Optional<String> problem(URI url, boolean allowInsecureHttp) {
    String scheme = url.getScheme() == null ? null : url.getScheme().toLowerCase(Locale.ROOT);
    if (scheme == null || url.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      return Optional.of("the URL must be an absolute http or https URL");
    }
    if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(url)) {
      return Optional.of("refusing plain http:// to " + url.getHost()
          + ": credentials would cross the network in clear; use https:// or, only on a network you trust, set \""
          + ALLOW_INSECURE_HTTP + "\": true");
    }
    return Optional.empty();
  }

  /**
   * Whether a URI's host is a loopback address: {@code localhost}, a {@code .localhost} name,
   * {@code 127.0.0.0/8} or {@code ::1}.
   *
   * @param uri the URI
   * @return {@code true} for loopback
   */
  public static boolean isLoopback(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return false;
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return true;
    }
    if (host.matches("127(\\.\\d{1,3}){3}")) {
      return true;
    }
    return host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
  }

  /**
   * Whether two URIs share scheme, host and port, so a credential meant for one may go to the other.
   *
   * @param a one URI
   * @param b the other
   * @return {@code true} if same origin
   */
  public static boolean sameOrigin(URI a, URI b) {
    return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }
}
