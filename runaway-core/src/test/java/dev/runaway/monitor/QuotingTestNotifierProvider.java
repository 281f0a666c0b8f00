package dev.runaway.monitor;

import dev.runaway.alert.Notifier;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.config.SettingsReader;
import java.io.IOException;
import java.util.Base64;
import java.util.Set;

/**
 * A notifier of a third party, {@code "quoting_test"}, whose every send fails quoting its
 * credential {@code QUOTING_TEST_TOKEN}, as is and in Base64 in a cause, as a careless plug-in may.
 */
public final class QuotingTestNotifierProvider implements NotifierProvider {

  /** Called by {@link java.util.ServiceLoader}. */
  public QuotingTestNotifierProvider() {}

  @Override
  public String type() {
    return "quoting_test";
  }

  @Override
  public Notifier create(SettingsReader settings, SecretSource secrets) {
    settings.allowOnly(Set.of());
    Secret token = secrets.require("QUOTING_TEST_TOKEN");
    return alert -> {
      throw new IOException("hook refused token " + token.reveal(), new IllegalStateException("basic "
          + Base64.getEncoder().encodeToString(("u:" + token.reveal()).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    };
  }
}
