package dev.runaway.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the guard's {@link AlertSink}. */
public final class Dispatchers {

  private static final Logger LOG = LoggerFactory.getLogger(Dispatchers.class);

  private Dispatchers() {}

  /**
   * Creates a sink.
   *
   * @param notifiers the notifiers, possibly none (then alerts are logged)
   * @param ticker the ticker
   * @param direct a synchronous receiver replacing the dispatcher, or {@code null}
   * @return the sink
   */
  public static AlertSink create(List<Notifier> notifiers, Ticker ticker, Consumer<Alert> direct) {
    if (direct != null) {
      return new AlertSink() {
        @Override
        public void accept(Alert alert) {
          direct.accept(alert);
        }

        @Override
        public void close() {}
      };
    }
    List<Notifier> copy = List.copyOf(notifiers);
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "runaway-alerts");
      t.setDaemon(true);
      return t;
    });
    return new AlertSink() {
      @Override
      public void accept(Alert alert) {
        executor.execute(() -> {
          if (copy.isEmpty()) {
            LOG.warn("{} {} {}: {}", alert.severity(), alert.type(), alert.service(), alert.title());
          }
          for (Notifier n : copy) {
            try {
              n.send(alert);
            } catch (Throwable t) {
              LOG.warn("Notifier {} failed to deliver '{}': {}", n.getClass().getSimpleName(), alert.title(), t.toString());
            }
          }
        });
      }

      @Override
      public void close() {
        executor.shutdown();
        try {
          executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }
}
