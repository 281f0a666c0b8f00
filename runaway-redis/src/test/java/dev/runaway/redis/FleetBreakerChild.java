package dev.runaway.redis;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.AlertType;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One application instance of a fleet for {@link FleetBreakerTest}, in its own JVM: a guard on
 * service {@code svc} joined to a {@link RedisFleet}, calling about once a millisecond.
 *
 * <p>Arguments: Redis port, key prefix, instance name. Prints {@code READY} once subscribed, then
 * {@code REFUSED <epoch ms>} when its calls start being refused and {@code ADMITTED <epoch ms>}
 * when they are admitted again; on a line {@code quit} on stdin prints
 * {@code ALERTS <fleet-scoped> <breaker alerts in all>}, closes and prints {@code CLOSED}.
 */
public final class FleetBreakerChild {

  private FleetBreakerChild() {}

  /**
   * Runs the instance.
   *
   * @param args port, prefix, instance name
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    AtomicInteger fleetAlerts = new AtomicInteger();
    AtomicInteger breakerAlerts = new AtomicInteger();
    RedisFleet fleet = RedisFleet.builder().port(Integer.parseInt(args[0])).keyPrefix(args[1]).instanceName(args[2])
        .build();
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000"))))
        .fleet(fleet)
        .alertSink(a -> {
          if (a.type() == AlertType.CIRCUIT_BREAKER) {
            breakerAlerts.incrementAndGet();
            if ("fleet".equals(a.facts().get("scope"))) {
              fleetAlerts.incrementAndGet();
            }
          }
        }).build();
    fleet.pollNow(); // connected and subscribed
    out.println("READY");
    Thread caller = new Thread(() -> {
      boolean refused = false;
      while (!Thread.currentThread().isInterrupted()) {
        boolean now;
        try {
          guard.call("svc", Cost.usd("0.0001"), () -> null);
          now = false;
        } catch (RunawayException e) {
          now = true;
        }
        if (now != refused) {
          refused = now;
          out.println((now ? "REFUSED " : "ADMITTED ") + System.currentTimeMillis());
        }
        LockSupport.parkNanos(1_000_000L); // the paid call's own duration
      }
    });
    caller.setDaemon(true);
    caller.start();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("quit")) {
      // only "quit" is expected
    }
    caller.interrupt();
    caller.join(5000);
    out.println("ALERTS " + fleetAlerts.get() + " " + breakerAlerts.get());
    guard.close();
    out.println("CLOSED");
  }
}
