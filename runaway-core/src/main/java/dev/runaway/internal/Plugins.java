package dev.runaway.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;

/**
 * The one way the library finds its plug-ins with {@link ServiceLoader}, shared by the secret
 * sources, notifiers, detectors and emergency actions.
 *
 * <p>Rules, the same for every kind of plug-in:
 * <ul>
 *   <li>A provider that cannot be loaded ({@link ServiceConfigurationError}: a class named in
 *       {@code META-INF/services} that is missing, not a subtype or whose constructor throws; or a
 *       {@link LinkageError} such as {@link NoClassDefFoundError} for a missing dependency) is
 *       reported once at WARN, naming the service file and the provider as the error states it,
 *       and skipped: the others still load.</li>
 *   <li>A broken service file can make the iterator fail on every call, so after
 *       {@value #MAX_LOAD_ERRORS} errors the search stops (also reported at WARN).</li>
 *   <li>The result is in the order of the providers' class names, so it does not depend on the
 *       order of the class path. Callers that key providers by a name (a {@code type}) resolve a
 *       duplicate name to the first in this order, i.e. the smallest class name, and report it.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class Plugins {

  /** How many load errors end the search. */
  public static final int MAX_LOAD_ERRORS = 100;

  private Plugins() {}

  /**
   * Loads every provider of a service that can be loaded, in class-name order.
   *
   * @param <T> the service type
   * @param service the service interface
   * @param loader the class loader to search
   * @param log where to report providers that fail to load
   * @return the providers, sorted by class name; never {@code null}
   */
  public static <T> List<T> load(Class<T> service, ClassLoader loader, Logger log) {
    List<T> found = drain(ServiceLoader.load(service, loader).iterator(), service, log);
    found.sort(Comparator.comparing(p -> p.getClass().getName()));
    return found;
  }

  /**
   * Drains a service iterator in its own order: an entry that cannot be loaded is reported at
   * WARN and skipped; the search gives up after {@value #MAX_LOAD_ERRORS} errors.
   *
   * @param <T> the service type
   * @param it the iterator
   * @param service the service interface, named in the warnings
   * @param log where to report
   * @return the providers that loaded, in iteration order (a new mutable list)
   */
  public static <T> List<T> drain(Iterator<T> it, Class<T> service, Logger log) {
    List<T> found = new ArrayList<>();
    int errors = 0;
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError | LinkageError e) {
        log.warn("A {} listed in META-INF/services could not be loaded and is skipped: {}",
            service.getSimpleName(), describe(e));
        if (++errors >= MAX_LOAD_ERRORS) {
          log.warn("Stopped looking for {}s after {} load errors", service.getSimpleName(), errors);
          break;
        }
      }
    }
    return found;
  }

  /**
   * The error and its cause: a constructor that throws is reported by ServiceLoader as "could not
   * be instantiated", and only the cause says why. A provider's constructor is given no
   * credential, so its message is shown.
   *
   * @param e the load error
   * @return the text for the warning
   */
  public static String describe(Throwable e) {
    Throwable cause = e.getCause();
    return cause == null || cause == e ? e.toString() : e + "; caused by " + cause;
  }
}
