package dev.runaway.providers.stop;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import java.util.List;
import java.util.Map;

/**
 * {@code "type": "command"}: runs a program with its arguments, without a shell, within the
 * {@code on_runaway.timeout_seconds} (then it is killed); undo runs another. A non-zero exit code
 * is a failure. The output is discarded (it may show credentials); the program inherits the
 * monitor's environment.
 *
 * <p>Settings: {@code argv} (required, such as
 * {@code ["kubectl", "scale", "deployment/worker", "--replicas=0"]}), {@code undo_argv} (such as
 * {@code ["kubectl", "scale", "deployment/worker", "--replicas=3"]}).
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class CommandActionProvider implements EmergencyActionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public CommandActionProvider() {}

  @Override
  public String type() {
    return "command";
  }

  @Override
  public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
      SecretSource secrets) {
    Settings s = new Settings(service, action, path, List.of("argv", "undo_argv"));
    List<String> argv = s.strings("argv");
    if (argv.isEmpty() || argv.get(0).isBlank()) {
      throw s.error("argv", "is required: the program and its arguments, such as"
          + " [\"kubectl\", \"scale\", \"deployment/worker\", \"--replicas=0\"] (no shell)");
    }
    return new CommandStop(argv, s.strings("undo_argv"));
  }
}
