package dev.runaway.providers.http.internal;

import java.net.URI;
import java.util.Locale;

/** Tells loopback hosts from the rest without asking DNS. */
public final class Hosts {

  private Hosts() {}

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
