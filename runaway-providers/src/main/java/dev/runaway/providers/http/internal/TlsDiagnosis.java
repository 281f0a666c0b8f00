package dev.runaway.providers.http.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Tells a failed TLS handshake apart from a failed connection, for an {@code https} URL whose port
 * speaks plain HTTP. The JDK client reports such a URL as a connect timeout (the server waits for a
 * request line and never answers the handshake) or as an {@link SSLException} (the server answers
 * the handshake with plain HTTP), neither of which names the scheme.
 *
 * <p>Stateless and thread-safe.
 */
public final class TlsDiagnosis {

  /** The longest a probe waits for the TCP connection. */
  static final Duration PROBE_CAP = Duration.ofSeconds(3);

  private TlsDiagnosis() {}

  /**
   * Explains a connect timeout of an {@code https} request when the port accepts a TCP connection:
   * then the handshake timed out, not the connection.
   *
   * @param uri the request's URI
   * @param maxWait the longest the probe may wait for the TCP connection (the client's connect
   *     timeout, or what is left of its request timeout when that is less); the probe waits at most
   *     3 s ({@code PROBE_CAP}), and not at all when this is under a millisecond
   * @return the explanation, or empty when the URI is not {@code https}, there is no time left to
   *     probe, or the port does not accept a connection either (a real connect timeout)
   */
  public static Optional<String> afterConnectTimeout(URI uri, Duration maxWait) {
    if (!isHttps(uri) || uri.getHost() == null) {
      return Optional.empty();
    }
    int port = port(uri);
    Duration wait = maxWait.compareTo(PROBE_CAP) < 0 ? maxWait : PROBE_CAP;
    if (wait.toMillis() < 1) {
      return Optional.empty();
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(uri.getHost(), port), (int) wait.toMillis());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.of("connected to " + authority(uri) + ", but the TLS handshake did not complete within the"
        + " connect timeout: the port may serve plain HTTP, or the server accepts connections without answering"
        + " them (overloaded or hung). " + schemeHint(uri));
  }

  /**
   * Explains a TLS failure of an {@code https} request.
   *
   * @param uri the request's URI
   * @param failure the failure or one of its causes
   * @return the explanation (a failed handshake, or a TLS connection that failed after it), or
   *     empty when no {@link SSLException} is in the cause chain
   */
  public static Optional<String> afterFailure(URI uri, Throwable failure) {
    SSLException ssl = null;
    for (Throwable t = failure; t != null && ssl == null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException) {
        ssl = (SSLException) t;
      }
    }
    if (ssl == null || !isHttps(uri)) {
      return Optional.empty();
    }
    String said = ssl.getMessage() == null ? "" : ssl.getMessage();
    String lower = said.toLowerCase(Locale.ROOT);
    boolean plain = lower.contains("unrecognized ssl message") || lower.contains("plaintext")
        || lower.contains("unsupported or unrecognized");
    // Only a failure of the handshake's own is called one: an SSLException after it (a record that
    // fails its integrity check, a connection reset mid-response) is a failure of the connection.
    boolean handshake = plain || ssl instanceof SSLHandshakeException || ssl instanceof SSLPeerUnverifiedException
        || lower.contains("handshake");
    return Optional.of("the TLS " + (handshake ? "handshake" : "connection") + " with " + authority(uri) + " failed ("
        + ssl.getClass().getSimpleName()
        + (said.isEmpty() ? "" : ": " + said) + ")" + (plain ? ": the port answered in plain HTTP. " + schemeHint(uri)
            : ""));
  }

  private static String schemeHint(URI uri) {
    return "If it serves plain HTTP, write the URL with http:// instead of https:// (http://" + authority(uri)
        + "; a host other than loopback also needs allow_insecure_http); if it is meant to be HTTPS, check the"
        + " port.";
  }

  private static boolean isHttps(URI uri) {
    return uri != null && "https".equalsIgnoreCase(uri.getScheme());
  }

  private static int port(URI uri) {
    return uri.getPort() == -1 ? 443 : uri.getPort();
  }

  private static String authority(URI uri) {
    return uri.getHost() + ":" + port(uri);
  }
}
