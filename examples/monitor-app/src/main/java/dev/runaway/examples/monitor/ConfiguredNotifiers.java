package dev.runaway.examples.monitor;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.alert.Severity;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.internal.DidYouMean;
import dev.runaway.telegram.TelegramCheckResult;
import dev.runaway.telegram.TelegramNotifier;
import dev.runaway.telegram.TelegramNotifierProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifiers named in the config's {@code notifications}, created through their
 * {@link NotifierProvider}s for {@code check}'s test alert.
 */
final class ConfiguredNotifiers {

  private static final Logger LOG = LoggerFactory.getLogger(ConfiguredNotifiers.class);

  /**
   * One configured notifier: created, or not for a missing credential.
   *
   * @param type the key under {@code notifications}
   * @param notifier the notifier, or {@code null} when it could not be created
   * @param problem why it could not be created, or {@code null}
   */
  record Entry(String type, Notifier notifier, String problem) {}

  /**
   * The outcome of a test alert.
   *
   * @param ok whether the destination accepted it
   * @param detail what happened, for people
   */
  record TestResult(boolean ok, String detail) {}

  private ConfiguredNotifiers() {}

  /** Returns the owner name under which a notifier's credentials are noted. */
  static String owner(String type) {
    return "notifications." + type;
  }

  /**
   * Creates every configured notifier. A notifier whose credential is missing is returned with
   * its problem; any other config error is thrown, those of every notifier in one exception.
   *
   * @throws ConfigException for an unknown type or wrong settings
   */
  static List<Entry> create(MonitorConfig config, Credentials credentials) {
    Map<String, NotifierProvider> providers = providers();
    List<Entry> out = new ArrayList<>();
    List<ConfigException> problems = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> e : config.notifications().entrySet()) {
      String type = e.getKey();
      NotifierProvider provider = providers.get(type);
      if (provider == null) {
        problems.add(config.locate(new ConfigException(config.file().orElse(null), "notifications." + type, 0, 0,
            "no notifier of type '" + type + "' is on the class path"
                + DidYouMean.suggest(type, List.copyOf(new TreeSet<>(providers.keySet())))
                    .map(t -> " (did you mean '" + t + "'?)").orElse("")
                + "; known types: "
                + String.join(", ", new TreeSet<>(providers.keySet())), null)));
        continue;
      }
      if (provider instanceof TelegramNotifierProvider) {
        // Report both variables, not just the first one the provider finds missing.
        credentials.note(owner(type), TelegramNotifier.TOKEN_VARIABLE);
        if (e.getValue().get("chat_id") == null) {
          credentials.note(owner(type), TelegramNotifier.CHAT_VARIABLE);
        }
      }
      try {
        out.add(new Entry(type, provider.create(config.notifierSettings().get(type), credentials.recording(owner(type),
            credentials.source())), null));
      } catch (ConfigException ex) {
        List<String> missing = credentials.missing(owner(type));
        // Both Telegram variables are noted before create(): a wrong setting, found before the
        // credentials are looked for, is a config error even while they are missing.
        String msg = ex.getMessage() == null ? "" : ex.getMessage();
        if (missing.stream().noneMatch(msg::contains)) {
          problems.add(config.locate(ex));
          continue;
        }
        out.add(new Entry(type, null, "missing credential" + (missing.size() == 1 ? " " : "s ")
            + String.join(", ", missing) + " (looked in " + credentials.describe() + ")"));
      }
    }
    if (!problems.isEmpty()) {
      closeAll(out);
      throw ConfigFiles.all(problems);
    }
    return out;
  }

  /**
   * Sends a test alert through one notifier, waiting at most {@code timeout}. Telegram runs its
   * own setup check: the token with {@code getMe}, then a test message to the chat.
   */
  static TestResult test(Notifier notifier, Duration timeout) {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "runaway-monitor-check-notifier");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<TestResult> f = executor.submit(() -> {
        if (notifier instanceof TelegramNotifier) {
          TelegramCheckResult r = ((TelegramNotifier) notifier).check();
          String bot = r.botUsername() == null || r.botUsername().isEmpty() ? "the bot" : "@" + r.botUsername();
          if (r.chatOk()) {
            return new TestResult(true, "test message sent by " + bot + " to chat " + r.chatId()
                + (r.chatTitle() == null ? "" : " (" + r.chatTitle() + ")"));
          }
          return new TestResult(false, "the token works (" + bot + ") but chat " + r.chatId()
              + " refused the test message: " + r.problem());
        }
        notifier.send(testAlert());
        return new TestResult(true, "test alert accepted");
      });
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return new TestResult(false, "no answer within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return new TestResult(false, Main.describe(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new TestResult(false, "interrupted");
    } finally {
      executor.shutdownNow();
    }
  }

  /** The alert {@code check} sends through notifiers other than Telegram. */
  static Alert testAlert() {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("test", "true");
    return new Alert(AlertType.SERVICE_STATUS, Severity.INFO, "runaway-monitor", null,
        "Runaway Guard: test alert", "Sent by runaway-monitor check: alerts of this monitor will arrive here.",
        dev.runaway.Ticker.system().instant(), facts);
  }

  static void closeAll(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.notifier() != null) {
        try {
          e.notifier().close();
        } catch (Throwable t) {
          LOG.debug("Notifier {} failed to close: {}", e.type(), t.toString());
        }
      }
    }
  }

  private static Map<String, NotifierProvider> providers() {
    Map<String, NotifierProvider> byType = new LinkedHashMap<>();
    for (NotifierProvider p : Plugins.load(NotifierProvider.class, "notifier provider")) {
      byType.putIfAbsent(p.type(), p);
    }
    return byType;
  }
}
