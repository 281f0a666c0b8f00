package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs share one Redis budget under load: together they never admit more than the budget
 * plus the documented lease bound, they use the budget rather than strand it in leases, and once
 * they close, Redis holds exactly what they spent.
 */
final class FleetTest {

  private static final int INSTANCES = 3;
  private static final int THREADS = 4;
  /** 3,600 attempts against a budget of 2,000 calls; no instance alone can spend it all. */
  private static final int CALLS_PER_THREAD = 300;

  @TempDir
  Path dir;

  @Test
  void threeInstancesShareOneBudget_neverAdmitMoreThanTheBudgetPlusTheLeaseBound() throws Exception {
    int port = RedisSupport.port();
    String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);
    long cost = FleetChild.COST.nanos();
    long limit = FleetChild.LIMIT.nanos();
    long lease = limit / 100; // the default lease fraction, 1% of the limit
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    Path err = dir.resolve("children-stderr.txt");
    try {
      for (int i = 0; i < INSTANCES; i++) {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), FleetChild.class.getName(),
            Integer.toString(port), prefix, Integer.toString(THREADS), Integer.toString(CALLS_PER_THREAD),
            Long.toString(lease))
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
        children.add(p);
        outputs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
      }
      for (BufferedReader out : outputs) {
        assertThat(out.readLine()).as("child stderr: %s", Files.exists(err) ? Files.readString(err) : "")
            .isEqualTo("READY");
      }
      for (Process p : children) {
        OutputStream in = p.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      long admitted = 0;
      List<String> each = new ArrayList<>();
      for (BufferedReader out : outputs) {
        String line = out.readLine();
        assertThat(line).startsWith("ADMITTED ");
        String[] parts = line.split(" ");
        admitted += Long.parseLong(parts[1]);
        each.add(parts[1] + "/" + parts[3]);
        assertThat(parts[5]).as("Redis stayed available to every instance; stderr %s",
            Files.exists(err) ? Files.readString(err) : "").isEqualTo("true");
        assertThat(out.readLine()).isEqualTo("CLOSED");
      }
      for (Process p : children) {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
      }

      long bound = INSTANCES * (lease * 3 / 2 + cost);
      long spent = admitted * cost;
      assertThat(spent).as("fleet spend").isLessThanOrEqualTo(limit + bound);
      assertThat(spent).as("budget stranded in leases; per instance %s; stderr %s", each,
          Files.exists(err) ? Files.readString(err) : "").isGreaterThanOrEqualTo(limit - bound);
      // Every unspent lease went back on close: Redis holds exactly what the fleet spent.
      assertThat(RedisSupport.get(port, prefix + ":{svc}:s3600000x60:t")).isEqualTo(Long.toString(spent));
      System.out.printf("FleetTest: %d instances x %d threads; admitted/refused per instance %s; fleet spent %d of"
          + " a limit of %d nano-dollars (overshoot %d, documented bound %d = I x (1.5 L + e), lease L = %d)%n",
          INSTANCES, THREADS, each, spent, limit, spent - limit, bound, lease);
    } finally {
      for (Process p : children) {
        p.destroyForcibly();
      }
    }
  }
}
