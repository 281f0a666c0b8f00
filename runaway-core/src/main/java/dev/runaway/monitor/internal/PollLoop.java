package dev.runaway.monitor.internal;

import dev.runaway.internal.DaemonThreads;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.UsageReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs polling rounds: each round starts a poll of every service that is free and due, in
 * parallel on the executor, with a timeout on the scheduler; a service that is still polling,
 * rate limited or waiting for its {@code Retry-After} is skipped without holding up the others.
 *
 * <p>Thread-safe. Rounds may run concurrently (the schedule and {@code pollOnce}); each service
 * admits one poll at a time.
 */
public final class PollLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);

  private final Map<String, ServiceMonitor> services;
  private final Map<String, MonitorStatus> skipped;
  private final MonitorShared shared;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private volatile ScheduledFuture<?> schedule;
  private volatile Runnable beforeRound = () -> { };

  /**
   * Creates the loop.
   *
   * @param services the monitored services, in config order
   * @param skipped the services that are not monitored, with why
   * @param shared what the services share
   * @param executor runs polls; {@code null} for an owned pool of daemon threads
   * @param scheduler runs rounds and timeouts; {@code null} for an owned daemon scheduler
   */
  public PollLoop(List<ServiceMonitor> services, List<MonitorStatus> skipped, MonitorShared shared, Executor executor,
      ScheduledExecutorService scheduler) {
    Map<String, ServiceMonitor> map = new LinkedHashMap<>();
    services.forEach(s -> map.put(s.name(), s));
    this.services = Collections.unmodifiableMap(map);
    Map<String, MonitorStatus> sk = new LinkedHashMap<>();
    skipped.forEach(s -> sk.put(s.service(), s));
    this.skipped = Collections.unmodifiableMap(sk);
    this.shared = shared;
    if (executor == null) {
      this.ownedExecutor = java.util.concurrent.Executors.newCachedThreadPool(daemon("runaway-monitor-poll"));
      this.executor = ownedExecutor;
    } else {
      this.ownedExecutor = null;
      this.executor = executor;
    }
    if (scheduler == null) {
      java.util.concurrent.ScheduledThreadPoolExecutor s =
          new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("runaway-monitor-schedule"));
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      this.ownsScheduler = true;
    } else {
      this.scheduler = scheduler;
      this.ownsScheduler = false;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    return DaemonThreads.factory(prefix);
  }

  /**
   * Returns the monitored services.
   *
   * @return by name, in config order
   */
  public Map<String, ServiceMonitor> services() {
    return services;
  }

  /**
   * Sets what runs at the start of every round, before any poll (the monitor re-reads its record of
   * emergency stops there, for a resume by another process). Must not block for long.
   *
   * @param task the task
   */
  public void beforeRound(Runnable task) {
    this.beforeRound = java.util.Objects.requireNonNull(task, "task");
  }

  /**
   * Starts polling every {@code monitoring_interval}, the first round now.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (schedule != null) {
      throw new IllegalStateException("the monitor was already started");
    }
    long period = shared.interval().toNanos();
    schedule = scheduler.scheduleAtFixedRate(this::scheduledRound, 0, period, TimeUnit.NANOSECONDS);
  }

  private void scheduledRound() {
    try {
      round();
    } catch (Throwable t) {
      // A thrown exception would cancel the schedule for good.
      LOG.warn("A polling round failed and the next one runs as scheduled: {}", shared.secrets().describe(t));
    }
  }

  /**
   * Starts one round and returns its attempts without waiting.
   *
   * @return the polls started, by service
   */
  Map<String, PollAttempt> round() {
    try {
      beforeRound.run();
    } catch (RuntimeException e) {
      LOG.warn("A polling round's preparation failed; the round goes on: {}", shared.secrets().describe(e));
    }
    Map<String, PollAttempt> started = new LinkedHashMap<>();
    for (ServiceMonitor s : services.values()) {
      if (shared.closed().get()) {
        break;
      }
      PollAttempt a = s.tryStart();
      if (a == null) {
        continue;
      }
      started.put(s.name(), a);
      launch(s, a);
    }
    return started;
  }

  private void launch(ServiceMonitor s, PollAttempt a) {
    try {
      a.timeout(scheduler.schedule(() -> s.timedOut(a), shared.pollTimeout().toNanos(), TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      LOG.debug("Service {}: no timeout scheduled (the scheduler is shut down)", s.name());
    }
    try {
      executor.execute(() -> s.run(a));
    } catch (RejectedExecutionException e) {
      s.rejected(a, e);
    }
  }

  /**
   * Runs one round and waits for its polls to end (succeed, fail or time out).
   *
   * @return the reports of the polls that succeeded, by service
   */
  public Map<String, UsageReport> pollOnce() {
    Map<String, PollAttempt> started = round();
    Map<String, UsageReport> out = new LinkedHashMap<>();
    for (Map.Entry<String, PollAttempt> e : started.entrySet()) {
      try {
        UsageReport r = e.getValue().done.get();
        if (r != null) {
          out.put(e.getKey(), r);
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException ee) {
        LOG.debug("Service {}: poll ended exceptionally: {}", e.getKey(), ee.getCause().toString());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns how polling stands, the skipped services included.
   *
   * @return by service, in config order
   */
  public Map<String, MonitorStatus> status() {
    Map<String, MonitorStatus> out = new LinkedHashMap<>();
    services.values().forEach(s -> out.put(s.name(), s.status()));
    out.putAll(skipped);
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns the services that are not monitored, with why.
   *
   * @return by service
   */
  public Map<String, MonitorStatus> skipped() {
    return skipped;
  }

  /**
   * Stops the schedule, interrupts running polls, closes the detectors and the owned threads.
   * Does not wait for polls that ignore the interrupt: their threads are daemons and their
   * results are discarded.
   */
  @Override
  public void close() {
    ScheduledFuture<?> f;
    synchronized (this) {
      f = schedule;
    }
    if (f != null) {
      f.cancel(false);
    }
    for (ServiceMonitor s : services.values()) {
      s.cancel();
    }
    for (ServiceMonitor s : services.values()) {
      s.closeDetector();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }
}
