package dev.runaway.examples.monitor;

import dev.runaway.alert.Notifier;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.examples.monitor.demo.Demo;
import dev.runaway.providers.openai.OpenAiCosts;
import dev.runaway.telegram.TelegramNotifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runaway-monitor demo}: the product in a minute, with no credentials. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    header = "See a runaway stopped in a minute: no credentials, loopback only.",
    description = {
        "See a runaway stopped, with no credentials and no network beyond 127.0.0.1: a stub LLM API on loopback, an"
            + " app with normal traffic (the guard learns its baseline), then an agent loop that runs away. The"
            + " guard raises a usage spike alert, opens the circuit breaker, and the loop's calls fail fast. Ends"
            + " with a summary: spent, detection delay, and what the loop would cost per hour unguarded.",
        "When TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL_ID are set (in the environment or the .env file), the alerts"
            + " go to Telegram too."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the guard stopped the runaway", "1:it did not, or the demo failed", "2:bad usage"})
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--fast", description = "Do not slow the runaway phase down to human speed.")
  boolean fast;

  @Option(names = "--no-telegram", description = "Keep the alerts on the console even when TELEGRAM_BOT_TOKEN"
      + " and TELEGRAM_CHANNEL_ID are set.")
  boolean noTelegram;

  @Option(names = {"-e", "--env"}, paramLabel = "FILE", defaultValue = ".env",
      description = "Read TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL_ID from this file after the environment"
          + " (default: ${DEFAULT-VALUE}); a missing file is fine.")
  Path envFile;

  @Option(names = "--plain", description = "Print plain lines, no live status line, even on a terminal (the"
      + " default when the output is not a terminal).")
  boolean plain;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // The demo prints its own alerts; keep the library's INFO lines (breaker changes) off the console.
    if (System.getProperty("org.slf4j.simpleLogger.log.dev.runaway") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.dev.runaway", "warn");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Notifier> extra = new ArrayList<>();
    TelegramNotifier telegram = noTelegram ? null : telegram(out);
    if (telegram != null) {
      extra.add(telegram);
    }
    // A live status line redrawn with \r only on a terminal; a pipe or a file gets plain lines.
    boolean live = !plain && System.console() != null;
    Demo.Result r = new Demo(out, !fast, OpenAiCosts.extractor(), extra, live).run();
    out.flush();
    return r.stopped() ? Main.OK : Main.FAILURE;
  }

  /** Returns a Telegram notifier when both variables are set, else {@code null}. */
  private TelegramNotifier telegram(PrintWriter out) {
    SecretSource secrets;
    try {
      secrets = SecretSource.environment().orElse(SecretSource.dotEnv(envFile));
    } catch (ConfigException e) {
      out.println("Telegram: not used, " + envFile + " cannot be read: " + e.getMessage());
      return null;
    }
    boolean token = secrets.get(TelegramNotifier.TOKEN_VARIABLE).isPresent();
    boolean chat = secrets.get(TelegramNotifier.CHAT_VARIABLE).isPresent();
    if (!token && !chat) {
      return null;
    }
    if (!token || !chat) {
      out.println("Telegram: not used, " + (token ? TelegramNotifier.CHAT_VARIABLE : TelegramNotifier.TOKEN_VARIABLE)
          + " is not set (both " + TelegramNotifier.TOKEN_VARIABLE + " and " + TelegramNotifier.CHAT_VARIABLE
          + " are needed).");
      return null;
    }
    try {
      TelegramNotifier n = TelegramNotifier.fromSecrets(secrets);
      // The chat id is read like a credential and masked as check masks it; the variable says which chat.
      out.println("Telegram: the alerts also go to chat *** (" + TelegramNotifier.CHAT_VARIABLE + ").");
      return n;
    } catch (ConfigException e) {
      out.println("Telegram: not used: " + e.getMessage());
      return null;
    }
  }
}
