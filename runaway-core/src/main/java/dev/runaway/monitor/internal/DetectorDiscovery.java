package dev.runaway.monitor.internal;

import dev.runaway.config.ConfigException;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.DetectorProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import dev.runaway.internal.Plugins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DetectorProvider}s by {@code type}, found with {@link ServiceLoader} the way SLF4J
 * finds its bindings: a provider that cannot be loaded is reported and skipped, several providers
 * of one type are reported with the full list and the first one is used.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class DetectorDiscovery {

  private static final Logger LOG = LoggerFactory.getLogger(DetectorDiscovery.class);

  private final Map<String, DetectorProvider> byType;

  private DetectorDiscovery(Map<String, DetectorProvider> byType) {
    this.byType = byType;
  }

  /**
   * Finds the providers on the class path of {@link DetectorProvider}.
   *
   * @return the discovery
   */
  public static DetectorDiscovery load() {
    return of(Plugins.load(DetectorProvider.class, DetectorProvider.class.getClassLoader(), LOG));
  }

  /**
   * Drains a service loader's iterator: an entry that cannot be loaded is reported and skipped.
   * A broken configuration file can make the iterator fail again and again, so it gives up after
   * a bound.
   *
   * @param it the iterator
   * @return the providers that loaded
   */
  static List<DetectorProvider> drain(Iterator<DetectorProvider> it) {
    return Plugins.drain(it, DetectorProvider.class, LOG);
  }

  /**
   * Uses the given providers instead of the class path, for tests and embedders.
   *
   * @param providers the providers, in order of preference
   * @return the discovery
   */
  public static DetectorDiscovery of(List<? extends DetectorProvider> providers) {
    Map<String, List<DetectorProvider>> all = new LinkedHashMap<>();
    for (DetectorProvider p : providers) {
      String type;
      try {
        type = p.type();
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("DetectorProvider {} failed to report its type and is skipped: {}", p.getClass().getName(),
            e.toString());
        continue;
      }
      if (type == null || type.isBlank()) {
        LOG.warn("DetectorProvider {} reports no type and is skipped", p.getClass().getName());
        continue;
      }
      all.computeIfAbsent(type, t -> new ArrayList<>()).add(p);
    }
    Map<String, DetectorProvider> byType = new LinkedHashMap<>();
    for (Map.Entry<String, List<DetectorProvider>> e : all.entrySet()) {
      List<DetectorProvider> list = e.getValue();
      if (list.size() > 1) {
        List<String> names = new ArrayList<>();
        list.forEach(p -> names.add(p.getClass().getName()));
        LOG.warn("Several DetectorProviders handle type '{}': {}; using {}", e.getKey(), names, names.get(0));
      }
      byType.put(e.getKey(), list.get(0));
    }
    return new DetectorDiscovery(byType);
  }

  /**
   * Returns the known types, sorted.
   *
   * @return the types
   */
  public List<String> types() {
    return List.copyOf(new TreeSet<>(byType.keySet()));
  }

  /**
   * Returns the provider of a service's type.
   *
   * @param settings the service's settings
   * @return the provider
   * @throws ConfigException naming {@code services.<name>.type} and listing the known types
   */
  public DetectorProvider providerFor(ServiceSettings settings) {
    DetectorProvider p = byType.get(settings.type());
    if (p == null) {
      List<String> known = types();
      String hint = dev.runaway.config.internal.DidYouMean.suggest(settings.type(), known)
          .map(t -> " (did you mean '" + t + "'?)").orElse("");
      throw settings.error("type", "unknown detector type '" + settings.type() + "'" + hint + "; known types: "
          + (known.isEmpty() ? "none (no DetectorProvider is on the class path; add runaway-providers)"
              : String.join(", ", known))
          + ". A type comes from a jar with a DetectorProvider in META-INF/services, or add the detector with"
          + " RunawayMonitor.builder().detector(...)");
    }
    return p;
  }
}
