package dev.runaway.monitor.internal;

import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link SecretSource} that remembers every secret it hands out, so the monitor can scrub
 * them from any text a detector produces (exception messages, report fields) before it reaches
 * a log line or an alert (in every encoded form, see {@link Secret#redact(String)}; a value that
 * is implausibly short for a credential is reported once at WARN), and every name it was asked for but did not have, so a detector that
 * failed to start for want of a credential is reported by the variable's name.
 *
 * <p>Thread-safe.
 */
public final class TrackingSecrets implements SecretSource {

  private final SecretSource delegate;
  private final List<Secret> handedOut = new CopyOnWriteArrayList<>();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackingSecrets.class);

  private final Set<String> warnedShort = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Set<String> missing = java.util.Collections.synchronizedSet(new LinkedHashSet<>());

  /**
   * Wraps a source.
   *
   * @param delegate the real source
   */
  public TrackingSecrets(SecretSource delegate) {
    this.delegate = Objects.requireNonNull(delegate, "secrets");
  }

  @Override
  public Optional<Secret> get(String name) {
    Optional<Secret> found = delegate.get(name);
    if (found.isPresent()) {
      Secret s = found.get();
      if (!handedOut.contains(s)) {
        handedOut.add(s);
        if (s.implausiblyShort() && warnedShort.add(name)) {
          LOG.warn("Secret {} is only {} characters long, which is implausibly short for a credential: check its"
              + " value. A value this short is redacted from logs and alerts only where it stands as a whole word.",
              name, s.reveal().length());
        }
      }
    } else {
      missing.add(name);
    }
    return found;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  /**
   * Returns the names asked for and not found so far, and forgets them.
   *
   * @return the names, in the order asked
   */
  public List<String> drainMissing() {
    synchronized (missing) {
      List<String> out = List.copyOf(missing);
      missing.clear();
      return out;
    }
  }

  /**
   * Replaces every secret handed out so far with {@code ***}.
   *
   * @param text any text, may be {@code null}
   * @return the text without secrets
   */
  public String redact(String text) {
    return Secret.redactAll(text, handedOut);
  }

  /**
   * Describes a failure for a log line or an alert: each exception of the cause chain as its
   * simple class name and message, with every known secret scrubbed. The throwable itself is
   * never handed to a logger, whose stack trace would print the raw messages.
   *
   * @param t the failure
   * @return the description
   */
  public String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Throwable cur = t;
    for (int depth = 0; cur != null && depth < 4; depth++, cur = cur.getCause()) {
      if (depth > 0) {
        sb.append("; caused by ");
      }
      String msg = cur.getMessage();
      if (depth == 0 && msg != null && !msg.isBlank() && cur instanceof dev.runaway.monitor.PollException) {
        sb.append(msg);
      } else {
        // toString() names the class an exception stands for (a sanitized copy names its original),
        // without its package: people read "ConnectException", not a wrapper's internal name.
        String text = String.valueOf(cur);
        int colon = text.indexOf(": ");
        String type = colon < 0 ? text : text.substring(0, colon);
        if (type.matches("[\\w.$]+")) {
          text = type.substring(type.lastIndexOf('.') + 1) + (colon < 0 ? "" : text.substring(colon));
        }
        sb.append(text);
      }
      if (cur.getCause() == cur) {
        break;
      }
    }
    return redact(sb.toString());
  }

  /**
   * Returns a copy of a failure with every secret handed out so far masked in its message and
   * its causes' ({@link dev.runaway.internal.SanitizedException}), keeping the stack trace.
   *
   * @param t the failure
   * @return the copy
   */
  public Exception sanitize(Throwable t) {
    return dev.runaway.internal.SanitizedException.of(Objects.requireNonNull(t, "t"), handedOut);
  }

  @Override
  public String toString() {
    return "TrackingSecrets[" + delegate.describe() + "]";
  }
}
