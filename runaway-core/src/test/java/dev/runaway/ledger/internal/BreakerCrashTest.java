package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open breaker survives a real crash: a process on the system clock trips it and is SIGKILLed
 * without closing its guard, and the next process on the same state folder refuses its first call
 * with the trip's reason, for what is left of the 60 s wait (measured with the system's monotonic
 * clock across the two processes).
 */
final class BreakerCrashTest {

  @TempDir
  Path dir;

  private String run(Path state, String mode, boolean kill) throws Exception {
    Path err = dir.resolve("child-stderr-" + mode + ".txt");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        BreakerCrashChild.class.getName(), state.toString(), mode)
        .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
        .start();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = in.readLine();
      assertThat(line).as("child %s said nothing; its stderr: %s", mode,
          Files.exists(err) ? Files.readString(err) : "").isNotNull();
      return line;
    } finally {
      if (kill) {
        assertThat(p.toHandle().destroyForcibly()).isTrue();
      } else {
        p.getOutputStream().close();
        p.toHandle().destroyForcibly();
      }
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void breakerTrippedThenSigkilled_refusesTheNextProcessesFirstCall() throws Exception {
    Path state = dir.resolve("state");
    long start = System.nanoTime();
    assertThat(run(state, "trip", true)).isEqualTo("TRIPPED");
    String second = run(state, "call", true);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(second).startsWith("REFUSED BURN_RATE ");
    long retryMillis = Long.parseLong(second.substring("REFUSED BURN_RATE ".length()));
    assertThat(retryMillis).isBetween(Math.max(0, 60_000 - elapsedMillis - 1_000), 61_000L);
  }
}
