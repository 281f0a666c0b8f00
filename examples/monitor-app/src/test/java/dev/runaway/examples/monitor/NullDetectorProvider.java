package dev.runaway.examples.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;

/** A broken detector plug-in of a third party, {@code "null_detector"}: {@code create} returns {@code null}. */
public final class NullDetectorProvider implements DetectorProvider {

  /** Called by {@link java.util.ServiceLoader}. */
  public NullDetectorProvider() {}

  @Override
  public String type() {
    return "null_detector";
  }

  @Override
  public Detector create(ServiceSettings settings, SecretSource secrets) {
    return null;
  }
}
