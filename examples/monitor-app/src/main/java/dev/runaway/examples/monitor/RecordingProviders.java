package dev.runaway.examples.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector providers on the class path, each wrapped so that the credentials it asks for are
 * noted per service in {@link Credentials}; {@code check} hands them to the monitor's builder.
 */
final class RecordingProviders {

  private static final Logger LOG = LoggerFactory.getLogger(RecordingProviders.class);

  private RecordingProviders() {}

  /** Loads every provider the service loader finds, reporting and skipping broken ones. */
  static List<DetectorProvider> load(Credentials credentials) {
    List<DetectorProvider> out = new ArrayList<>();
    Iterator<DetectorProvider> it =
        ServiceLoader.load(DetectorProvider.class, DetectorProvider.class.getClassLoader()).iterator();
    for (int errors = 0; errors < 100; ) {
      try {
        if (!it.hasNext()) {
          break;
        }
        out.add(new Recording(it.next(), credentials));
      } catch (ServiceConfigurationError e) {
        errors++;
        LOG.warn("A detector provider could not be loaded and is skipped: {}", e.toString());
      }
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
      return delegate.create(settings, credentials.recording(settings.name(), secrets));
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
