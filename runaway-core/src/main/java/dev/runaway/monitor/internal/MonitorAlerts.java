package dev.runaway.monitor.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.internal.AlertSink;
import dev.runaway.internal.Dispatchers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the monitor's alert delivery is wired: the notifiers of the config's
 * {@code notifications}, those given to the builder, or a synchronous sink for tests.
 */
public final class MonitorAlerts {

  private static final Logger LOG = LoggerFactory.getLogger(MonitorAlerts.class);

  private MonitorAlerts() {}

  /**
   * Creates the monitor's alert sink.
   *
   * @param config the config, whose {@code notifications} name notifier types
   * @param secrets where the notifiers find their credentials
   * @param notifiers notifiers given to the builder
   * @param direct a synchronous receiver replacing the dispatcher, or {@code null}
   * @param ticker the ticker
   * @return the sink; closing it delivers what is pending within a bound
   */
  public static AlertSink create(MonitorConfig config, SecretSource secrets, List<Notifier> notifiers,
      Consumer<Alert> direct, Ticker ticker) {
    List<Notifier> all = new ArrayList<>(notifiers);
    if (direct == null && !config.notifications().isEmpty()) {
      LOG.warn("The config's notifications {} are not loaded by this build; alerts go to the notifiers given to the"
          + " builder, or to the log", config.notifications().keySet());
    }
    return Dispatchers.create(all, ticker, direct);
  }
}
