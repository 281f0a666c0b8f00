package dev.runaway.config.internal;

import dev.runaway.config.MonitorConfig.CostThresholds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated config as the parser hands it to {@link dev.runaway.config.MonitorConfig}, which
 * alone may build itself and its {@link dev.runaway.config.ServiceSettings}.
 *
 * <p>Immutable and thread-safe: every collection is unmodifiable.
 *
 * @param file the file, or {@code null}
 * @param monitoringInterval {@code monitoring_interval}
 * @param costThresholds {@code cost_thresholds} in file order
 * @param usageSpikeMultiplier {@code usage_spike_multiplier}
 * @param breakerEnabled {@code circuit_breaker.enabled}
 * @param breakerMultiplier {@code circuit_breaker.threshold_multiplier}
 * @param services every monitored service in file order, explicit and implicit
 * @param notifications {@code notifications} in file order
 * @param stateDir {@code state_dir} resolved, or {@code null}
 * @param warnings what is allowed but probably not meant
 * @param budgetHorizon {@code circuit_breaker.budget_horizon_minutes}
 * @param notificationPositions where {@code notifications.<type>} and each of its settings are
 *     written, by JSON path, so a notifier's error can name the line
 */
public record ParsedConfig(Path file, Duration monitoringInterval, Map<String, CostThresholds> costThresholds,
    double usageSpikeMultiplier, boolean breakerEnabled, double breakerMultiplier, Map<String, Service> services,
    Map<String, Map<String, Object>> notifications, Path stateDir, List<String> warnings, Duration budgetHorizon,
    Map<String, SourcePosition> notificationPositions, dev.runaway.config.FleetSettings fleet) {

  /**
   * One service's settings with where they were written.
   *
   * @param name the service's name
   * @param type the detector type
   * @param values {@code base_url} and the provider-specific values (not {@code type})
   * @param position where the service's entry is written (its key under {@code services}, or
   *     under {@code cost_thresholds} for a service named only there)
   * @param keyPositions where each of {@code values}' keys is written
   */
  public record Service(String name, String type, Map<String, Object> values, SourcePosition position,
      Map<String, SourcePosition> keyPositions) {}
}
