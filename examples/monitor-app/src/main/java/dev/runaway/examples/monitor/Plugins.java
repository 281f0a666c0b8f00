package dev.runaway.examples.monitor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the plug-ins on the class path: the detector and notifier providers the app can use. */
final class Plugins {

  private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);

  private Plugins() {}

  /**
   * Loads every provider of {@code spi} the service loader finds, in class-path order. A broken
   * jar is reported with a WARN and skipped rather than stopping the app; after 100 such errors the
   * search gives up, as the iterator may keep failing on the same entry.
   *
   * @param spi the plug-in interface, such as {@code DetectorProvider.class}
   * @param what what one provider is called in the warning, such as "detector provider"
   */
  static <T> List<T> load(Class<T> spi, String what) {
    List<T> out = new ArrayList<>();
    Iterator<T> it = ServiceLoader.load(spi, spi.getClassLoader()).iterator();
    for (int errors = 0; errors < 100; ) {
      try {
        if (!it.hasNext()) {
          break;
        }
        out.add(it.next());
      } catch (ServiceConfigurationError e) {
        errors++;
        // ServiceLoader says only "could not be instantiated": the cause says why.
        Throwable cause = e.getCause();
        LOG.warn("A {} could not be loaded and is skipped: {}", what,
            cause == null || cause == e ? e.toString() : e + "; caused by " + cause);
      }
    }
    return out;
  }
}
