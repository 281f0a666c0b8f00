package dev.runaway.alert.internal;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import dev.runaway.config.internal.DidYouMean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import dev.runaway.internal.Plugins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@link NotifierProvider}s on the class path and creates the notifiers named in the
 * config's {@code notifications} section.
 *
 * <p>Discovery follows SLF4J: {@code ServiceLoader.load(NotifierProvider.class,
 * NotifierProvider.class.getClassLoader())}; a provider that cannot be loaded is reported at WARN
 * and skipped; when several providers claim one type, the first found wins and the full list is
 * reported at WARN.
 *
 * <p>Immutable and thread-safe once created; {@link #create} calls providers from the calling thread.
 */
public final class NotifierLoader {

  private static final Logger LOG = LoggerFactory.getLogger(NotifierLoader.class);

  private final Map<String, NotifierProvider> byType;

  private NotifierLoader(Map<String, NotifierProvider> byType) {
    this.byType = byType;
  }

  /**
   * Discovers the providers with {@link ServiceLoader}.
   *
   * @return a loader holding every provider that could be loaded
   */
  public static NotifierLoader load() {
    return load(NotifierProvider.class.getClassLoader());
  }

  /** Discovers with a given class loader; the tests use one that sees a broken service file. */
  static NotifierLoader load(ClassLoader classLoader) {
    return of(Plugins.load(NotifierProvider.class, classLoader, LOG));
  }

  /**
   * Creates a loader over the given providers, reporting duplicates like {@link #load()}; for
   * tests and for applications that wire providers by hand.
   *
   * @param providers the providers, in order of precedence
   * @return the loader
   */
  public static NotifierLoader of(List<? extends NotifierProvider> providers) {
    Objects.requireNonNull(providers, "providers");
    Map<String, List<NotifierProvider>> claims = new TreeMap<>();
    for (NotifierProvider p : providers) {
      String type;
      try {
        type = p.type();
      } catch (Throwable e) {
        LOG.warn("Notifier provider {} failed to name its type and is skipped", p.getClass().getName(), e);
        continue;
      }
      if (type == null || type.isBlank()) {
        LOG.warn("Notifier provider {} has no type and is skipped", p.getClass().getName());
        continue;
      }
      claims.computeIfAbsent(type, k -> new ArrayList<>()).add(p);
    }
    Map<String, NotifierProvider> byType = new TreeMap<>();
    for (Map.Entry<String, List<NotifierProvider>> e : claims.entrySet()) {
      List<NotifierProvider> list = e.getValue();
      if (list.size() > 1) {
        List<String> classes = new ArrayList<>();
        for (NotifierProvider p : list) {
          classes.add(p.getClass().getName());
        }
        LOG.warn("Several notifier providers claim the type '{}': {}; using {}", e.getKey(), classes, classes.get(0));
      }
      byType.put(e.getKey(), list.get(0));
    }
    return new NotifierLoader(java.util.Collections.unmodifiableMap(byType));
  }

  /**
   * Returns the types that have a provider, sorted.
   *
   * @return the known types
   */
  public Set<String> types() {
    return java.util.Collections.unmodifiableSet(new TreeSet<>(byType.keySet()));
  }

  /**
   * Creates one notifier for each entry of a {@code notifications} section, in its order.
   *
   * @param notifications notifier type to the located reader of its settings
   * @param secrets where the providers find credentials
   * @return the notifiers
   * @throws ConfigException if a type has no provider (naming {@code notifications.<type>}, its
   *     line, a did-you-mean and the known types) or a provider rejects its settings; notifiers
   *     already created are closed first
   */
  public List<Notifier> create(Map<String, SettingsReader> notifications, SecretSource secrets) {
    Objects.requireNonNull(notifications, "notifications");
    Objects.requireNonNull(secrets, "secrets");
    List<Notifier> created = new ArrayList<>();
    try {
      for (Map.Entry<String, SettingsReader> e : new LinkedHashMap<>(notifications).entrySet()) {
        String type = e.getKey();
        SettingsReader settings = e.getValue() == null ? SettingsReader.of("notifications." + type, Map.of())
            : e.getValue();
        NotifierProvider provider = byType.get(type);
        if (provider == null) {
          throw settings.error("unknown notifier type '" + type + "'"
              + DidYouMean.suggest(type, List.copyOf(byType.keySet())).map(s -> " (did you mean '" + s + "'?)")
                  .orElse("")
              + "; known types: " + types() + " (a provider is found through META-INF/services/"
              + NotifierProvider.class.getName() + ")");
        }
        Notifier n;
        try {
          n = provider.create(settings, secrets);
        } catch (ConfigException ce) {
          throw ce;
        } catch (RuntimeException re) {
          String problem = "notifier provider " + provider.getClass().getName() + " failed: " + re.getClass().getName();
          ConfigException at = settings.error(problem);
          throw new ConfigException(at.file().orElse(null), at.path().orElse(null), at.line(), at.column(), problem, re);
        }
        if (n == null) {
          throw settings.error("notifier provider " + provider.getClass().getName() + " returned no notifier");
        }
        created.add(n);
      }
      return List.copyOf(created);
    } catch (RuntimeException e) {
      for (Notifier n : created) {
        try {
          n.close();
        } catch (Throwable suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return "NotifierLoader" + types();
  }
}
