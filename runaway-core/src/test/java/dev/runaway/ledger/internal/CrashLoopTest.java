package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash-looping runaway: a child JVM spends through a guard with a state directory and is
 * killed with SIGKILL, ten times in a row. Across the restarts the budget holds, within the
 * documented loss of about one flush interval (1 s) of spend per crash.
 */
final class CrashLoopTest {

  private static final int LIVES = 10;
  private static final long PAUSE_NANOS = 4_000_000L; // ~250 calls/s per life
  /** The loss bound asserted per crash: the flush interval plus slack for a loaded machine. */
  private static final long LOSS_WINDOW_NANOS = 2_000_000_000L;

  @TempDir
  Path dir;

  @Test
  void sigkilledTenTimes_theBudgetHoldsAcrossRestartsWithinTheLossBound() throws Exception {
    long cost = CrashLoopChild.COST.nanos();
    long limitCalls = CrashLoopChild.LIMIT.nanos() / cost;
    Random random = new Random(20260105L);
    Path err = dir.resolve("child-stderr.txt");
    Path state = dir.resolve("state");

    long admitted = 0;
    long known = 0; // what the previous life's ledger held when it was killed: what it restored plus what it admitted
    boolean exhausted = false;
    long afterExhaustion = 0;
    long slackAtExhaustion = 0;
    long allowedLossCalls = 0;
    long lostCalls = 0;
    long maxLossCalls = 0;
    long[] lastKillWindow = {0};
    List<String> lives = new ArrayList<>();
    for (int life = 0; life < LIVES; life++) {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          CrashLoopChild.class.getName(), state.toString(), "2000", Long.toString(PAUSE_NANOS))
          .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
          .start();
      int killAfter = 300 + random.nextInt(200);
      long admittedThisLife = 0;
      long refusedThisLife = 0;
      List<Long> arrivals = new ArrayList<>();
      long killedAt;
      long restoredCalls;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String first = in.readLine();
        assertThat(first).as("child %d said nothing; its stderr: %s", life, readQuietly(err)).startsWith("RESTORED ");
        long restored = Long.parseLong(first.substring("RESTORED ".length()));
        restoredCalls = restored / cost;
        // Never more than the previous life held (plus the one call a kill may catch between commit
        // and print), never less than that minus what it admitted in its last flush interval.
        assertThat(restoredCalls).as("life %d restored", life).isBetween(known - lastKillWindow[0], known + 1);
        long lost = Math.max(0, known - restoredCalls);
        lostCalls += lost;
        maxLossCalls = Math.max(maxLossCalls, lost);
        String line;
        while ((line = in.readLine()) != null) {
          if (line.equals("A")) {
            admittedThisLife++;
            arrivals.add(System.nanoTime());
          } else if (line.equals("R")) {
            refusedThisLife++;
          }
          if (admittedThisLife >= killAfter || refusedThisLife >= 25 || line.equals("END")) {
            break;
          }
        }
        killedAt = System.nanoTime();
        // SIGKILL through the process handle: Process.destroyForcibly() would also close our end
        // of the pipe, and the lines the child wrote just before it died would be lost to the count.
        assertThat(p.toHandle().destroyForcibly()).isTrue();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Lines the child wrote before it died are still in the pipe.
        while ((line = in.readLine()) != null) {
          if (line.equals("A")) {
            admittedThisLife++;
            arrivals.add(System.nanoTime());
          }
        }
      }
      long recent = arrivals.stream().filter(t -> t >= killedAt - LOSS_WINDOW_NANOS).count();
      lastKillWindow[0] = recent;
      allowedLossCalls += recent;
      admitted += admittedThisLife;
      known = restoredCalls + admittedThisLife;
      if (exhausted) {
        afterExhaustion += admittedThisLife;
      } else if (refusedThisLife > 0) {
        exhausted = true;
        slackAtExhaustion = recent; // the general loss bound, should the refusal's own flush not run in time
      }
      lives.add(admittedThisLife + "/" + refusedThisLife);
    }

    // The budget held: everything admitted over ten lives fits the limit plus what each crash lost.
    assertThat(admitted).isLessThanOrEqualTo(limitCalls + lostCalls);
    assertThat(lostCalls).isLessThanOrEqualTo(allowedLossCalls);
    // Once a life has been refused, the exhaustion is saved at once (not at the next tick): later
    // lives restart exhausted instead of getting the last second's spend again and again.
    assertThat(afterExhaustion).as("calls admitted by lives after the first refusal").isLessThanOrEqualTo(
        slackAtExhaustion + LIVES);
    System.out.printf("CrashLoopTest: %d lives (admitted/refused per life %s); admitted %d calls against a limit"
        + " of %d; lost %d calls in total, at most %d in one crash (%.0f ms of spend at %d calls/s); %d admitted"
        + " after the first refusal%n", LIVES, lives, admitted, limitCalls, lostCalls, maxLossCalls,
        maxLossCalls * PAUSE_NANOS / 1e6, 1_000_000_000L / PAUSE_NANOS, afterExhaustion);
  }

  private static String readQuietly(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
