package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three application JVMs and a monitor on one real redis-server: the monitor's trip refuses calls
 * in all three within 2 s, one resume closes all, and the fleet sends one alert per episode.
 */
final class FleetBreakerTest {

  private static final int INSTANCES = 3;

  @TempDir
  Path dir;

  /** The monitor's view: the account spent $20 of a $10 hour, so its breaker opens. */
  private static final class Overspent implements Detector {
    @Override
    public String service() {
      return "svc";
    }

    @Override
    public UsageReport poll(PollContext ctx) {
      return new UsageReport("svc", ctx.since(), ctx.now(), Cost.usd("20"), Map.of(), List.of());
    }
  }

  @Test
  void monitorTrip_refusesCallsInEveryInstanceWithin2s_oneResumeClosesAll_oneAlertPerEpisode() throws Exception {
    int port = RedisSupport.port();
    String prefix = "fb" + UUID.randomUUID().toString().substring(0, 8) + ":";
    Path err = dir.resolve("children-stderr.txt");
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    ExecutorService reader = Executors.newCachedThreadPool();
    List<Alert> monitorAlerts = new CopyOnWriteArrayList<>();
    try {
      for (int i = 0; i < INSTANCES; i++) {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            FleetBreakerChild.class.getName(), Integer.toString(port), prefix, "app-" + i)
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
        children.add(p);
        outputs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
      }
      for (BufferedReader out : outputs) {
        assertThat(line(reader, out)).as("child stderr: %s", Files.exists(err) ? Files.readString(err) : "")
            .isEqualTo("READY");
      }
      RedisFleet fleet = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("monitor").follow(false)
          .build();
      try (RunawayGuard monitorGuard = RunawayGuard.builder()
              .service("svc", s -> s.budget(Budget.hourly(Cost.usd("1000")))).fleet(fleet)
              .alertSink(monitorAlerts::add).build();
          RunawayMonitor monitor = RunawayMonitor.builder()
              .config(MonitorConfig.parse("{\"monitoring_interval\": 60, \"cost_thresholds\": {\"svc\": {\"hourly\":"
                  + " 10.0}}, \"circuit_breaker\": {\"enabled\": true, \"threshold_multiplier\": 5.0}}"))
              .guard(monitorGuard).detector(new Overspent()).alertSink(a -> { }).build()) {
        fleet.pollNow();

        long tripped = System.currentTimeMillis();
        monitor.pollOnce();
        assertThat(monitorGuard.breaker("svc").state()).isEqualTo(CircuitBreaker.State.OPEN);
        long worst = slowest(reader, outputs, "REFUSED", tripped);
        System.err.println("fleet breaker: monitor trip to refusal in all 3 JVMs: " + worst + " ms");
        assertThat(worst).as("trip-to-refusal latency in ms").isLessThan(2000);

        long reset = System.currentTimeMillis();
        monitor.resume("svc");
        long worstClose = slowest(reader, outputs, "ADMITTED", reset);
        System.err.println("fleet breaker: resume to admission in all 3 JVMs: " + worstClose + " ms");
        assertThat(worstClose).isLessThan(2000);
        assertThat(monitorGuard.breaker("svc").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      }
      int fleetAlerts = 0;
      for (int i = 0; i < INSTANCES; i++) {
        OutputStream in = children.get(i).getOutputStream();
        in.write("quit\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        String alerts = line(reader, outputs.get(i));
        assertThat(alerts).startsWith("ALERTS ");
        fleetAlerts += Integer.parseInt(alerts.split(" ")[1]);
        assertThat(alerts.split(" ")[2]).as("the instances' own breaker alerts are left to the fleet").isEqualTo("0");
        assertThat(line(reader, outputs.get(i))).isEqualTo("CLOSED");
      }
      List<Alert> fleetOpen = monitorAlerts.stream().filter(a -> a.type() == AlertType.CIRCUIT_BREAKER
          && "fleet".equals(a.facts().get("scope")) && "OPEN".equals(a.facts().get("breaker"))).toList();
      assertThat(fleetAlerts).as("fleet alerts sent by the instances").isZero();
      assertThat(fleetOpen).singleElement().satisfies(a -> assertThat(a.detail()).contains("scope=fleet"));
      assertThat(monitorAlerts.stream().filter(a -> "fleet".equals(a.facts().get("scope"))
          && "true".equals(a.facts().get("resolved")))).hasSize(1);
      for (Process p : children) {
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
      }
    } finally {
      for (Process p : children) {
        p.destroyForcibly();
      }
      reader.shutdownNow();
    }
  }

  /**
   * Reads the next line of every child, {@code <word> <epoch millis>}, and returns how long after
   * {@code since} the slowest child wrote it, in ms.
   */
  private static long slowest(ExecutorService reader, List<BufferedReader> outputs, String word, long since)
      throws Exception {
    long worst = 0;
    for (BufferedReader out : outputs) {
      String l = line(reader, out);
      assertThat(l).startsWith(word + " ");
      worst = Math.max(worst, Long.parseLong(l.substring(word.length() + 1)) - since);
    }
    return worst;
  }

  /** One line of a child's output, waiting at most 20 s (a loaded machine), never for time itself. */
  private static String line(ExecutorService reader, BufferedReader out) throws Exception {
    return reader.submit(out::readLine).get(20, TimeUnit.SECONDS);
  }
}
