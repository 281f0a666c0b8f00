package dev.runaway.examples.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code start} in a process of its own stops cleanly on SIGTERM, through its shutdown hook. */
final class StartShutdownTest {

  @TempDir
  Path dir;

  @Test
  void start_onSigterm_closesTheMonitorAndSaysSo() throws Exception {
    try (LoopbackApis apis = new LoopbackApis()) {
      Path config = dir.resolve("monitor_config.json");
      Files.writeString(config, "{\"monitoring_interval\": 3600, \"services\": {\"search-api\": "
          + apis.restService("/usage", "SEARCH_API_TOKEN") + "}}", StandardCharsets.UTF_8);
      Path env = dir.resolve(".env");
      Files.writeString(env, "SEARCH_API_TOKEN=t0k3n\n", StandardCharsets.UTF_8);
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Path log = dir.resolve("start.log");
      Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "start", "--config", config.toString(), "--env", env.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try (WatchService watch = dir.getFileSystem().newWatchService()) {
        dir.register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Wait, on file events rather than by sleeping, for the first status table.
        while (!read(log).contains("Round 1 ") && p.isAlive()) {
          long left = deadline - System.nanoTime();
          assertThat(left).as(read(log)).isPositive();
          WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        }
        assertThat(read(log)).contains("Round 1 ");

        p.destroy(); // SIGTERM

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        assertThat(read(log)).contains("Stopped.");
        assertThat(p.exitValue()).isEqualTo(128 + 15);
      } finally {
        p.destroyForcibly();
      }
    }
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
