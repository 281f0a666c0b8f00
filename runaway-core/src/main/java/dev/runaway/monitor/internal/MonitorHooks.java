package dev.runaway.monitor.internal;

import dev.runaway.monitor.RunawayMonitor;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the standalone monitor may do to a {@link RunawayMonitor} that a library user may not:
 * not a public API.
 *
 * <p>Thread-safe.
 */
public final class MonitorHooks {

  /** Set once by {@link RunawayMonitor}'s initialisation. */
  private static volatile Consumer<RunawayMonitor> skipsShown;

  private MonitorHooks() {}

  /**
   * Called once by {@link RunawayMonitor}'s initialisation; later calls are ignored.
   *
   * @param f marks a monitor's skipped services as shown
   */
  public static synchronized void bind(Consumer<RunawayMonitor> f) {
    if (skipsShown == null) {
      skipsShown = Objects.requireNonNull(f, "f");
    }
  }

  /**
   * Tells {@code monitor} that its caller shows the services it does not poll, and why
   * ({@code runaway-monitor check} prints them as SKIPPED in its table): polling then logs no
   * "Service X is not monitored ...; set it and restart" WARN, which would repeat that line with
   * advice that does not fit a check.
   *
   * @param monitor the monitor, not yet polled
   */
  public static void skippedServicesShownByCaller(RunawayMonitor monitor) {
    Objects.requireNonNull(monitor, "monitor");
    skipsShown.accept(monitor); // bound: the class of a RunawayMonitor is initialised
  }
}
