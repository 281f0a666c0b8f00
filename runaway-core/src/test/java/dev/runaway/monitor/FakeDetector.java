package dev.runaway.monitor;

import dev.runaway.Cost;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted {@link Detector}: each poll runs the current script, records its context, and
 * tracks how many polls run at once.
 */
final class FakeDetector implements Detector {

  /** What one poll does. */
  @FunctionalInterface
  interface Script {
    UsageReport poll(PollContext ctx) throws Exception;
  }

  private final String service;
  private volatile Script script;
  final List<PollContext> contexts = new CopyOnWriteArrayList<>();
  final AtomicInteger polls = new AtomicInteger();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();
  final AtomicBoolean closed = new AtomicBoolean();

  FakeDetector(String service, Script script) {
    this.service = service;
    this.script = script;
  }

  /** A detector that reports {@code cost} and one request over exactly the span asked for. */
  static FakeDetector spending(String service, String cost) {
    return new FakeDetector(service, ctx -> span(service, ctx, cost, 1));
  }

  static UsageReport span(String service, PollContext ctx, String cost, double requests) {
    return new UsageReport(service, ctx.since(), ctx.now(), Cost.usd(cost), Map.of("requests", requests), List.of());
  }

  void script(Script s) {
    this.script = s;
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public UsageReport poll(PollContext ctx) throws Exception {
    contexts.add(ctx);
    polls.incrementAndGet();
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      return script.poll(ctx);
    } finally {
      running.decrementAndGet();
    }
  }

  @Override
  public void close() {
    closed.set(true);
  }

  @Override
  public String toString() {
    return "FakeDetector[" + service + "]";
  }
}
