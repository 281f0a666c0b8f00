package dev.runaway.config.internal;

import static dev.runaway.config.internal.JsonTree.child;

import dev.runaway.Cost;
import dev.runaway.config.ConfigException;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.MonitorConfig.CostThresholds;
import dev.runaway.config.internal.JsonTree.Field;
import dev.runaway.config.internal.JsonTree.Kind;
import dev.runaway.config.internal.JsonTree.Node;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates {@code monitor_config.json}.
 *
 * <p>Every error is a {@link ConfigException} naming the file, the JSON path, the line and column,
 * what was wrong and what is allowed. Every error found is reported, in file order, in one
 * exception (see {@link ConfigException#problems()}): a section with an error is left out of the
 * rest of the check, so one mistake is not reported twice, and errors in one section never hide
 * those in another. A JSON syntax error stops the reading: it is reported alone.
 * A key set to {@code null} counts as absent. Values under {@code services.<name>} and
 * {@code notifications.<type>} may be credentials, so messages about them never quote a string.
 *
 * <p>Stateless entry points, thread-safe; each call uses its own parser instance.
 */
public final class ConfigParser {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigParser.class);

  /** The largest config file read: a bigger file is surely not a config. */
  static final long MAX_FILE_BYTES = 10L * 1024 * 1024;
  static final int MAX_INTERVAL_SECONDS = 86_400;
  static final BigDecimal MAX_THRESHOLD_USD = new BigDecimal("1000000000");

  static final List<String> ROOT_KEYS = List.of("monitoring_interval", "cost_thresholds", "usage_spike_multiplier",
      "circuit_breaker", "services", "notifications", "state_dir", "fleet");
  static final List<String> FLEET_KEYS = List.of("redis_url", "redis_url_env", "key_prefix");
  static final List<String> THRESHOLD_KEYS = List.of("hourly", "daily", "max_calls_per_minute", "max_cost_per_hour");
  static final List<String> BREAKER_KEYS = List.of("enabled", "threshold_multiplier", "budget_horizon_minutes");
  static final int MAX_HORIZON_MINUTES = 1440;
  static final BigDecimal MAX_CALLS_PER_MINUTE = new BigDecimal("1000000000");

  /** Keys of inner sections that users put at the top level by mistake. */
  private static final Map<String, String> BELONGS_ELSEWHERE = Map.of(
      "hourly", "cost_thresholds.<service>",
      "daily", "cost_thresholds.<service>",
      "enabled", "circuit_breaker",
      "threshold_multiplier", "circuit_breaker",
      "type", "services.<service>",
      "base_url", "services.<service>",
      "telegram", "notifications");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private static final String INTERVAL_RULE =
      "a whole number of seconds from 1 to " + MAX_INTERVAL_SECONDS + " (one day), such as 300";
  private static final String DOLLARS_RULE = "a positive number of dollars such as 10.0, at most "
      + MAX_THRESHOLD_USD.toPlainString() + " (leave the key out for no limit)";
  private static final String MULTIPLIER_RULE =
      "a number greater than 1, such as 3.0 (a multiple of the usual spend rate)";

  private final Path file;
  private final List<String> warnings = new ArrayList<>();
  private final List<ConfigException> problems = new ArrayList<>();
  /** Services whose entry under {@code services} has an error, left out of the config. */
  private final Set<String> brokenServices = new HashSet<>();

  /**
   * What reading a config found: the config without its broken sections, and every problem.
   *
   * @param config the config, its sections with errors left out; {@code null} when nothing could
   *     be read (a missing file, a JSON syntax error, anything but an object at the top level)
   * @param problems every problem found, in file order; empty for a valid config
   */
  public record Outcome(ParsedConfig config, List<ConfigException> problems) {

    /** Copies {@code problems}: an outcome is immutable. */
    public Outcome {
      problems = List.copyOf(problems);
    }

    /**
     * Returns the config when it is valid.
     *
     * @return the config
     * @throws ConfigException listing every problem, when there is one
     */
    public ParsedConfig orThrow() {
      if (!problems.isEmpty()) {
        throw problems.size() == 1 ? problems.get(0) : new ConfigException(problems);
      }
      return config;
    }
  }

  private ConfigParser(Path file) {
    this.file = file;
  }

  /**
   * Reads and validates a config file, which must be UTF-8 JSON.
   *
   * @param file the file
   * @return the validated config
   * @throws ConfigException if the file is missing, unreadable, a directory, or not a valid config
   */
  public static ParsedConfig load(Path file) {
    return logged(readAll(file)).orThrow();
  }

  /**
   * Reads a config file and finds every problem in it, as {@link #load} does, without throwing
   * for the problems: for a check that goes on to the providers' settings of the sections that
   * are valid.
   *
   * @param file the file
   * @return the config and its problems
   */
  public static Outcome readAll(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = read(file);
    } catch (ConfigException e) {
      return new Outcome(null, List.of(e));
    }
    return readAll(text, file);
  }

  private static String read(Path file) {
    if (Files.isDirectory(file)) {
      throw new ConfigException(file, null, 0, 0, "is a folder, not a config file: pass the JSON file itself,"
          + " such as " + file.resolve("monitor_config.json"), null);
    }
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new ConfigException(file, null, 0, 0, "is " + size + " bytes long; a config file is at most "
            + MAX_FILE_BYTES + " bytes (is this the right file?)", null);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, null, 0, 0, "no such file (looked for " + file.toAbsolutePath()
          + "): create it, starting from {} (every key is optional) or from the project's"
          + " config/monitor_config.json", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file, null, 0, 0, "cannot be read: permission denied", e);
    } catch (IOException e) {
      throw new ConfigException(file, null, 0, 0, "cannot be read: " + e, e);
    }
    return decode(bytes, file);
  }

  /**
   * Parses and validates a config given as text.
   *
   * @param json the JSON text
   * @param file the file it came from, named in errors and used to resolve {@code state_dir}, or
   *     {@code null}
   * @return the validated config
   * @throws ConfigException if it is not a valid config
   */
  public static ParsedConfig parse(String json, Path file) {
    return logged(readAll(json, file)).orThrow();
  }

  /**
   * Parses a config given as text and finds every problem in it, without throwing for them.
   *
   * @param json the JSON text
   * @param file the file it came from, or {@code null}
   * @return the config and its problems
   */
  public static Outcome readAll(String json, Path file) {
    Objects.requireNonNull(json, "json");
    String text = json.startsWith("\uFEFF") ? json.substring(1) : json;
    Node root;
    try {
      root = JsonTree.read(text);
    } catch (JsonTree.SyntaxError e) {
      return new Outcome(null, List.of(new ConfigException(file, e.path.isEmpty() ? null : e.path,
          e.position.line(), e.position.column(), e.getMessage() + SYNTAX_STOPS, null)));
    }
    if (root == null) {
      return new Outcome(null, List.of(new ConfigException(file, null, 1, 1, "the config is empty: write a JSON"
          + " object such as {} (every key is optional)", null)));
    }
    ConfigParser parser = new ConfigParser(file);
    ParsedConfig config;
    try {
      config = parser.root(root);
    } catch (ConfigException fatal) {
      return new Outcome(null, List.of(fatal));
    }
    List<ConfigException> found = new ArrayList<>(parser.problems);
    return new Outcome(config, found.isEmpty() ? List.of() : new ConfigException(found).problems());
  }

  /** Said after a JSON syntax error, which ends the reading: nothing after it was checked. */
  static final String SYNTAX_STOPS = " (the file is read no further than this: fix it, then check"
      + " again for any other problem)";

  /** Logs the warnings of a valid config, once. */
  static Outcome logged(Outcome o) {
    if (o.problems().isEmpty()) {
      for (String w : o.config().warnings()) {
        LOG.warn("Config: {}", w);
      }
    }
    return o;
  }

  /** Decodes strict UTF-8, naming the line of the first invalid byte. */
  private static String decode(byte[] bytes, Path file) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int offset = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new ConfigException(file, null, line, offset - lineStart + 1, "is not UTF-8 text (invalid byte at offset "
          + offset + "): save the file as UTF-8", null);
    }
    out.flip();
    return out.toString();
  }

  private ParsedConfig root(Node root) {
    if (!root.is(Kind.OBJECT)) {
      throw error(root, "the top level must be a JSON object {...} holding the settings (every key is optional);"
          + " got " + describe(root, false));
    }
    Duration interval = MonitorConfig.DEFAULT_INTERVAL;
    double spike = MonitorConfig.DEFAULT_SPIKE_MULTIPLIER;
    boolean breakerEnabled = MonitorConfig.DEFAULT_BREAKER_ENABLED;
    double breakerMultiplier = MonitorConfig.DEFAULT_BREAKER_MULTIPLIER;
    Node breakerMultiplierNode = null;
    Node spikeNode = null;
    Duration budgetHorizon = MonitorConfig.DEFAULT_BUDGET_HORIZON;
    Map<String, CostThresholds> thresholds = new LinkedHashMap<>();
    Map<String, SourcePosition> thresholdPositions = new LinkedHashMap<>();
    Map<String, ParsedConfig.Service> services = new LinkedHashMap<>();
    Map<String, Map<String, Object>> notifications = new LinkedHashMap<>();
    Map<String, SourcePosition> notificationPositions = new LinkedHashMap<>();
    Path stateDir = null;
    dev.runaway.config.FleetSettings fleet = null;

    for (Field f : root.fields.values()) {
      Node v = f.value();
      if (!ROOT_KEYS.contains(f.key())) {
        problems.add(unknownKey(f, v.path, ROOT_KEYS, true));
        continue;
      }
      if (v.is(Kind.NULL)) {
        continue;
      }
      try {
        switch (f.key()) {
          case "monitoring_interval":
            interval = interval(v);
            break;
          case "cost_thresholds":
            costThresholds(v, thresholds, thresholdPositions);
            break;
          case "usage_spike_multiplier":
            spike = multiplier(v);
            spikeNode = v;
            break;
          case "circuit_breaker":
            Node cb = requireObject(v, "an object such as {\"enabled\": true, \"threshold_multiplier\": 5.0}", true);
            for (Field g : cb.fields.values()) {
              Node gv = g.value();
              if (!BREAKER_KEYS.contains(g.key())) {
                problems.add(unknownKey(g, gv.path, BREAKER_KEYS, false));
                continue;
              }
              if (gv.is(Kind.NULL)) {
                continue;
              }
              try {
                if (g.key().equals("enabled")) {
                  breakerEnabled = bool(gv);
                } else if (g.key().equals("budget_horizon_minutes")) {
                  budgetHorizon = horizon(gv);
                } else {
                  breakerMultiplier = multiplier(gv);
                  breakerMultiplierNode = gv;
                }
              } catch (ConfigException e) {
                problems.add(e);
              }
            }
            break;
          case "services":
            services(v, services);
            break;
          case "notifications":
            notifications(v, notifications, notificationPositions);
            break;
          case "state_dir":
            stateDir = stateDir(v);
            // So that a problem found with the folder later (runaway-monitor check) can name the line.
            notificationPositions.put("state_dir", v.position);
            break;
          case "fleet":
            fleet = fleet(v);
            break;
          default:
            throw new AssertionError(f.key());
        }
      } catch (ConfigException e) {
        // This setting (or section) keeps its default; the others are still checked.
        problems.add(e);
      }
    }

    // DetectionSettings.build() rejects this. A config file that has it keeps loading (deprecation
    // path): the breaker multiple is raised to the spike multiple here, in the one place, and the
    // warning names the file, line and key and the fix. Earlier versions raised it silently.
    if (breakerMultiplier < spike) {
      Node at = breakerMultiplierNode != null ? breakerMultiplierNode : spikeNode != null ? spikeNode : root;
      warn(at, (breakerMultiplierNode != null ? "" : "circuit_breaker.threshold_multiplier (default) ")
          + breakerMultiplier + " is below usage_spike_multiplier " + spike
          + ": breakers would open before a usage spike is even alerted on, so " + spike + " is used instead;"
          + " set circuit_breaker.threshold_multiplier to at least " + spike + " or lower usage_spike_multiplier"
          + " to at most " + breakerMultiplier + " (deprecated: a future version will reject this config)");
      breakerMultiplier = spike;
    }

    return new ParsedConfig(file, interval, Collections.unmodifiableMap(thresholds), spike, breakerEnabled,
        breakerMultiplier, allServices(services, thresholdPositions, brokenServices),
        Collections.unmodifiableMap(notifications),
        stateDir, List.copyOf(warnings), budgetHorizon, Collections.unmodifiableMap(notificationPositions), fleet);
  }

  /** Explicit services plus those only named in cost_thresholds, in order of first appearance. */
  private static Map<String, ParsedConfig.Service> allServices(Map<String, ParsedConfig.Service> explicit,
      Map<String, SourcePosition> thresholdPositions, Set<String> broken) {
    Map<String, SourcePosition> first = new LinkedHashMap<>();
    Map<String, ParsedConfig.Service> byName = new LinkedHashMap<>(explicit);
    explicit.forEach((name, s) -> first.put(name, s.position()));
    thresholdPositions.forEach((name, pos) -> {
      if (broken.contains(name)) {
        return; // its entry under services has an error: not monitored with the type of its name
      }
      first.merge(name, pos, (a, b) -> before(a, b) ? a : b);
      byName.computeIfAbsent(name, n -> new ParsedConfig.Service(n, n, Map.of(), pos, Map.of()));
    });
    List<String> names = new ArrayList<>(byName.keySet());
    names.sort(Comparator.comparingInt((String n) -> first.get(n).line()).thenComparingInt(n -> first.get(n).column()));
    Map<String, ParsedConfig.Service> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(n, byName.get(n));
    }
    return Collections.unmodifiableMap(out);
  }

  private static boolean before(SourcePosition a, SourcePosition b) {
    return a.line() < b.line() || (a.line() == b.line() && a.column() <= b.column());
  }

  private Duration interval(Node v) {
    BigDecimal d = requireNumber(v, INTERVAL_RULE);
    if (d.stripTrailingZeros().scale() > 0 || d.compareTo(BigDecimal.ONE) < 0
        || d.compareTo(BigDecimal.valueOf(MAX_INTERVAL_SECONDS)) > 0) {
      throw error(v, "must be " + INTERVAL_RULE + "; got " + describe(v, true));
    }
    return Duration.ofSeconds(d.longValueExact());
  }

  private Cost dollars(Node v) {
    BigDecimal d = requireNumber(v, DOLLARS_RULE);
    if (d.signum() <= 0 || d.compareTo(MAX_THRESHOLD_USD) > 0) {
      throw error(v, "must be " + DOLLARS_RULE + "; got " + describe(v, true));
    }
    BigDecimal nanoRounded = d.setScale(9, RoundingMode.HALF_UP);
    if (nanoRounded.signum() == 0) {
      throw error(v, "must be at least 0.000000001 dollars (one nano-dollar); got " + describe(v, true));
    }
    return Cost.of(nanoRounded);
  }

  private Duration horizon(Node v) {
    String rule = "a number of minutes from 0 (off) to " + MAX_HORIZON_MINUTES + ", such as 10";
    BigDecimal d = requireNumber(v, rule);
    if (d.signum() < 0 || d.compareTo(BigDecimal.valueOf(MAX_HORIZON_MINUTES)) > 0) {
      throw error(v, "must be " + rule + "; got " + describe(v, true));
    }
    return Duration.ofMillis(d.multiply(BigDecimal.valueOf(60_000)).setScale(0, RoundingMode.HALF_UP).longValueExact());
  }

  private double callsPerMinute(Node v) {
    String rule = "a positive number of calls per minute such as 600, at most " + MAX_CALLS_PER_MINUTE.toPlainString();
    BigDecimal d = requireNumber(v, rule);
    if (d.signum() <= 0 || d.compareTo(MAX_CALLS_PER_MINUTE) > 0) {
      throw error(v, "must be " + rule + "; got " + describe(v, true));
    }
    return d.doubleValue();
  }

  private double multiplier(Node v) {
    BigDecimal d = requireNumber(v, MULTIPLIER_RULE);
    double x = d.doubleValue();
    if (!Double.isFinite(x) || !(x > 1.0)) {
      throw error(v, "must be " + MULTIPLIER_RULE + "; got " + describe(v, true));
    }
    return x;
  }

  private boolean bool(Node v) {
    if (!v.is(Kind.BOOLEAN)) {
      throw error(v, "must be true or false; got " + describe(v, true) + hint(v));
    }
    return v.bool;
  }

  private void costThresholds(Node v, Map<String, CostThresholds> out, Map<String, SourcePosition> positions) {
    Node obj = requireObject(v, "an object that maps each service's name to its limits, such as"
        + " {\"openai\": {\"hourly\": 10.0, \"daily\": 100.0}}", true);
    for (Field f : obj.fields.values()) {
      Node limits = f.value();
      try {
        checkName(f, "service", "openai or github_actions");
        if (limits.is(Kind.NULL)) {
          continue;
        }
        requireObject(limits, "an object of limits in dollars, such as {\"hourly\": 10.0, \"daily\": 100.0}", true);
      } catch (ConfigException e) {
        problems.add(e);
        continue;
      }
      Cost hourly = null;
      Cost daily = null;
      double maxCalls = 0;
      Cost maxCost = null;
      for (Field g : limits.fields.values()) {
        Node gv = g.value();
        if (!THRESHOLD_KEYS.contains(g.key())) {
          problems.add(unknownKey(g, gv.path, THRESHOLD_KEYS, false));
          continue;
        }
        if (gv.is(Kind.NULL)) {
          continue;
        }
        try {
          switch (g.key()) {
            case "hourly":
              hourly = dollars(gv);
              break;
            case "daily":
              daily = dollars(gv);
              break;
            case "max_calls_per_minute":
              maxCalls = callsPerMinute(gv);
              break;
            default:
              maxCost = dollars(gv);
              break;
          }
        } catch (ConfigException e) {
          // The service keeps its other limits, so its settings under services are still checked.
          problems.add(e);
        }
      }
      if (hourly != null && daily != null && hourly.compareTo(daily) > 0) {
        warn(limits, "the hourly limit " + hourly + " is above the daily limit " + daily
            + ", so the daily limit binds first");
      }
      out.put(f.key(), new CostThresholds(hourly, daily, maxCalls, maxCost));
      positions.put(f.key(), f.keyPosition());
    }
  }

  private void services(Node v, Map<String, ParsedConfig.Service> out) {
    Node obj = requireObject(v, "an object that maps each service's name to its settings, such as"
        + " {\"openai\": {\"type\": \"openai\"}}", true);
    for (Field f : obj.fields.values()) {
      try {
        service(f, out);
      } catch (ConfigException e) {
        problems.add(e);
        brokenServices.add(f.key());
      }
    }
  }

  /**
   * One service's entry; an error in any of its keys leaves the service out, so its provider does
   * not report a second error about the same mistake.
   */
  private void service(Field f, Map<String, ParsedConfig.Service> out) {
    checkName(f, "service", "openai or github_actions");
    Node s = f.value();
    if (s.is(Kind.NULL)) {
      return;
    }
    requireObject(s, "an object of the service's settings, such as {\"type\": \"openai\"} or {} for the"
        + " defaults", false);
    String type = f.key();
    int before = problems.size();
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, SourcePosition> keyPositions = new LinkedHashMap<>();
    for (Field g : s.fields.values()) {
      Node gv = g.value();
      keyPositions.put(g.key(), g.keyPosition());
      if (gv.is(Kind.NULL)) {
        continue;
      }
      try {
        if (g.key().equals("type")) {
          if (!gv.is(Kind.STRING) || !NAME.matcher(gv.text).matches()) {
            throw error(gv, "must be a detector type: a string of letters, digits, '_', '.' and '-' such as"
                + " \"openai\", \"github_actions\" or \"rest\" (the service's name when left out); got "
                + describe(gv, false));
          }
          type = gv.text;
        } else if (g.key().equals("base_url")) {
          checkUrl(gv);
          values.put(g.key(), gv.text);
        } else {
          values.put(g.key(), freeForm(gv));
        }
      } catch (ConfigException e) {
        problems.add(e);
      }
    }
    if (problems.size() > before) {
      brokenServices.add(f.key());
      return;
    }
    out.put(f.key(), new ParsedConfig.Service(f.key(), type, Collections.unmodifiableMap(values), f.keyPosition(),
        Collections.unmodifiableMap(keyPositions)));
  }

  private void checkUrl(Node v) {
    String rule = "must be an absolute http or https URL such as \"https://api.example.com\"";
    if (!v.is(Kind.STRING)) {
      throw error(v, rule + "; got " + describe(v, false));
    }
    URI uri;
    try {
      uri = new URI(v.text);
    } catch (URISyntaxException e) {
      // Never e.getMessage(): it quotes the URL, which may carry a credential.
      throw error(v, rule + "; got a string that is not a valid URL (" + e.getReason() + " at index " + e.getIndex()
          + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw error(v, rule + "; got a string that is not one (it needs http:// or https:// and a host name)");
    }
  }

  private void notifications(Node v, Map<String, Map<String, Object>> out, Map<String, SourcePosition> positions) {
    Node obj = requireObject(v, "an object that maps each notifier's type to its settings, such as"
        + " {\"telegram\": {}}", true);
    for (Field f : obj.fields.values()) {
      try {
        notifier(f, out, positions);
      } catch (ConfigException e) {
        problems.add(e);
      }
    }
  }

  private void notifier(Field f, Map<String, Map<String, Object>> out, Map<String, SourcePosition> positions) {
    checkName(f, "notifier type", "telegram");
    Node s = f.value();
    String path = "notifications." + f.key();
    positions.put(path, f.keyPosition());
    if (s.is(Kind.OBJECT)) {
      for (Field setting : s.fields.values()) {
        positions.put(path + "." + setting.key(), setting.value().position);
      }
    }
    if (s.is(Kind.NULL)) {
      return;
    }
    requireObject(s, "an object of the notifier's settings, such as {} for its defaults", false);
    @SuppressWarnings("unchecked")
    Map<String, Object> settings = (Map<String, Object>) freeForm(s);
    out.put(f.key(), settings);
  }

  /** The {@code fleet} section: exactly one of redis_url (no password in the file) and redis_url_env. */
  private dev.runaway.config.FleetSettings fleet(Node v) {
    Node fl = requireObject(v, "an object such as {\"redis_url\": \"redis://127.0.0.1:6379/0\"} or"
        + " {\"redis_url_env\": \"RUNAWAY_FLEET_REDIS_URL\"}", false);
    String url = null;
    String env = null;
    String prefix = dev.runaway.config.FleetSettings.DEFAULT_KEY_PREFIX;
    boolean misspelt = false;
    for (Field g : fl.fields.values()) {
      Node gv = g.value();
      if (!FLEET_KEYS.contains(g.key())) {
        problems.add(unknownKey(g, gv.path, FLEET_KEYS, false));
        misspelt = true;
        continue;
      }
      if (gv.is(Kind.NULL)) {
        continue;
      }
      if (!gv.is(Kind.STRING) || gv.text.isBlank()) {
        throw error(gv, "must be a non-blank string");
      }
      switch (g.key()) {
        case "redis_url":
          if (!gv.text.startsWith("redis://") && !gv.text.startsWith("rediss://")) {
            throw error(gv, "must be a URL like redis://host:6379/0 (rediss:// for TLS)");
          }
          int at = gv.text.indexOf('@');
          if (at > 0 && gv.text.substring(0, at).indexOf(':', "rediss://".length() - 1) >= 0) {
            // Never repeat the value: it holds a password.
            throw error(gv, "holds a password; a config file is no place for it: put the URL in an environment"
                + " variable (or .env) and name it in fleet.redis_url_env instead");
          }
          url = gv.text;
          break;
        case "redis_url_env":
          if (!NAME.matcher(gv.text).matches()) {
            throw error(gv, "must be an environment variable name such as RUNAWAY_FLEET_REDIS_URL");
          }
          env = gv.text;
          break;
        default:
          prefix = gv.text;
      }
    }
    if ((url == null) == (env == null)) {
      if (misspelt && url == null && env == null) {
        // "redis_ur": the unknown key's error says it; "needs exactly one" would be a second error
        // about the same mistake, and the first in file order.
        return null;
      }
      throw error(fl, "needs exactly one of redis_url and redis_url_env");
    }
    return new dev.runaway.config.FleetSettings(url, env, prefix);
  }

  private Path stateDir(Node v) {
    String rule = "must be a folder as a string, such as \"state\" (a relative path is resolved against the"
        + " config file's folder)";
    if (!v.is(Kind.STRING)) {
      throw error(v, rule + "; got " + describe(v, true));
    }
    if (v.text.isBlank()) {
      throw error(v, rule + "; got an empty string (leave the key out for no state folder)");
    }
    Path p;
    try {
      p = Path.of(v.text);
    } catch (InvalidPathException e) {
      throw error(v, rule + "; got a path this system cannot use (" + e.getReason() + ")");
    }
    if (!p.isAbsolute() && file != null) {
      Path folder = file.toAbsolutePath().getParent();
      if (folder != null) {
        p = folder.resolve(p);
      }
    }
    return p.normalize();
  }

  /** Converts a provider-specific value to String, Long, Double, Boolean, List or Map; null for JSON null. */
  private Object freeForm(Node v) {
    switch (v.kind) {
      case STRING:
        return v.text;
      case BOOLEAN:
        return v.bool;
      case NULL:
        return null;
      case NUMBER: {
        BigDecimal d = bounded(v, MAX_FREE_FORM_EXPONENT, null);
        if (v.integral) {
          try {
            return d.longValueExact();
          } catch (ArithmeticException tooBig) {
            // falls through to a double
          }
        }
        double x = d.doubleValue();
        if (!Double.isFinite(x)) {
          throw error(v, "must be a finite number (within about 1.8e308); got " + describe(v, true));
        }
        return x;
      }
      case ARRAY: {
        List<Object> list = new ArrayList<>(v.elements.size());
        for (Node e : v.elements) {
          Object o = freeForm(e);
          if (o == null) {
            throw error(e, "null is not allowed in a list: remove it");
          }
          list.add(o);
        }
        return Collections.unmodifiableList(list);
      }
      case OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Field f : v.fields.values()) {
          Object o = freeForm(f.value());
          if (o != null) {
            map.put(f.key(), o);
          }
        }
        return Collections.unmodifiableMap(map);
      }
      default:
        throw new AssertionError(v.kind);
    }
  }

  private void checkName(Field f, String what, String examples) {
    if (!NAME.matcher(f.key()).matches()) {
      String shown = f.key().isEmpty() ? "an empty name" : "'" + printable(f.key()) + "'";
      throw new ConfigException(file, f.value().path, f.keyPosition().line(), f.keyPosition().column(),
          shown + " is not a valid " + what + " name: use letters, digits, '_', '.' and '-', such as " + examples,
          null);
    }
  }

  private BigDecimal requireNumber(Node v, String rule) {
    if (!v.is(Kind.NUMBER)) {
      throw error(v, "must be " + rule + "; got " + describe(v, true) + hint(v));
    }
    return bounded(v, MAX_SETTING_EXPONENT, rule);
  }

  /** The largest decimal exponent (either sign) of a top-level setting such as a threshold. */
  static final int MAX_SETTING_EXPONENT = 30;
  /** The largest decimal exponent (either sign) of a number in free-form settings: a double's range. */
  static final int MAX_FREE_FORM_EXPONENT = 308;

  /**
   * The number's value, refused (naming file and line) when its exponent is beyond
   * {@code maxExponent} either way. Checked before any arithmetic: rounding {@code 1e-500000000}
   * to nano-dollars computes a 500-million-digit power of ten and took minutes.
   */
  private BigDecimal bounded(Node v, int maxExponent, String rule) {
    BigDecimal d = v.decimal();
    if (d.signum() == 0) {
      return BigDecimal.ZERO;
    }
    long exponent = (long) d.precision() - d.scale() - 1;
    if (exponent > maxExponent || exponent < -maxExponent) {
      throw error(v, (rule != null ? "must be " + rule + "; got " + describe(v, true) + ", which is out of range"
          : "is out of range; got " + describe(v, true)) + " (a number here must be 0 or lie between 1e-"
          + maxExponent + " and 1e" + maxExponent + " in magnitude)");
    }
    return d;
  }

  private Node requireObject(Node v, String rule, boolean mayQuote) {
    if (!v.is(Kind.OBJECT)) {
      throw error(v, "must be " + rule + "; got " + describe(v, mayQuote));
    }
    return v;
  }

  private ConfigException unknownKey(Field f, String path, List<String> allowed, boolean topLevel) {
    StringBuilder sb = new StringBuilder("unknown key ");
    sb.append(f.key().isEmpty() ? "(an empty key)" : "'" + printable(f.key()) + "'");
    List<String> suggestion = DidYouMean.suggestAll(f.key(), allowed);
    if (!suggestion.isEmpty()) {
      sb.append("; did you mean ").append(DidYouMean.either(suggestion, "'")).append('?');
    } else if (topLevel && BELONGS_ELSEWHERE.containsKey(f.key())) {
      sb.append("; it belongs inside ").append(BELONGS_ELSEWHERE.get(f.key())).append('.');
    } else {
      sb.append('.');
    }
    sb.append(" Allowed keys here: ").append(String.join(", ", allowed));
    return new ConfigException(file, path, f.keyPosition().line(), f.keyPosition().column(), sb.toString(), null);
  }

  private ConfigException error(Node v, String problem) {
    return new ConfigException(file, v.path.isEmpty() ? null : v.path, v.position.line(), v.position.column(),
        problem, null);
  }

  private void warn(Node v, String problem) {
    // Same "file:line:column: path: problem" shape as the errors.
    warnings.add(error(v, problem).getMessage());
  }

  /** Describes a value; strings are quoted only where they cannot be a credential. */
  private static String describe(Node v, boolean mayQuote) {
    switch (v.kind) {
      case STRING:
        return mayQuote ? "the string \"" + printable(v.text) + "\"" : "a string";
      case NUMBER:
        return "the number " + printable(v.text);
      case BOOLEAN:
        return String.valueOf(v.bool);
      default:
        return v.kind.article;
    }
  }

  /** Suggests dropping the quotes around a number or boolean written as a string. */
  private static String hint(Node v) {
    if (!v.is(Kind.STRING)) {
      return "";
    }
    String t = v.text.strip();
    if (t.equals("true") || t.equals("false")) {
      return " (write true or false without quotes)";
    }
    try {
      new BigDecimal(t);
      return " (write the number without quotes)";
    } catch (NumberFormatException notANumber) {
      return "";
    }
  }

  /** Shortens text and replaces control characters, for quoting in a message. */
  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    int limit = 40;
    for (int i = 0; i < s.length() && i < limit; i++) {
      char c = s.charAt(i);
      sb.append(Character.isISOControl(c) ? '?' : c);
    }
    if (s.length() > limit) {
      sb.append("...");
    }
    return sb.toString();
  }
}
