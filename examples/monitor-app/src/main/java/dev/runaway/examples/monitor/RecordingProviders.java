package dev.runaway.examples.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The detector providers on the class path, each wrapped so that the credentials it asks for are
 * noted per service in {@link Credentials}; {@code check} hands them to the monitor's builder.
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

  private static final class Recording implements DetectorProvider {
    private final DetectorProvider delegate;
    private final Credentials credentials;

    Recording(DetectorProvider delegate, Credentials credentials) {
      this.delegate = delegate;
      this.credentials = credentials;
    }

    @Override
    public String type() {
      return delegate.type();
    }

    @Override
    public List<String> requiredSecrets(ServiceSettings settings) {
      List<String> names = delegate.requiredSecrets(settings);
      for (String name : names) {
        credentials.note(settings.name(), name);
      }
      return names;
    }

    @Override
    public Detector create(ServiceSettings settings, SecretSource secrets) {
      // Checked here, so that the message names the plug-in and not this wrapper.
      return Objects.requireNonNull(delegate.create(settings, credentials.recording(settings.name(), secrets)),
          () -> "DetectorProvider " + delegate.getClass().getName() + " returned no detector");
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
