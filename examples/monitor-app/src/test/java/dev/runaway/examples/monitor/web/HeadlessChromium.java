package dev.runaway.examples.monitor.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's chromium headless, one process per page load, with a fresh profile each time and
 * every background service off (the test machine only talks to loopback).
 */
final class HeadlessChromium {

  /** What one run printed. */
  record Run(String stdout, String stderr) {
    /** Lines the page wrote to its console (chromium logs them as {@code CONSOLE}), errors included. */
    List<String> consoleLines() {
      List<String> out = new ArrayList<>();
      for (String line : stderr.split("\n")) {
        if (line.contains(":CONSOLE")) {
          out.add(line);
        }
      }
      return out;
    }
  }

  private final Path binary;
  private final Path work;

  private HeadlessChromium(Path binary, Path work) {
    this.binary = binary;
    this.work = work;
  }

  /** Finds chromium: {@code RUNAWAY_CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH. */
  static Optional<HeadlessChromium> find(Path work) {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("RUNAWAY_CHROMIUM");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        candidates.add(Path.of(dir, "chromium"));
        candidates.add(Path.of(dir, "chromium-browser"));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().map(p -> new HeadlessChromium(p, work));
  }

  /** Loads a page, lets its scripts run, and prints the DOM. */
  Run dumpDom(String url) throws IOException, InterruptedException {
    return run("--dump-dom", url);
  }

  /** Loads a page and saves a PNG screenshot of the window. */
  Run screenshot(String url, Path png) throws IOException, InterruptedException {
    return run("--screenshot=" + png, "--window-size=1280,1000", url);
  }

  private Run run(String... args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(work, "profile");
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=10000", "--hide-scrollbars"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        throw new IllegalStateException("chromium did not finish within 90 s");
      }
    } finally {
      p.destroyForcibly();
    }
    return new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
