package dev.runaway.redis.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection for a ledger: runs the ledger script with tight timeouts and tracks
 * whether Redis is reachable. A failed or slow call marks Redis down at once (one WARN and one
 * alert per outage); while it is down no call waits on it; a probe brings it back up (one INFO
 * and one alert). Nothing here ever blocks longer than the configured timeout.
 *
 * <p>Thread-safe.
 */
public final class RedisGateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisGateway.class);
  static final String SCRIPT = loadScript();
  static final String SHA = sha1(SCRIPT);

  /** Redis could not answer in time, or answered with an error; the message says why, without secrets. */
  public static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean inDoubt;
    private final boolean serverError;

    UnavailableException(String message, boolean inDoubt, boolean serverError) {
      super(message, null, false, false);
      this.inDoubt = inDoubt;
      this.serverError = serverError;
    }

    /**
     * Whether the request may have been applied anyway (it was sent and no answer came in time):
     * the caller must resend it with the same operation id rather than assume either outcome.
     *
     * @return {@code true} if the outcome is unknown
     */
    public boolean inDoubt() {
      return inDoubt;
    }

    /**
     * Whether Redis answered, with an error (a key of the wrong type, out of memory, a script
     * error): Redis is reachable, but this account's operation cannot work until the data is fixed.
     *
     * @return {@code true} for an error reply
     */
    public boolean serverError() {
      return serverError;
    }
  }

  /**
   * One reply of the script.
   *
   * @param status -1 when applied, else the index of the window that refused
   * @param totals each window's total after the call, nano-dollars
   * @param ids each window's bucket charged (a sliding bucket number or an epoch day)
   * @param retryMicros for a refusal, micros until the refusing window has room; -1 if unknown
   */
  public record Reply(int status, long[] totals, String[] ids, long retryMicros) {}

  private final String where;
  private final Duration timeout;
  private final long timeoutNanos;
  private final ClientResources resources;
  private final RedisClient client;
  private final String modeText;
  private final Consumer<Alert> alerts;
  private final Ticker ticker;
  private final AtomicBoolean down = new AtomicBoolean();
  /** Makes operation ids unique across instances: random per ledger, then a counter. */
  private final String opIdPrefix = Long.toHexString(new java.security.SecureRandom().nextLong());
  private final java.util.concurrent.atomic.AtomicLong opCounter = new java.util.concurrent.atomic.AtomicLong();
  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile String lastProblem = "";

  /**
   * Creates the gateway and tries to connect once; an unreachable Redis starts it down.
   *
   * @param uri where Redis is (its password, if any, stays inside the URI)
   * @param where the address for messages, without credentials
   * @param timeout connect and command timeout
   * @param modeText what happens to calls while Redis is down, for the messages
   * @param alerts receives the outage and recovery alerts
   * @param ticker for alert times
   */
  public RedisGateway(RedisURI uri, String where, Duration timeout, String modeText, Consumer<Alert> alerts,
      Ticker ticker) {
    this.where = where;
    this.timeout = timeout;
    this.timeoutNanos = timeout.toNanos();
    this.modeText = modeText;
    this.alerts = alerts;
    this.ticker = ticker;
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
    uri.setTimeout(timeout);
    this.client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        // Fail at once while disconnected instead of queueing commands until a reconnect.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .build());
    if (!connect()) {
      markDown(lastProblem);
    }
  }

  /**
   * Returns the command timeout in nanoseconds.
   *
   * @return nanoseconds
   */
  public long timeoutNanos() {
    return timeoutNanos;
  }

  /**
   * Whether Redis is considered unreachable right now.
   *
   * @return {@code true} while down
   */
  public boolean isDown() {
    return down.get();
  }

  private boolean connect() {
    synchronized (connectLock) {
      if (connection != null) {
        return true;
      }
      StatefulRedisConnection<String, String> c = null;
      for (int attempt = 1; c == null; attempt++) {
        try {
          c = client.connect();
        } catch (RuntimeException e) {
          lastProblem = describe(e);
          if (attempt >= CONNECT_ATTEMPTS || !handshakeGlitch(e)) {
            return false;
          }
        }
      }
      try {
        // Load the script now, so the first reservation does not pay for NOSCRIPT and EVAL.
        c.async().scriptLoad(SCRIPT).get(timeoutNanos, TimeUnit.NANOSECONDS);
        connection = c;
        return true;
      } catch (ExecutionException | TimeoutException e) {
        lastProblem = describe(e instanceof ExecutionException ? e.getCause() : e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        lastProblem = "interrupted while connecting";
      } catch (RuntimeException e) {
        lastProblem = describe(e);
      }
      c.closeAsync();
      return false;
    }
  }

  /** Connection attempts per connect when the handshake fails without a word from Redis (see {@link #handshakeGlitch}). */
  public static final int CONNECT_ATTEMPTS = 3;

  /**
   * Whether a failed connect is worth one more attempt at once: the client's handshake broke off
   * without Redis having answered with an error and without a timeout. Under load the client's
   * channel set-up can race with its own handshake ("RedisHandshakeHandler not registered",
   * "Connection closed prematurely": about 1 in 200 connects on a loaded 2-core machine); taken
   * as the outage's cause, it hid the real one (a {@code WRONGPASS} on the next attempt) and
   * marked Redis down for a probe period. A reply of Redis's (WRONGPASS, NOAUTH, ...), a refused
   * connection and a timeout are not retried: they say what is wrong.
   *
   * @param failure what the client's connect threw
   * @return whether to try once more at once
   */
  public static boolean handshakeGlitch(Throwable failure) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    boolean glitch = false;
    for (Throwable x = failure; x != null && seen.add(x); x = x.getCause()) {
      if (x instanceof RedisCommandExecutionException || x instanceof TimeoutException
          || x instanceof java.net.ConnectException || x instanceof io.lettuce.core.RedisCommandTimeoutException) {
        return false;
      }
      String m = x.getMessage();
      if (m != null && (m.contains("closed prematurely") || m.contains("HandshakeHandler not registered"))) {
        glitch = true;
      }
    }
    return glitch;
  }

  /**
   * Returns a new operation id, unique across the fleet, for an idempotent mutation.
   *
   * @return the id
   */
  public String nextOpId() {
    return opIdPrefix + "-" + Long.toString(opCounter.incrementAndGet(), 36);
  }

  /**
   * Runs the ledger script, answering by {@code deadline} (a {@link System#nanoTime()} reading:
   * a network deadline is real time, not the guard's ticker) so that one guarded call never waits
   * on Redis longer than the timeout in all.
   *
   * @param keys one key prefix per window, then the operation's key for a mutation
   * @param args the script's arguments
   * @param windows the number of windows
   * @param deadline when to give up
   * @return the reply
   * @throws UnavailableException if Redis did not answer by the deadline or failed
   */
  public Reply run(String[] keys, String[] args, int windows, long deadline) throws UnavailableException {
    StatefulRedisConnection<String, String> c = connection;
    if (c == null) {
      throw unavailable("not connected: " + lastProblem, false);
    }
    if (deadline - System.nanoTime() <= 0) {
      // The caller's share of the timeout is used up (it waited for a lock): not Redis's fault.
      throw new UnavailableException("Redis at " + where + " was not asked: the " + timeout.toMillis()
          + " ms timeout was used up waiting", false, false);
    }
    List<Object> out;
    try {
      out = await(c.async().evalsha(SHA, ScriptOutputType.MULTI, keys, args), deadline);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof RedisNoScriptException)) {
        throw failed(e.getCause());
      }
      try {
        // First use on this server (or after SCRIPT FLUSH): send the script itself, which caches it.
        out = await(c.async().eval(SCRIPT, ScriptOutputType.MULTI, keys, args), deadline);
      } catch (ExecutionException again) {
        throw failed(again.getCause());
      }
    }
    try {
      return parse(out, windows);
    } catch (RuntimeException e) {
      throw new UnavailableException("Redis at " + where + " gave the ledger script an unexpected reply: " + e, false,
          true);
    }
  }

  private UnavailableException failed(Throwable cause) {
    if (cause instanceof RedisCommandExecutionException) {
      // Redis answered: it is up, but this operation cannot work (WRONGTYPE, OOM, BUSY...). Not an
      // outage: marking Redis down would flap down/up with every probe's PONG.
      return new UnavailableException("Redis at " + where + " refused the ledger's operation: " + describe(cause),
          false, true);
    }
    return unavailable(describe(cause), true);
  }

  private List<Object> await(RedisFuture<List<Object>> f, long deadline) throws ExecutionException,
      UnavailableException {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw unavailable("no answer within " + timeout.toMillis() + " ms", true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new UnavailableException("interrupted while waiting for Redis", true, false);
    }
  }

  private UnavailableException unavailable(String why, boolean inDoubt) {
    markDown(why);
    return new UnavailableException("Redis at " + where + " is unavailable: " + why, inDoubt, false);
  }

  private static Reply parse(List<Object> out, int k) {
    long[] totals = new long[k];
    String[] ids = new String[k];
    int status = Integer.parseInt(str(out.get(0)));
    for (int i = 0; i < k; i++) {
      totals[i] = Long.parseLong(str(out.get(1 + i)));
      ids[i] = str(out.get(1 + k + i));
    }
    return new Reply(status, totals, ids, Long.parseLong(str(out.get(1 + 2 * k))));
  }

  private static String str(Object o) {
    return o instanceof byte[] ? new String((byte[]) o, StandardCharsets.UTF_8) : String.valueOf(o);
  }

  /**
   * Checks whether Redis answers again while it is down, and replaces a connection that lost
   * Redis (while no call noticed yet, too: the next call then finds a working one); run by the
   * ledger's scheduler.
   */
  public void probe() {
    boolean lost = dropIfDisconnected();
    if (!down.get() && !lost) {
      return;
    }
    if (!connect() || !down.get()) {
      return; // not connected: the next call says why and marks Redis down
    }
    try {
      RedisFuture<String> ping = connection.async().ping();
      if ("PONG".equals(ping.get(timeoutNanos, TimeUnit.NANOSECONDS))) {
        markUp();
      }
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      lastProblem = describe(e instanceof ExecutionException ? e.getCause() : e);
      LOG.debug("Redis at {} is still unavailable: {}", where, lastProblem);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Closes the connection if it lost Redis, so that the next {@link #connect()} opens a new one:
   * the probe, not Lettuce's own reconnection, decides when Redis is asked again. Lettuce retries
   * a lost connection at once, then with a delay that doubles while Redis is away (up to 30 s):
   * after a restart that took 10 s, the ledger waited another 8 s for it, where a probe a second
   * finds Redis at once. A connection that Lettuce brings back before the probe is kept.
   *
   * @return whether a connection was dropped
   */
  private boolean dropIfDisconnected() {
    StatefulRedisConnection<String, String> c = connection;
    if (c == null || c.isOpen()) {
      return false;
    }
    synchronized (connectLock) {
      if (connection != c) {
        return false;
      }
      connection = null;
    }
    try {
      // Awaited (bounded): a close still under way when the client shuts down makes Lettuce warn.
      c.closeAsync().get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("Closing the lost Redis connection to {} failed: {}", where, e.toString());
    }
    return true;
  }

  /**
   * Says why calls that need Redis are refused right now, for a refusal's message.
   *
   * @return the address and the last problem, without secrets
   */
  public String describeOutage() {
    return "Redis at " + where + " is unavailable: " + lastProblem;
  }

  private final java.util.Set<String> brokenAccounts = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Reports, once per episode, that Redis rejects one account's operations (a key of the wrong
   * type, a script error): Redis is up, so this is not an outage of the ledger, and it is not
   * flagged down (which would flap with every successful probe).
   *
   * @param account the account, for the message
   * @param why Redis's error
   */
  public void accountProblem(String account, String why) {
    if (brokenAccounts.add(account) && brokenAccounts.size() <= 1_000) {
      LOG.warn("Redis budget ledger at {} rejects the operations of {} ({}); {} for it until this is fixed (check"
          + " the keys of that prefix: another program may have written them)", where, account, why, modeText);
      alert(Severity.CRITICAL, "Redis budget ledger rejects a budget's operations", "Redis at " + where
          + " rejects the operations of " + account + " (" + why + "); " + modeText + " for it until this is fixed.");
    }
  }

  /**
   * Reports that an account reported by {@link #accountProblem} works again.
   *
   * @param account the account
   */
  public void accountRecovered(String account) {
    if (brokenAccounts.remove(account)) {
      LOG.info("Redis budget ledger at {} accepts the operations of {} again", where, account);
      alert(Severity.INFO, "Redis budget ledger accepts a budget's operations again", "Redis at " + where
          + " accepts the operations of " + account + " again.");
    }
  }

  private void markDown(String why) {
    lastProblem = why;
    if (down.compareAndSet(false, true)) {
      LOG.warn("Redis budget ledger at {} is unavailable ({}); {} until it answers again", where, why, modeText);
      alert(Severity.CRITICAL, "Redis budget ledger unavailable",
          "Redis at " + where + " is unavailable (" + why + "); " + modeText + " until it answers again.");
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("Redis at {} is still unavailable: {}", where, why);
    }
  }

  private void markUp() {
    if (down.compareAndSet(true, false)) {
      LOG.info("Redis budget ledger at {} answers again; fleet budgets apply again", where);
      alert(Severity.INFO, "Redis budget ledger available again", "Redis at " + where
          + " answers again; fleet budgets apply again.");
    }
  }

  private void alert(Severity severity, String title, String detail) {
    try {
      alerts.accept(new Alert(AlertType.SERVICE_STATUS, severity, "redis-ledger", null, title, detail,
          ticker.instant(), Map.of("redis", where)));
    } catch (Throwable t) {
      LOG.warn("The Redis ledger's alert receiver failed: {}", t.toString());
    }
  }

  /**
   * The failure and its causes, e.g. "RedisConnectionException: Unable to connect to ...; caused by
   * RedisCommandExecutionException: WRONGPASS invalid username-password pair": the root cause is
   * what says what to fix. Redis's error replies do not echo the password.
   *
   * @param t the failure
   * @return its description with its causes
   */
  public static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable x = t; x != null && seen.add(x) && seen.size() <= 5; x = x.getCause()) {
      String m = x.getMessage();
      if (sb.length() > 0) {
        if (m != null && sb.indexOf(m) >= 0) {
          continue; // a wrapper repeating its cause's message
        }
        sb.append("; caused by ");
      }
      sb.append(x.getClass().getSimpleName()).append(m == null ? "" : ": " + m);
    }
    return sb.toString();
  }

  /** Closes the connection and the client's threads, waiting at most about two timeouts. */
  @Override
  public void close() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.debug("Closing the Redis connection failed: {}", e.toString());
      }
    }
    try {
      client.shutdown(Duration.ZERO, timeout.multipliedBy(2));
    } catch (RuntimeException e) {
      LOG.debug("Shutting the Redis client down failed: {}", e.toString());
    }
    resources.shutdown(0, Math.max(100, timeout.toMillis() * 2), TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return "RedisGateway[" + where + (down.get() ? ", down" : "") + "]";
  }

  private static String loadScript() {
    try (InputStream in = RedisGateway.class.getResourceAsStream("ledger.lua")) {
      return new String(Objects.requireNonNull(in, "ledger.lua").readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
