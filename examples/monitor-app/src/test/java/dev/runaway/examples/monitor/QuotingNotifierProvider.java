package dev.runaway.examples.monitor;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.io.IOException;
import java.util.Base64;
import java.util.Set;

/**
 * A notifier of a third party, {@code "quoting_hook"}, whose every send fails with a message that
 * quotes its credential {@code QUOTING_HOOK_TOKEN}, as is and in Base64, as a careless plug-in may.
 */
public final class QuotingNotifierProvider implements NotifierProvider {

  /** Called by {@link java.util.ServiceLoader}. */
  public QuotingNotifierProvider() {}

  @Override
  public String type() {
    return "quoting_hook";
  }

  @Override
  public Notifier create(SettingsReader settings, SecretSource secrets) {
    settings.allowOnly(Set.of());
    Secret token = secrets.require("QUOTING_HOOK_TOKEN");
    return alert -> {
      throw new IOException("hook refused token " + token.reveal() + " (basic "
          + Base64.getEncoder().encodeToString(("u:" + token.reveal()).getBytes(java.nio.charset.StandardCharsets.UTF_8))
          + ")");
    };
  }
}
