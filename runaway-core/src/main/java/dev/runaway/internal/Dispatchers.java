package dev.runaway.internal;

import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.internal.AlertDispatcher;
import dev.runaway.alert.internal.DeliveryListener;
import java.util.List;
import java.util.function.Consumer;

/** Creates the {@link AlertSink} of a guard or monitor: the asynchronous {@link AlertDispatcher}. */
public final class Dispatchers {

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
        public void accept(Alert alert, DeliveryListener listener) {
          boolean delivered = false;
          try {
            direct.accept(alert);
            delivered = true; // the receiver has it once it returned
          } finally {
            listener.settled(delivered);
          }
        }

        @Override
        public void close() {}
      };
    }
    AlertDispatcher dispatcher = AlertDispatcher.builder().notifiers(notifiers).ticker(ticker).build();
    return new AlertSink() {
      @Override
      public void accept(Alert alert) {
        dispatcher.dispatch(alert);
      }

      @Override
      public void accept(Alert alert, DeliveryListener listener) {
        dispatcher.dispatch(alert, listener);
      }

      @Override
      public void close() {
        dispatcher.close();
      }
    };
  }
}
