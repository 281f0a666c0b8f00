package dev.runaway.monitor;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import java.util.List;
import java.util.function.BiFunction;

/** A {@link DetectorProvider} of one type that builds detectors with a function. */
final class FakeProvider implements DetectorProvider {

  private final String type;
  private final List<String> required;
  private final BiFunction<ServiceSettings, SecretSource, Detector> factory;

  FakeProvider(String type, List<String> required, BiFunction<ServiceSettings, SecretSource, Detector> factory) {
    this.type = type;
    this.required = required;
    this.factory = factory;
  }

  static FakeProvider of(String type, String cost) {
    return new FakeProvider(type, List.of(), (s, secrets) -> FakeDetector.spending(s.name(), cost));
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public List<String> requiredSecrets(ServiceSettings settings) {
    return required;
  }

  @Override
  public Detector create(ServiceSettings settings, SecretSource secrets) {
    return factory.apply(settings, secrets);
  }
}
