package dev.runaway.examples.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.internal.SavedBreakers;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.StoppedService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code runaway-monitor resume <service>}: undoes the emergency stops the monitor took for a
 * service (recorded in {@code state_dir}) and resets its breaker: in the fleet's guards, or the one an
 * application's guard saved in {@code state_dir} while that application is not running.
 */
@Command(name = "resume", mixinStandardHelpOptions = true, sortOptions = false,
    header = "Undo the emergency stops taken for a service (re-enable, unpause, restore limits).",
    description = {
        "Undo, in reverse order, the emergency actions (services.<name>.on_runaway) the monitor took for a service,"
            + " as recorded in state_dir: re-enable a disabled GitHub workflow, unpause a Vercel project, restore a"
            + " Supabase project, put back an OpenAI project's rate limits, call a webhook's or command's undo.",
        "It may run while 'runaway-monitor start' runs: the running monitor sees the change in state_dir.",
        "An application whose guard keeps its state in the same state_dir (RunawayGuard.fromConfig) saves an open"
            + " breaker there across restarts; while that application is stopped, this closes the service's saved"
            + " breaker too."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:resumed, or nothing was stopped", "1:an undo failed (the manual step is printed)",
        "2:bad usage or a broken config"})
final class ResumeCommand implements Callable<Integer> {

  @Mixin
  ConfigFiles files;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to resume, as named in the config.")
  String service;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    dev.runaway.config.MonitorConfig config = files.load();
    SecretSource secrets = files.credentials().source();
    RunawayMonitor.Builder mb = RunawayMonitor.builder().config(config).secrets(secrets)
        .keepBaselines(false);
    // The fleet's "closed everywhere" alert goes through the monitor's alerting (Telegram too).
    Optional<FleetGuard.Joined> fleet = FleetGuard.of(config, secrets, "runaway-monitor-resume",
        mb.relay());
    // Before the monitor is built: a mistake in another service's settings (a config error once
    // today's check reads the settings of a service without its credential) must not keep an
    // application's saved breaker from being closed during an incident (nu39 trial).
    // An application's guard on state_dir keeps its open breakers across restarts: close this
    // service's there too, for an application that is stopped (a cron job between two runs, a
    // crash loop). A running one holds the folder; its breaker closes in the application.
    List<SavedBreakers.Entry> saved = List.of();
    if (fleet.isEmpty() && config.stateDir().isPresent()) {
      Path dir = config.stateDir().get();
      try {
        saved = SavedBreakers.clear(dir, service);
      } catch (PersistentLedger.StateDirLockedException e) {
        out.println(service + ": an application's guard is running on " + dir + "; close its breaker there with"
            + " guard.breaker(\"" + service + "\").reset(), and a key's with guard.service(\"" + service
            + "\").forKey(key).breaker().reset().");
      }
      for (SavedBreakers.Entry e : saved) {
        out.println(service + ": " + (e.key() == null ? "its breaker" : "the breaker of its key " + e.key())
            + " saved in " + dir + " (" + e.breaker().state() + ", " + e.breaker().reason() + ": "
            + e.breaker().detail() + ") is closed; the application's next start begins with it closed.");
      }
    }
    RunawayMonitor monitor;
    try {
      monitor = mb.build();
    } catch (RuntimeException e) {
      fleet.ifPresent(f -> f.guard().close());
      throw e;
    }
    try {
      Optional<StoppedService> was;
      // A configured service whose credential is not set here is not polled by this monitor, so
      // nothing of it is to undo unless a stop is recorded: that is no error for resume, and its
      // fleet breaker is closed all the same.
      boolean unpolled = config.services().containsKey(service) && !monitor.services().contains(service)
          && !monitor.stopped().containsKey(service);
      try {
        was = unpolled ? Optional.empty() : monitor.resume(service);
        if (fleet.isPresent() && fleet.get().guard().services().contains(service)) {
          fleet.get().fleet().reset(service); // closes the breaker in every guard of the fleet
          out.println(service + ": fleet breaker closed in every instance.");
        }
      } catch (IllegalArgumentException e) {
        if (!saved.isEmpty()) {
          return Main.OK; // a service the monitor does not poll, whose application's breaker was closed
        }
        err.println("runaway-monitor resume: " + e.getMessage());
        return Main.USAGE;
      } catch (IllegalStateException e) {
        err.println("runaway-monitor resume: " + e.getMessage());
        return Main.FAILURE;
      }
      if (was.isEmpty() && unpolled) {
        out.println(service + ": nothing was stopped (no emergency stop is recorded for it).");
      } else if (was.isEmpty()) {
        out.println(service + ": nothing was stopped; its breaker is reset.");
      } else {
        // What was undone is each stop's undo, in the order resume ran them (the last stop first):
        // its manual undo says what undoing it means and what stays done (a cancelled run is not
        // re-run). The stop's plan is what the undo reverted, so it is named apart: listed alone
        // under "undone" it read as if resume had disabled the workflow again.
        StoppedService stopped = was.get();
        out.println(service + ": resumed (stopped since " + stopped.since() + "). Undone through the service's API,"
            + " the last stop first (each undo as you would do it by hand):");
        for (int i = stopped.actions().size() - 1; i >= 0; i--) {
          String undo = i < stopped.undo().size() ? stopped.undo().get(i) : "";
          out.println("  - " + (undo.isBlank() ? "the undo of the stop below" : undo));
          out.println("    which reverted the stop: " + stopped.actions().get(i));
        }
      }
      return Main.OK;
    } finally {
      // The guard first: closing it delivers its pending fleet alert through the monitor's alerting.
      try {
        fleet.ifPresent(f -> f.guard().close());
      } finally {
        monitor.close();
      }
    }
  }
}
