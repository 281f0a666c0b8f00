package dev.runaway.examples.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.EmergencyAction;
import dev.runaway.monitor.EmergencyActionProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The detector and emergency action providers on the class path, each wrapped so that the
 * credentials it asks for are noted per service in {@link Credentials} (an action's as
 * {@code <service> on_runaway}); {@code check} hands them to the monitor's builder.
 */
final class RecordingProviders {

  private RecordingProviders() {}

  /** Loads every provider the service loader finds, reporting and skipping broken ones. */
  static List<DetectorProvider> load(Credentials credentials) {
    List<DetectorProvider> out = new ArrayList<>();
    for (DetectorProvider p : Plugins.load(DetectorProvider.class, "detector provider")) {
      out.add(new Recording(p, credentials));
    }
    return out;
  }

  /** Notes that {@code owner} needs each of {@code names}; returns them. */
  private static List<String> noted(Credentials credentials, String owner, List<String> names) {
    for (String name : names) {
      credentials.note(owner, name);
    }
    return names;
  }

  /** Loads every emergency action provider, wrapped to note the credentials each action asks for. */
  static List<EmergencyActionProvider> actions(Credentials credentials) {
    List<EmergencyActionProvider> out = new ArrayList<>();
    for (EmergencyActionProvider p : Plugins.load(EmergencyActionProvider.class, "emergency action provider")) {
      out.add(new RecordingAction(p, credentials));
    }
    return out;
  }

  /** What both wrappers hold: the provider's type, its description and where credentials are noted. */
  private abstract static class Wrapper {
    final Credentials credentials;
    private final String type;
    private final Object delegate;

    Wrapper(String type, Object delegate, Credentials credentials) {
      this.type = type;
      this.delegate = delegate;
      this.credentials = credentials;
    }

    public String type() {
      return type;
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  private static final class RecordingAction extends Wrapper implements EmergencyActionProvider {
    private final EmergencyActionProvider delegate;

    RecordingAction(EmergencyActionProvider delegate, Credentials credentials) {
      super(delegate.type(), delegate, credentials);
      this.delegate = delegate;
    }

    @Override
    public List<String> requiredSecrets(ServiceSettings service, Map<String, Object> action) {
      return noted(credentials, service.name() + " on_runaway", delegate.requiredSecrets(service, action));
    }

    @Override
    public EmergencyAction create(ServiceSettings service, Map<String, Object> action, String path,
        SecretSource secrets) {
      return delegate.create(service, action, path, credentials.recording(service.name() + " on_runaway", secrets));
    }
  }

  private static final class Recording extends Wrapper implements DetectorProvider {
    private final DetectorProvider delegate;

    Recording(DetectorProvider delegate, Credentials credentials) {
      super(delegate.type(), delegate, credentials);
      this.delegate = delegate;
    }

    @Override
    public List<String> requiredSecrets(ServiceSettings settings) {
      return noted(credentials, settings.name(), delegate.requiredSecrets(settings));
    }

    @Override
    public void checkSettings(ServiceSettings settings) {
      delegate.checkSettings(settings);
    }

    @Override
    public Detector create(ServiceSettings settings, SecretSource secrets) {
      // Checked here, so that the message names the plug-in and not this wrapper.
      return Objects.requireNonNull(delegate.create(settings, credentials.recording(settings.name(), secrets)),
          () -> "DetectorProvider " + delegate.getClass().getName() + " returned no detector");
    }
  }
}
