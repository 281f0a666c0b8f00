package dev.runaway.providers.stop;

import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.PollException;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program with its arguments (no shell, so nothing in them is interpreted), with a
 * timeout, to stop (and optionally another to undo). Its output is discarded, since it may show
 * credentials; a non-zero exit code is a failure.
 *
 * <p>Thread-safe.
 */
final class CommandStop implements EmergencyAction {

  private final List<String> argv;
  private final List<String> undoArgv;

  /**
   * Creates the action.
   *
   * @param argv the program and its arguments
   * @param undoArgv the undo's, empty for none
   */
  public CommandStop(List<String> argv, List<String> undoArgv) {
    this.argv = List.copyOf(argv);
    this.undoArgv = List.copyOf(undoArgv);
  }

  @Override
  public String plan() {
    return "run " + argv.get(0) + " (" + (argv.size() - 1) + " argument" + (argv.size() == 2 ? "" : "s") + ")";
  }

  @Override
  public String manualUndo() {
    return undoArgv.isEmpty() ? "undo by hand what " + argv.get(0) + " did (no undo_argv is configured)"
        : "run " + undoArgv.get(0) + " with its configured arguments (what resume does)";
  }

  @Override
  public String manualStep() {
    return "run the configured command " + argv.get(0) + " by hand";
  }

  private static void run(List<String> cmd, Duration timeout) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(ProcessBuilder.Redirect.from(new File(System.getProperty("os.name").startsWith("Windows")
              ? "NUL" : "/dev/null")))
          .start();
    } catch (IOException e) {
      throw new PollException(PollException.Kind.MISCONFIGURED, cmd.get(0) + " could not be started ("
          + e.getClass().getSimpleName() + "); check argv", null, null);
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new PollException(PollException.Kind.UNAVAILABLE, cmd.get(0) + " did not finish within "
            + timeout.toSeconds() + " s and was killed", null, null);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      throw e;
    }
    if (p.exitValue() != 0) {
      throw new PollException(PollException.Kind.UNAVAILABLE, cmd.get(0) + " exited with code " + p.exitValue(),
          null, null);
    }
  }

  @Override
  public Map<String, String> execute(Duration timeout) throws Exception {
    run(argv, timeout);
    return Map.of();
  }

  @Override
  public void undo(Map<String, String> record, Duration timeout) throws Exception {
    if (undoArgv.isEmpty()) {
      throw new PollException(PollException.Kind.MISCONFIGURED, "no undo_argv is configured for " + argv.get(0),
          null, null);
    }
    run(undoArgv, timeout);
  }
}
