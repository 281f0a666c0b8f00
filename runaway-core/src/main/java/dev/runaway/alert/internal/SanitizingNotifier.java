package dev.runaway.alert.internal;

import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import java.util.Objects;
import java.util.function.Function;

/**
 * A notifier created from the config ({@code notifications.<type>}), as the alert dispatcher runs
 * it: a failure of {@link #send} or {@link #close} is replaced by a copy with the credentials the
 * notifier was given masked, because the dispatcher logs the failure and a notifier of a third
 * party may quote its token in its exception (the built-in ones mask their own). The dispatcher
 * names its lane by {@link #label()}, the config's type, rather than by the class.
 *
 * <p>Thread-safe when the delegate is.
 */
public final class SanitizingNotifier implements Notifier {

  private final String label;
  private final Notifier delegate;
  private final Function<Throwable, ? extends Exception> sanitize;
  /** The last failure handed out and whether the delegate judged its original retryable. */
  private volatile Verdict lastFailure;

  private record Verdict(Exception sanitized, boolean retryable) {}

  /**
   * Wraps a notifier.
   *
   * @param label the config's type, such as {@code telegram}
   * @param delegate the notifier
   * @param sanitize returns a copy of an exception with the credentials masked
   */
  public SanitizingNotifier(String label, Notifier delegate, Function<Throwable, ? extends Exception> sanitize) {
    this.label = Objects.requireNonNull(label, "label");
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.sanitize = Objects.requireNonNull(sanitize, "sanitize");
  }

  /**
   * Returns the config's type of the notifier.
   *
   * @return the label
   */
  public String label() {
    return label;
  }

  @Override
  public void send(Alert alert) throws Exception {
    try {
      delegate.send(alert);
    } catch (InterruptedException e) {
      // The dispatcher's timeout interrupts a send; the interrupt must reach it as such.
      throw e;
    } catch (Exception e) {
      boolean retryable = retryableQuietly(delegate, e);
      Exception copy = sanitize.apply(e);
      lastFailure = new Verdict(copy, retryable);
      throw copy;
    }
  }

  /** Asks the delegate about the original failure: the copy thrown has lost its type. */
  @Override
  public boolean retryable(Exception failure) {
    Verdict v = lastFailure;
    return v == null || v.sanitized() != failure ? retryableQuietly(delegate, failure) : v.retryable();
  }

  private static boolean retryableQuietly(Notifier n, Exception failure) {
    try {
      return n.retryable(failure);
    } catch (RuntimeException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } catch (RuntimeException e) {
      throw new IllegalStateException("notifier " + label + " failed to close", sanitize.apply(e));
    }
  }

  @Override
  public String toString() {
    return label + " notifier";
  }
}
