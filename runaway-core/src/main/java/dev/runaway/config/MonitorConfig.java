package dev.runaway.config;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.config.internal.ConfigParser;
import dev.runaway.config.internal.ParsedConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Optional;

/**
 * The monitor's configuration, in the schema of {@code config/monitor_config.json}:
 *
 * <pre>{@code
 * {
 *   "monitoring_interval": 300,
 *   "cost_thresholds": {"openai": {"hourly": 10.0, "daily": 100.0}},
 *   "usage_spike_multiplier": 3.0,
 *   "circuit_breaker": {"enabled": true, "threshold_multiplier": 5.0},
 *   "services": {"openai": {"type": "openai", "base_url": "..."}},
 *   "notifications": {"telegram": {}},
 *   "state_dir": "state"
 * }
 * }</pre>
 *
 * <p>Every key is optional, and a key set to {@code null} counts as absent. The defaults:
 * {@code monitoring_interval} 300 seconds, no cost thresholds, {@code usage_spike_multiplier} 3.0,
 * {@code circuit_breaker} enabled with {@code threshold_multiplier} 5.0, no services, no
 * notifications (alerts go to the log), no {@code state_dir}.
 *
 * <p>The rules: {@code monitoring_interval} is a whole number of seconds from 1 to 86400;
 * thresholds are positive dollar amounts (rounded to the nano-dollar) of at most one billion;
 * both multipliers are finite and greater than 1; service and notifier names are made of letters,
 * digits, {@code _ . -}; a service's {@code type} defaults to its name and {@code base_url} must be
 * an absolute http(s) URL; other keys under {@code services.<name>} and {@code notifications.<type>}
 * are free-form, kept as String, Long, Double, Boolean, List and Map values for their provider to
 * check. Unknown keys anywhere else, duplicate keys, and anything but one JSON object are errors.
 *
 * <p>A service named in {@code cost_thresholds} but not in {@code services} is monitored with the
 * detector type of the same name.
 *
 * <p>What is allowed but probably not meant is reported in {@link #warnings()} and logged at WARN
 * when the config is read, not rejected: an hourly limit above the daily one, and a breaker
 * {@code threshold_multiplier} below {@code usage_spike_multiplier} while the breaker is enabled (the
 * breaker would open before the spike alert; a deliberate choice for some, so not an error).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MonitorConfig {

  /** The budgets of one service from {@code cost_thresholds}. */
  public static final class CostThresholds {
    private final Cost hourly;
    private final Cost daily;

    private final double maxCallsPerMinute;
    private final Cost maxCostPerHour;

    /**
     * Creates thresholds.
     *
     * @param hourly the hourly limit, or {@code null}
     * @param daily the daily limit, or {@code null}
     */
    public CostThresholds(Cost hourly, Cost daily) {
      this(hourly, daily, 0, null);
    }

    /**
     * Creates thresholds with absolute rate caps.
     *
     * @param hourly the hourly limit, or {@code null}
     * @param daily the daily limit, or {@code null}
     * @param maxCallsPerMinute the call-rate cap ({@code max_calls_per_minute}), or 0 for none
     * @param maxCostPerHour the spend-rate cap ({@code max_cost_per_hour}), or {@code null} for none
     */
    public CostThresholds(Cost hourly, Cost daily, double maxCallsPerMinute, Cost maxCostPerHour) {
      this.hourly = hourly;
      this.daily = daily;
      this.maxCallsPerMinute = maxCallsPerMinute;
      this.maxCostPerHour = maxCostPerHour;
    }

    /**
     * Returns the absolute call-rate cap of the embedded guard ({@code max_calls_per_minute}): above
     * it the service's breaker opens, from the first call on.
     *
     * @return calls per minute, or 0 for none
     */
    public double maxCallsPerMinute() {
      return maxCallsPerMinute;
    }

    /**
     * Returns the absolute spend-rate cap of the embedded guard ({@code max_cost_per_hour}).
     *
     * @return dollars per hour, if set
     */
    public Optional<Cost> maxCostPerHour() {
      return Optional.ofNullable(maxCostPerHour);
    }

    /**
     * Returns the hourly limit.
     *
     * @return the limit, if set
     */
    public Optional<Cost> hourly() {
      return Optional.ofNullable(hourly);
    }

    /**
     * Returns the daily limit.
     *
     * @return the limit, if set
     */
    public Optional<Cost> daily() {
      return Optional.ofNullable(daily);
    }

    /**
     * Returns the budgets: sliding hourly and daily windows.
     *
     * @return the budgets
     */
    public List<Budget> budgets() {
      List<Budget> out = new ArrayList<>(2);
      if (hourly != null) {
        out.add(Budget.hourly(hourly));
      }
      if (daily != null) {
        out.add(Budget.daily(daily));
      }
      return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CostThresholds && Objects.equals(((CostThresholds) o).hourly, hourly)
          && Objects.equals(((CostThresholds) o).daily, daily)
          && ((CostThresholds) o).maxCallsPerMinute == maxCallsPerMinute
          && Objects.equals(((CostThresholds) o).maxCostPerHour, maxCostPerHour);
    }

    @Override
    public int hashCode() {
      return Objects.hash(hourly, daily, maxCallsPerMinute, maxCostPerHour);
    }

    @Override
    public String toString() {
      return "CostThresholds[hourly=" + hourly + ", daily=" + daily
          + (maxCallsPerMinute > 0 ? ", maxCallsPerMinute=" + maxCallsPerMinute : "")
          + (maxCostPerHour != null ? ", maxCostPerHour=" + maxCostPerHour : "") + "]";
    }
  }

  /**
   * The {@code circuit_breaker} section.
   *
   * @param enabled whether breakers trip on runaways
   * @param thresholdMultiplier the multiple of the baseline above which a breaker opens
   * @param budgetHorizon {@code budget_horizon_minutes}: before warm-up, the breaker opens when the
   *     tightest budget would be gone within this time at the current rate ({@link Duration#ZERO}: off)
   */
  public record CircuitBreakerSettings(boolean enabled, double thresholdMultiplier, Duration budgetHorizon) {

    /**
     * The settings with the default budget horizon (10 minutes).
     *
     * @param enabled whether breakers trip on runaways
     * @param thresholdMultiplier the multiple of the baseline above which a breaker opens
     */
    public CircuitBreakerSettings(boolean enabled, double thresholdMultiplier) {
      this(enabled, thresholdMultiplier, DEFAULT_BUDGET_HORIZON);
    }
  }

  /** Default {@code circuit_breaker.budget_horizon_minutes}: 10 minutes. */
  public static final Duration DEFAULT_BUDGET_HORIZON = Duration.ofMinutes(10);

  /** Default {@code monitoring_interval}: 300 seconds. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(300);
  /** Default {@code usage_spike_multiplier}. */
  public static final double DEFAULT_SPIKE_MULTIPLIER = 3.0;
  /** Default {@code circuit_breaker.threshold_multiplier}. */
  public static final double DEFAULT_BREAKER_MULTIPLIER = 5.0;
  /** Default {@code circuit_breaker.enabled}: breakers trip on runaways. */
  public static final boolean DEFAULT_BREAKER_ENABLED = true;

  private final Path file;
  private final Duration monitoringInterval;
  private final Map<String, CostThresholds> costThresholds;
  private final double usageSpikeMultiplier;
  private final CircuitBreakerSettings circuitBreaker;
  private final Map<String, ServiceSettings> services;
  private final Map<String, Map<String, Object>> notifications;
  private final Path stateDir;
  private final FleetSettings fleet;
  private final List<String> warnings;
  private final Map<String, dev.runaway.config.internal.SourcePosition> positions;

  MonitorConfig(Path file, Duration monitoringInterval, Map<String, CostThresholds> costThresholds,
      double usageSpikeMultiplier, CircuitBreakerSettings circuitBreaker, Map<String, ServiceSettings> services,
      Map<String, Map<String, Object>> notifications, Path stateDir, List<String> warnings,
      Map<String, dev.runaway.config.internal.SourcePosition> positions, FleetSettings fleet) {
    this.fleet = fleet;
    this.file = file;
    this.monitoringInterval = monitoringInterval;
    this.costThresholds = Collections.unmodifiableMap(new LinkedHashMap<>(costThresholds));
    this.usageSpikeMultiplier = usageSpikeMultiplier;
    this.circuitBreaker = circuitBreaker;
    this.services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
    this.notifications = Collections.unmodifiableMap(new LinkedHashMap<>(notifications));
    this.stateDir = stateDir;
    this.warnings = List.copyOf(warnings);
    this.positions = Map.copyOf(positions);
  }

  static {
    dev.runaway.config.internal.ConfigReading.bind(MonitorConfig::of);
  }

  private static MonitorConfig of(ParsedConfig p) {
    Map<String, ServiceSettings> services = new LinkedHashMap<>();
    for (ParsedConfig.Service s : p.services().values()) {
      services.put(s.name(), ServiceSettings.located(s.name(), s.type(), s.values(), p.file(), s.position(),
          s.keyPositions()));
    }
    return new MonitorConfig(p.file(), p.monitoringInterval(), p.costThresholds(), p.usageSpikeMultiplier(),
        new CircuitBreakerSettings(p.breakerEnabled(), p.breakerMultiplier(), p.budgetHorizon()), services,
        p.notifications(),
        p.stateDir(), p.warnings(), p.notificationPositions(), p.fleet());
  }

  /**
   * Returns {@code e} located in this config: when it names a JSON path under
   * {@code notifications} (as a notifier provider's error does) but no line, the copy names the
   * config's file and the line and column where that setting, or the nearest enclosing one, is
   * written. Any other exception is returned as it is; one that gathers several problems is
   * returned with each of them located.
   *
   * @param e the exception
   * @return the located exception, or {@code e}
   */
  public ConfigException locate(ConfigException e) {
    Objects.requireNonNull(e, "e");
    if (e.problems().size() > 1) {
      List<ConfigException> located = new ArrayList<>();
      for (ConfigException p : e.problems()) {
        located.add(locate(p));
      }
      return new ConfigException(located);
    }
    if (e.line() > 0 || e.path().isEmpty()) {
      return e;
    }
    String path = e.path().get();
    while (!path.isEmpty()) {
      dev.runaway.config.internal.SourcePosition at = positions.get(path);
      if (at != null && at.line() > 0) {
        return e.locatedAt(file, at.line(), at.column());
      }
      int dot = path.lastIndexOf('.');
      path = dot < 0 ? "" : path.substring(0, dot);
    }
    return e;
  }

  /**
   * Reads and validates a config file.
   *
   * @param file the file
   * @return the config
   * @throws ConfigException if the file cannot be read or is not a valid config; the message
   *     names the file, the JSON path, the line and column of every problem found, in file order
   *     ({@link ConfigException#problems()} lists them one by one)
   */
  public static MonitorConfig load(Path file) {
    return of(ConfigParser.load(file));
  }

  /**
   * Parses and validates a config given as JSON text. A relative {@code state_dir} stays relative
   * (to the working directory).
   *
   * @param json the JSON
   * @return the config
   * @throws ConfigException if it is not a valid config, naming every problem found
   */
  public static MonitorConfig parse(String json) {
    return of(ConfigParser.parse(json, null));
  }

  /**
   * Returns the config of an empty JSON object: every default (see the class comment), no
   * service, no notifier, no state folder.
   *
   * @return the defaults
   */
  public static MonitorConfig defaults() {
    return parse("{}");
  }

  /**
   * Returns the file this config was loaded from.
   *
   * @return the file, or empty for a parsed string
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * Returns {@code monitoring_interval}: how often the monitor polls.
   *
   * @return the interval
   */
  public Duration monitoringInterval() {
    return monitoringInterval;
  }

  /**
   * Returns {@code cost_thresholds} by service.
   *
   * @return the thresholds, unmodifiable
   */
  public Map<String, CostThresholds> costThresholds() {
    return costThresholds;
  }

  /**
   * Returns {@code usage_spike_multiplier}.
   *
   * @return the multiplier
   */
  public double usageSpikeMultiplier() {
    return usageSpikeMultiplier;
  }

  /**
   * Returns the {@code circuit_breaker} section.
   *
   * @return the settings
   */
  public CircuitBreakerSettings circuitBreaker() {
    return circuitBreaker;
  }

  /**
   * Returns every monitored service: those under {@code services} and those only named in
   * {@code cost_thresholds}, in file order.
   *
   * @return the services by name, unmodifiable
   */
  public Map<String, ServiceSettings> services() {
    return services;
  }

  /**
   * Returns the {@code notifications} section: notifier type to its settings.
   *
   * @return the notifiers, unmodifiable
   */
  public Map<String, Map<String, Object>> notifications() {
    return notifications;
  }

  /**
   * Returns the {@code notifications} section as located readers, one per notifier type in file
   * order: what {@link dev.runaway.alert.NotifierProvider#create(SettingsReader, SecretSource)}
   * receives, so a notifier's errors name the file, line and column of the offending setting.
   *
   * @return notifier type to the reader of {@code notifications.<type>}, unmodifiable
   */
  public Map<String, SettingsReader> notifierSettings() {
    Map<String, SettingsReader> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : notifications.entrySet()) {
      String root = "notifications." + e.getKey();
      Map<String, dev.runaway.config.internal.SourcePosition> below = new LinkedHashMap<>();
      for (Map.Entry<String, dev.runaway.config.internal.SourcePosition> p : positions.entrySet()) {
        if (p.getKey().startsWith(root + ".")) {
          below.put(p.getKey().substring(root.length() + 1), p.getValue());
        }
      }
      out.put(e.getKey(), SettingsReader.located(file, root, e.getValue() == null ? Map.of() : e.getValue(),
          positions.getOrDefault(root, dev.runaway.config.internal.SourcePosition.UNKNOWN), below, Set.of()));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns the {@code fleet} section: the Redis on which the monitor shares its breakers with the
   * applications' guards (default: none, the monitor's breakers are its own).
   *
   * @return the fleet settings, or empty
   */
  public Optional<FleetSettings> fleet() {
    return Optional.ofNullable(fleet);
  }

  /**
   * Returns {@code state_dir}, where spend and baselines are kept across restarts, resolved
   * against the config file's folder when relative.
   *
   * @return the folder, if set
   */
  public Optional<Path> stateDir() {
    return Optional.ofNullable(stateDir);
  }

  /**
   * Returns what the config allows but probably does not mean, one message per finding in the
   * errors' shape ({@code file:line:column: path: problem}); each was also logged at WARN.
   *
   * @return the warnings, unmodifiable, empty for a config without surprises
   */
  public List<String> warnings() {
    return warnings;
  }

  /** Returns the settings, naming services and notifiers but never their values, which may be credentials. */
  @Override
  public String toString() {
    return "MonitorConfig[file=" + file + ", monitoringInterval=" + monitoringInterval + ", costThresholds="
        + costThresholds + ", usageSpikeMultiplier=" + usageSpikeMultiplier + ", circuitBreaker=" + circuitBreaker
        + ", services=" + services.keySet() + ", notifications=" + notifications.keySet() + ", stateDir=" + stateDir
        + "]";
  }
}
