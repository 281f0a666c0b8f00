package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.config.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class RunawayMonitorTest {

  private static final String CONFIG = "{\"monitoring_interval\": 300}";

  private final MonitorFixture fx = new MonitorFixture();

  private static PollException unavailable() {
    return new PollException(PollException.Kind.UNAVAILABLE, "HTTP 503 from the usage API", null, null);
  }

  @Test
  void pollOnce_threeDetectorsOneFailing_othersReportAndOneStatusAlertThenOneRecovery() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    FakeDetector gamma = FakeDetector.spending("gamma", "0.20");
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).detector(beta).detector(gamma).build()) {
      for (int round = 0; round < 3; round++) {
        assertThat(monitor.pollOnce()).containsOnlyKeys("alpha", "gamma");
        fx.nextInterval();
      }
      assertThat(beta.polls).hasValue(3);
      List<Alert> down = fx.alerts(AlertType.SERVICE_STATUS);
      assertThat(down).hasSize(1);
      Alert first = down.get(0);
      assertThat(first.service()).isEqualTo("beta");
      assertThat(first.severity()).isEqualTo(Severity.WARNING);
      assertThat(first.facts()).containsEntry("kind", "UNAVAILABLE").doesNotContainKey("resolved");
      assertThat(first.detail()).contains("HTTP 503 from the usage API");
      assertThat(monitor.status().get("beta").health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(monitor.status().get("beta").failures()).isEqualTo(3);

      beta.script(ctx -> FakeDetector.span("beta", ctx, "0.30", 1));
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha", "beta", "gamma");
      fx.nextInterval();
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha", "beta", "gamma");

      List<Alert> all = fx.alerts(AlertType.SERVICE_STATUS);
      assertThat(all).hasSize(2);
      Alert recovered = all.get(1);
      assertThat(recovered.service()).isEqualTo("beta");
      assertThat(recovered.severity()).isEqualTo(Severity.INFO);
      assertThat(recovered.facts()).containsEntry("resolved", "true").containsEntry("failed_polls", "3");
      assertThat(monitor.status().get("beta").health()).isEqualTo(MonitorStatus.Health.OK);
      assertThat(monitor.status().get("beta").lastError()).isNull();
    }
  }

  @Test
  void pollOnce_unauthorizedIsCriticalAndEscalatesAnEpisodeOnce() {
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(beta).build()) {
      monitor.pollOnce();
      fx.nextInterval();
      beta.script(ctx -> {
        throw new PollException(PollException.Kind.UNAUTHORIZED,
            "HTTP 401: the key was refused; check BETA_API_KEY", null, null);
      });
      monitor.pollOnce();
      fx.nextInterval();
      monitor.pollOnce();

      List<Alert> down = fx.alerts(AlertType.SERVICE_STATUS);
      assertThat(down).extracting(Alert::severity).containsExactly(Severity.WARNING, Severity.CRITICAL);
      assertThat(down.get(1).detail()).contains("BETA_API_KEY");
      assertThat(down.get(1).facts()).containsEntry("kind", "UNAUTHORIZED");
    }
  }

  @Test
  void pollOnce_retryAfterSkipsOnlyThatServiceUntilTheWaitIsOver() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw new PollException(PollException.Kind.RATE_LIMITED, "HTTP 429", Duration.ofMinutes(17), null);
    });
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).detector(beta).build()) {
      Instant start = fx.ticker.instant();
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha");
      MonitorStatus waiting = monitor.status().get("beta");
      assertThat(waiting.health()).isEqualTo(MonitorStatus.Health.RATE_LIMITED);
      assertThat(waiting.nextPollAllowed()).isEqualTo(start.plus(Duration.ofMinutes(17)));
      assertThat(waiting.lastError()).contains("HTTP 429").contains("17m");
      beta.script(ctx -> FakeDetector.span("beta", ctx, "0.30", 1));

      for (int round = 1; round <= 3; round++) { // 5, 10 and 15 minutes later
        fx.nextInterval();
        assertThat(monitor.pollOnce()).containsOnlyKeys("alpha");
      }
      assertThat(alpha.polls).hasValue(4);
      assertThat(beta.polls).hasValue(1);

      fx.nextInterval(); // 20 minutes: the wait is over
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha", "beta");
      // The poll after the wait covers everything since the first attempt.
      assertThat(beta.contexts.get(1).since()).isEqualTo(start.minus(MonitorFixture.INTERVAL));
      // One rate limit is back-pressure, not an outage.
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).isEmpty();
    }
  }

  @Test
  void pollOnce_rateLimitsInARowBecomeOneStatusAlert() {
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw new PollException(PollException.Kind.RATE_LIMITED, "HTTP 429", null, null);
    });
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(beta).build()) {
      for (int i = 0; i < 5; i++) {
        monitor.pollOnce();
        fx.nextInterval();
      }
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).singleElement()
          .satisfies(a -> assertThat(a.facts()).containsEntry("kind", "RATE_LIMITED"));
    }
  }

  @Test
  void pollOnce_selfRateLimitSpacesPollsOfAService() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha");
      assertThat(monitor.pollOnce()).isEmpty();
      fx.scheduler.advance(Duration.ofSeconds(149));
      assertThat(monitor.pollOnce()).isEmpty();
      assertThat(monitor.status().get("alpha").nextPollAllowed())
          .isEqualTo(fx.ticker.instant().plus(Duration.ofSeconds(1)));
      fx.scheduler.advance(Duration.ofSeconds(1)); // the default spacing: half the interval
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha");
      assertThat(alpha.polls).hasValue(2);
    }
  }

  @Test
  void pollOnce_configuredSpacingIsHonoured() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).minPollSpacing(Duration.ZERO).build()) {
      monitor.pollOnce();
      monitor.pollOnce();
      assertThat(alpha.polls).hasValue(2);
    }
  }

  @Test
  void poll_firstLooksBackOneIntervalThenFromTheEndOfTheLastSuccess() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      Instant t0 = fx.ticker.instant();
      monitor.pollOnce();
      fx.nextInterval();
      alpha.script(ctx -> {
        throw unavailable();
      });
      monitor.pollOnce();
      fx.nextInterval();
      alpha.script(ctx -> FakeDetector.span("alpha", ctx, "0.10", 1));
      monitor.pollOnce();

      List<PollContext> ctx = alpha.contexts;
      assertThat(ctx.get(0).since()).isEqualTo(t0.minus(MonitorFixture.INTERVAL));
      assertThat(ctx.get(0).now()).isEqualTo(t0);
      assertThat(ctx.get(0).firstPoll()).isTrue();
      assertThat(ctx.get(1).since()).isEqualTo(t0);
      assertThat(ctx.get(1).firstPoll()).isFalse();
      // After the failed poll, the next one starts where the last successful one ended.
      assertThat(ctx.get(2).since()).isEqualTo(t0);
      assertThat(ctx.get(2).now()).isEqualTo(t0.plus(Duration.ofMinutes(10)));
      assertThat(ctx.get(2).interval()).isEqualTo(MonitorFixture.INTERVAL);
    }
  }

  @Test
  void poll_afterALongOutageLooksBackOneDayAtMost() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      monitor.pollOnce();
      fx.scheduler.advance(Duration.ofDays(3));
      monitor.pollOnce();
      PollContext last = alpha.contexts.get(alpha.contexts.size() - 1);
      assertThat(Duration.between(last.since(), last.now())).isEqualTo(Duration.ofDays(1));
    }
  }

  @Test
  void start_pollsEveryIntervalUntilClosed() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build();
    monitor.start();
    fx.scheduler.runDue();
    assertThat(alpha.polls).hasValue(1);
    fx.nextInterval();
    fx.nextInterval();
    assertThat(alpha.polls).hasValue(3);
    assertThatThrownBy(monitor::start).isInstanceOf(IllegalStateException.class);

    monitor.close();
    fx.nextInterval();
    assertThat(alpha.polls).hasValue(3);
    assertThat(alpha.closed).isTrue();
    assertThat(fx.scheduler.isShutdown()).as("an injected scheduler belongs to the caller").isFalse();
    assertThatThrownBy(monitor::pollOnce).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void status_listsEveryServiceWithItsLastPoll() {
    FakeDetector alpha = FakeDetector.spending("alpha", "0.10");
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).detector(beta).build()) {
      assertThat(monitor.status().get("alpha").health()).isEqualTo(MonitorStatus.Health.PENDING);
      Instant t0 = fx.ticker.instant();
      monitor.pollOnce();
      MonitorStatus a = monitor.status().get("alpha");
      assertThat(a.type()).isEqualTo("custom");
      assertThat(a.health()).isEqualTo(MonitorStatus.Health.OK);
      assertThat(a.lastPoll()).isEqualTo(t0);
      assertThat(a.lastSuccess()).isEqualTo(t0);
      assertThat(a.lastError()).isNull();
      assertThat(a.nextPollAllowed()).isEqualTo(t0.plus(Duration.ofMinutes(2).plusSeconds(30)));
      assertThat(a.polling()).isFalse();
      assertThat(a.polls()).isEqualTo(1);
      MonitorStatus b = monitor.status().get("beta");
      assertThat(b.health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(b.lastSuccess()).isNull();
      assertThat(b.lastError()).contains("HTTP 503");
      assertThat(monitor.services()).containsExactly("alpha", "beta");
    }
  }

  @Test
  void snapshot_unknownServiceNamesTheMonitoredOnes() {
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(FakeDetector.spending("alpha", "1")).build()) {
      assertThatThrownBy(() -> monitor.snapshot("nope"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("nope")
          .hasMessageContaining("[alpha]");
    }
  }

  @ParameterizedTest(name = "type {0} among {1}, {2}")
  @CsvSource(delimiter = '|', value = {
      // Unknown: the path, the value and the known types, sorted.
      "gamma|beta|alpha|'gamma'|known types: alpha, beta",
      // Misspelt: the same, with the nearest type suggested.
      "stipe|stripe|openai|did you mean 'stripe'?|known types: openai, stripe"})
  void build_unknownTypeNamesThePathAndListsTheKnownTypes(String type, String provider1, String provider2,
      String hint, String known) {
    String json = "{\"services\": {\"billing\": {\"type\": \"" + type + "\"}}}";
    assertThatThrownBy(() -> fx.builder(json)
        .providers(List.of(FakeProvider.of(provider1, "1"), FakeProvider.of(provider2, "1"))).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.billing.type")
        .hasMessageContaining(hint)
        .hasMessageContaining(known);
  }

  @Test
  void build_withoutProvidersOnTheClassPathSaysSo() {
    String json = "{\"services\": {\"openai\": {\"type\": \"openai\"}}}";
    assertThatThrownBy(() -> fx.builder(json).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.openai.type")
        .hasMessageContaining("no DetectorProvider is on the class path");
  }

  @Test
  void build_serviceOnlyInCostThresholdsUsesTheTypeOfItsName() {
    String json = "{\"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0}}}";
    try (RunawayMonitor monitor = fx.builder(json).providers(List.of(FakeProvider.of("alpha", "0.10"))).build()) {
      assertThat(monitor.pollOnce()).containsOnlyKeys("alpha");
      assertThat(monitor.status().get("alpha").type()).isEqualTo("alpha");
    }
  }

  @Test
  void build_programmaticDetectorTakesTheConfiguredServiceAndItsBudgets() {
    String json = "{\"cost_thresholds\": {\"alpha\": {\"hourly\": 1.0}}}";
    FakeDetector mine = FakeDetector.spending("alpha", "0.25");
    try (RunawayMonitor monitor = fx.builder(json).providers(List.of()).detector(mine).build()) {
      monitor.pollOnce();
      assertThat(mine.polls).hasValue(1);
      assertThat(monitor.snapshot("alpha").windows()).singleElement()
          .satisfies(w -> assertThat(w.spent()).isEqualTo(dev.runaway.Cost.usd("0.25")));
    }
  }

  @Test
  void build_twoDetectorsForOneServiceAreRefused() {
    assertThatThrownBy(() -> fx.builder(CONFIG).detector(FakeDetector.spending("alpha", "1"))
        .detector(FakeDetector.spending("alpha", "2")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("alpha");
  }

  @Test
  void builder_settingGivenTwiceNamesTheOldValue() {
    RunawayMonitor.Builder b = RunawayMonitor.builder().pollTimeout(Duration.ofSeconds(5));
    assertThatThrownBy(() -> b.pollTimeout(Duration.ofSeconds(9)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pollTimeout")
        .hasMessageContaining("PT5S");
    assertThatThrownBy(() -> RunawayMonitor.builder().pollTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pollTimeout must be positive");
  }

  @Test
  void poll_reportUnderAnotherNameIsCountedForTheDetectorsService() {
    FakeDetector alpha = new FakeDetector("alpha", ctx -> FakeDetector.span("ALPHA", ctx, "0.50", 1));
    String json = "{\"cost_thresholds\": {\"alpha\": {\"daily\": 10.0}}}";
    try (RunawayMonitor monitor = fx.builder(json).detector(alpha).build()) {
      assertThat(monitor.pollOnce()).containsKey("alpha");
      assertThat(monitor.snapshot("alpha").windows().get(0).spent()).isEqualTo(dev.runaway.Cost.usd("0.50"));
    }
  }

  @Test
  void poll_nullReportIsAFailure() {
    FakeDetector alpha = new FakeDetector("alpha", ctx -> null);
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      assertThat(monitor.pollOnce()).isEmpty();
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).singleElement()
          .satisfies(a -> assertThat(a.facts()).containsEntry("kind", "BAD_RESPONSE"));
    }
  }

  @ParameterizedTest
  @CsvSource({"1970-01-01T00:00:00Z, more than 366 days before", "2028-01-01T00:00:00Z, after the poll's time"})
  @org.junit.jupiter.api.Timeout(20)
  void poll_reportStartingLongBeforeOrAfterThePollIsABadResponse_andTheOthersCount(String from, String why) {
    // Third-party trial: a report from 1970 held the poll for hours (spread bucket by bucket), one
    // from 2028 moved the meter's clock so that its baseline counted as learned at once.
    Instant start = Instant.parse(from);
    FakeDetector garbage = new FakeDetector("garbage", ctx -> new UsageReport("garbage", start,
        start.plusSeconds(86400), dev.runaway.Cost.usd("5"), Map.of("requests", 10.0), List.of()));
    // A month-long cumulative bucket (a billing cycle) is legitimate.
    FakeDetector cycle = new FakeDetector("cycle", ctx -> new UsageReport("cycle", ctx.now().minus(Duration.ofDays(30)),
        ctx.now(), dev.runaway.Cost.usd("30"), Map.of(), List.of()));
    String json = "{\"monitoring_interval\": 300, \"cost_thresholds\": {\"garbage\": {\"daily\": 10.0}}}";
    try (RunawayMonitor monitor = fx.builder(json).detector(garbage).detector(cycle).build()) {
      assertThat(monitor.pollOnce()).containsOnlyKeys("cycle");
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).singleElement().satisfies(a -> {
        assertThat(a.service()).isEqualTo("garbage");
        assertThat(a.facts()).containsEntry("kind", "BAD_RESPONSE");
        assertThat(a.detail()).contains("the detector reported usage from " + from, why);
      });
      assertThat(monitor.snapshot("garbage").windows().get(0).spent()).isEqualTo(dev.runaway.Cost.ZERO);
      assertThat(monitor.snapshot("garbage").baselineReady()).isFalse();
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY})
  void poll_aQuantityThatIsNoFiniteNumberIsABadResponse(double value) {
    // Third-party trial: NaN units were counted as 0, with no word.
    Map<String, Double> units = new java.util.HashMap<>();
    units.put("requests", value);
    FakeDetector garbage = new FakeDetector("garbage", ctx -> new UsageReport("garbage", ctx.since(), ctx.now(),
        dev.runaway.Cost.usd("1"), units, List.of()));
    String json = "{\"monitoring_interval\": 300, \"cost_thresholds\": {\"garbage\": {\"daily\": 10.0}}}";
    try (RunawayMonitor monitor = fx.builder(json).detector(garbage).build()) {
      assertThat(monitor.pollOnce()).isEmpty();
      assertThat(fx.alerts(AlertType.SERVICE_STATUS)).singleElement().satisfies(a -> {
        assertThat(a.facts()).containsEntry("kind", "BAD_RESPONSE");
        assertThat(a.detail()).contains("requests").contains("finite number");
      });
    }
  }

  @Test
  void alerts_reachTheNotifierThroughTheDispatcherWithoutASink() throws Exception {
    List<Alert> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    RunawayMonitor monitor = RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(CONFIG))
        .secrets(dev.runaway.config.SecretSource.of(Map.of()))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(Runnable::run)
        .notifier(delivered::add)
        .detector(beta)
        .build();
    monitor.pollOnce();
    monitor.close(); // delivers what is pending
    assertThat(delivered).extracting(Alert::type).containsExactly(AlertType.SERVICE_STATUS);
  }

  /** A monitor whose alerts go to the notifiers of the config (no sink), on the fixture's clock. */
  private RunawayMonitor withConfigNotifiers(String json, Map<String, String> secrets, Detector detector) {
    return RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(json))
        .secrets(dev.runaway.config.SecretSource.of(secrets))
        .ticker(fx.ticker)
        .scheduler(fx.scheduler)
        .executor(Runnable::run)
        .detector(detector)
        .build();
  }

  @Test
  void alerts_configNotificationsAreLoadedAndUsed() {
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    int mark = dev.runaway.testing.LogCapture.mark();
    RunawayMonitor monitor = withConfigNotifiers("{\"monitoring_interval\": 300, \"notifications\": {\"log\": {}}}",
        Map.of(), beta);
    monitor.pollOnce();
    monitor.close();
    assertThat(dev.runaway.testing.LogCapture.since(mark))
        .anySatisfy(e -> assertThat(e.message()).contains("Usage monitoring of beta is failing"));
  }

  @Test
  void alerts_aConfiguredNotifierThatFailsQuotingItsCredential_isLoggedByItsType_withTheCredentialMasked() {
    // Third-party trial: the dispatcher logged the notifier's exception as it was, so a plug-in
    // that quoted its token put it in every WARN and ERROR line of the monitor's log.
    String token = "hook-token-SENTINEL-9d8c7b6a";
    FakeDetector beta = new FakeDetector("beta", ctx -> {
      throw unavailable();
    });
    int mark = dev.runaway.testing.LogCapture.mark();
    RunawayMonitor monitor = withConfigNotifiers("{\"notifications\": {\"quoting_test\": {}}}",
        Map.of("QUOTING_TEST_TOKEN", token), beta);
    monitor.pollOnce();
    monitor.close();

    List<dev.runaway.testing.LogCapture.Event> logs = dev.runaway.testing.LogCapture.since(mark);
    String b64 = java.util.Base64.getEncoder().encodeToString(("u:" + token).getBytes(
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(logs).anySatisfy(e -> assertThat(e.fullText()).contains("quoting_test")
        .contains("IOException: hook refused token ***"));
    assertThat(logs).allSatisfy(e -> assertThat(e.fullText()).doesNotContain("SENTINEL").doesNotContain(b64));
  }

  @Test
  void build_unknownNotifierTypeFailsAndClosesTheDetectors() {
    String json = "{\"services\": {\"alpha\": {\"type\": \"alpha\"}}, \"notifications\": {\"pager\": {}}}";
    FakeDetector[] made = new FakeDetector[1];
    FakeProvider alpha = new FakeProvider("alpha", List.of(), (settings, secrets) -> {
      made[0] = FakeDetector.spending(settings.name(), "1");
      return made[0];
    });
    assertThatThrownBy(() -> RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse(json))
        .secrets(dev.runaway.config.SecretSource.of(Map.of()))
        .ticker(fx.ticker)
        .providers(List.of(alpha))
        .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("notifications.pager")
        .hasMessageContaining("log");
    assertThat(made[0].closed).isTrue();
  }

  @Test
  void build_unknownNotifierTypeInAFileNamesTheFileAndLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("monitor_config.json");
    java.nio.file.Files.writeString(file, "{\n  \"notifications\": {\n    \"pager\": {}\n  }\n}\n");
    assertThatThrownBy(() -> RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.load(file))
        .secrets(dev.runaway.config.SecretSource.of(Map.of()))
        .ticker(fx.ticker)
        .providers(List.of())
        .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file + ":3:")
        .hasMessageContaining("notifications.pager")
        .hasMessageContaining("unknown notifier type");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"requests", "runs.created", "transactions", "minutes"})
  void snapshot_callRateComesFromTheFirstCallUnitOfTheReport(String unit) {
    FakeDetector alpha = new FakeDetector("alpha", ctx -> new UsageReport("alpha", ctx.since(), ctx.now(),
        dev.runaway.Cost.usd("0.10"), Map.of(unit, 50.0, "tokens.input", 9000.0), List.of()));
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").callsPerMinute()).isEqualTo(10.0);
      assertThat(monitor.snapshot("alpha").costPerHour()).isCloseTo(1.2, org.assertj.core.data.Offset.offset(1e-9));
    }
  }

  @Test
  void snapshot_meterJudgesTheDetectionValueWhenTheBilledCostIsZero() {
    // GitHub inside the included minutes: billed $0, gross $0.10 per 5-minute poll.
    FakeDetector alpha = new FakeDetector("alpha", ctx -> new UsageReport("alpha", ctx.since(), ctx.now(),
        dev.runaway.Cost.ZERO, Map.of("minutes", 12.5, UsageReport.DETECTION_COST_UNIT, 0.10), List.of()));
    try (RunawayMonitor monitor = fx.builder(CONFIG).detector(alpha).build()) {
      monitor.pollOnce();
      // $0.10 per 5 minutes = $1.20 per hour judged by the meter; nothing spent against the budgets.
      assertThat(monitor.snapshot("alpha").costPerHour()).isCloseTo(1.2, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(monitor.snapshot("alpha").windows()).allSatisfy(w -> assertThat(w.spent().isZero()).isTrue());
      assertThat(monitor.snapshot("alpha").callsPerMinute()).isEqualTo(2.5);
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"OutOfMemoryError", "StackOverflowError",
      "NoClassDefFoundError", "InternalError"})
  void pollOnce_anErrorInOneDetectorIsThatServicesFailureAndTheOthersKeepPolling(String error) {
    FakeDetector broken = new FakeDetector("broken", ctx -> {
      switch (error) {
        case "OutOfMemoryError":
          throw new OutOfMemoryError("Java heap space");
        case "StackOverflowError":
          throw new StackOverflowError();
        case "NoClassDefFoundError":
          throw new NoClassDefFoundError("com/example/Missing");
        default:
          throw new InternalError("boom");
      }
    });
    FakeDetector healthy = FakeDetector.spending("healthy", "0.10");
    try (RunawayMonitor monitor = fx.builder("{\"monitoring_interval\": 300}")
        .detector(broken).detector(healthy).build()) {
      for (int round = 0; round < 3; round++) {
        assertThat(monitor.pollOnce()).containsOnlyKeys("healthy");
        fx.nextInterval();
      }
      assertThat(broken.polls.get()).isEqualTo(3);
      assertThat(healthy.polls.get()).isEqualTo(3);
      assertThat(monitor.status().get("broken").health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(monitor.status().get("broken").lastError()).contains(error);
    }
    assertThat(fx.alerts(AlertType.SERVICE_STATUS, "broken")).hasSize(1);
  }
}
