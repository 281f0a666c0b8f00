package dev.runaway.redis;

import dev.runaway.config.Secret;
import dev.runaway.internal.Checks;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where Redis is and how to reach it: the connection settings that {@link RedisLedger.Builder} and
 * {@link RedisFleet.Builder} share, validated here once so that the two builders accept the same
 * values with the same messages. Each builder's public setters delegate to this holder.
 *
 * <p>Mutable and not thread-safe, like the builders that own it; {@link #uri()} and
 * {@link #where()} take a snapshot for the built object.
 */
final class RedisConnection {

  private String host = "127.0.0.1";
  private int port = 6379;
  private int database;
  private boolean tls;
  private Secret password;
  private Duration timeout;

  /**
   * Starts from {@code redis://127.0.0.1:6379/0}, no TLS, no password.
   *
   * @param timeout the owner's default connect and command timeout (they differ: the ledger waits
   *     on the hot path, the fleet on its own thread)
   */
  RedisConnection(Duration timeout) {
    this.timeout = Checks.positive(timeout, "timeout");
  }

  /** Sets everything a Redis URL says; see {@link RedisFleet.Builder#url(Secret)}. */
  void url(Secret url) {
    Objects.requireNonNull(url, "url");
    RedisURI u;
    try {
      u = RedisURI.create(url.reveal());
    } catch (RuntimeException e) {
      // Never the parser's message: it may quote the URL, password and all.
      throw new IllegalArgumentException("url must look like redis://[:password@]host[:port][/database]");
    }
    host(u.getHost());
    port(u.getPort());
    database(u.getDatabase());
    tls(u.isSsl());
    String info;
    try {
      info = java.net.URI.create(url.reveal()).getRawUserInfo();
    } catch (RuntimeException e) {
      info = null;
    }
    if (info != null && info.indexOf(':') >= 0 && info.indexOf(':') < info.length() - 1) {
      password(Secret.of(url.name(), java.net.URLDecoder.decode(info.substring(info.indexOf(':') + 1),
          java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  void host(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    this.host = host;
  }

  void port(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be from 1 to 65535, got " + port);
    }
    this.port = port;
  }

  void database(int database) {
    if (database < 0) {
      throw new IllegalArgumentException("database must not be negative, got " + database);
    }
    this.database = database;
  }

  void tls(boolean tls) {
    this.tls = tls;
  }

  void password(Secret password) {
    this.password = Objects.requireNonNull(password, "password");
  }

  void timeout(Duration timeout) {
    this.timeout = Checks.positive(timeout, "timeout");
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Returns the client's URI, the password (if any) inside it and revealed only here.
   *
   * @return the URI, with the timeout as its command timeout
   */
  RedisURI uri() {
    RedisURI.Builder u = RedisURI.builder().withHost(host).withPort(port).withDatabase(database).withSsl(tls)
        .withTimeout(timeout);
    if (password != null) {
      u.withPassword(password.reveal().toCharArray());
    }
    return u.build();
  }

  /**
   * Returns the address for messages and {@code toString()}, never with the password.
   *
   * @return e.g. {@code redis://127.0.0.1:6379/0}, {@code rediss://} with TLS
   */
  String where() {
    return (tls ? "rediss://" : "redis://") + host + ":" + port + "/" + database;
  }
}
