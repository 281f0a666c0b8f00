package dev.runaway.monitor.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.internal.NotifierLoader;
import dev.runaway.alert.internal.SanitizingNotifier;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.internal.AlertSink;
import dev.runaway.internal.Dispatchers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one place where the monitor's alert delivery is wired: the notifiers of the config's
 * {@code notifications} (found with {@link NotifierLoader}) and those given to the builder, behind
 * the asynchronous dispatcher; or a synchronous sink for tests, in place of both.
 */
public final class MonitorAlerts {

  private MonitorAlerts() {}

  /**
   * Creates the monitor's alert sink.
   *
   * @param config the config, whose {@code notifications} name notifier types
   * @param secrets where the notifiers find their credentials
   * @param notifiers notifiers given to the builder
   * @param direct a synchronous receiver replacing the dispatcher and every notifier, or {@code null}
   * @param ticker the ticker
   * @return the sink; closing it delivers what is pending within a bound and closes the notifiers
   * @throws dev.runaway.config.ConfigException if a notifier type is unknown or its settings or
   *     credentials are wrong
   */
  public static AlertSink create(MonitorConfig config, SecretSource secrets, List<Notifier> notifiers,
      Consumer<Alert> direct, Ticker ticker) {
    if (direct != null) {
      return Dispatchers.create(List.of(), ticker, direct);
    }
    List<Notifier> all = new ArrayList<>();
    if (!config.notifications().isEmpty()) {
      try {
        List<Notifier> created = NotifierLoader.load().create(config.notifierSettings(), secrets);
        List<String> types = List.copyOf(config.notifierSettings().keySet());
        for (int i = 0; i < created.size(); i++) {
          // The dispatcher logs a failed send with its exception: mask what the notifier was given.
          Notifier n = created.get(i);
          all.add(secrets instanceof TrackingSecrets
              ? new SanitizingNotifier(types.get(i), n, ((TrackingSecrets) secrets)::sanitize) : n);
        }
      } catch (dev.runaway.config.ConfigException e) {
        // Providers know the JSON path of a bad setting, not where it is written: add file and line.
        throw config.locate(e);
      }
    }
    all.addAll(notifiers);
    return Dispatchers.create(all, ticker, null);
  }
}
