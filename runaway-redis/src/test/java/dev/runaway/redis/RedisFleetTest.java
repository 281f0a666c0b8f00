package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.TripReason;
import dev.runaway.config.Secret;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two guards of one fleet in this JVM on a real redis-server: recovery by the poll, loops, outages. */
final class RedisFleetTest {

  private final List<Alert> alertsA = new CopyOnWriteArrayList<>();
  private final List<Alert> alertsB = new CopyOnWriteArrayList<>();
  private final List<RunawayGuard> guards = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    guards.forEach(RunawayGuard::close);
  }

  private RunawayGuard guard(RedisFleet fleet, List<Alert> sink) {
    RunawayGuard g = RunawayGuard.builder()
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000"))))
        .service("other", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000"))))
        .fleet(fleet).alertSink(sink::add).build();
    guards.add(g);
    return g;
  }

  /** A guard on the fleet, which has connected and read the fleet's keys once by the time it returns. */
  private RunawayGuard joined(RedisFleet fleet, List<Alert> sink) throws InterruptedException {
    RunawayGuard g = guard(fleet, sink);
    fleet.pollNow();
    return g;
  }

  private static List<Alert> fleetScoped(List<Alert> alerts) {
    return alerts.stream().filter(a -> "fleet".equals(a.facts().get("scope"))).toList();
  }

  /**
   * A wrong password behind a handshake that breaks off once on the client's side (as Lettuce's
   * does under load): the fleet's "Redis unreachable" alert named only "Unable to connect", or
   * the glitch; it names Redis's WRONGPASS now, never the password.
   */
  @Test
  void wrongPasswordBehindAGlitch_theAlertNamesWrongpass() throws Exception {
    try (RedisSupport.OwnServer server = new RedisSupport.OwnServer("--requirepass", "right-one");
        RedisSupport.DroppingProxy proxy = new RedisSupport.DroppingProxy(server.port, 1)) {
      RedisFleet fleet = RedisFleet.builder().port(proxy.port()).password(Secret.of("REDIS_PASSWORD", "wrong-one"))
          .keyPrefix("rf" + UUID.randomUUID().toString().substring(0, 8) + ":").instanceName("a")
          .timeout(Duration.ofSeconds(1)).build();
      guard(fleet, alertsA);
      // Real time: the fleet connects on its own thread.
      for (int i = 0; i < 500 && alertsA.isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertThat(proxy.dropped()).isEqualTo(1);
      assertThat(alertsA).first().satisfies(a -> assertThat(a.detail()).contains("WRONGPASS")
          .doesNotContain("prematurely").doesNotContain("wrong-one").doesNotContain("right-one"));
    }
  }

  @Test
  void missedMessage_thePollOpensAndClosesTheBreaker_andAFleetOpenedBreakerIsNotAnnouncedAgain() throws Exception {
    int port = RedisSupport.port();
    String prefix = "rf" + UUID.randomUUID().toString().substring(0, 8) + ":";
    // A hears nothing by pub/sub, and polls only when told: every change it sees came from the poll.
    RedisFleet fleetA = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("a").subscribe(false)
        .pollInterval(Duration.ofHours(1)).build();
    RedisFleet fleetB = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("b").build();
    RunawayGuard a = joined(fleetA, alertsA);
    RunawayGuard b = joined(fleetB, alertsB);

    b.breaker("svc").trip(TripReason.BURN_RATE, "svc burns 40x its baseline");
    fleetB.pollNow(); // B's announcement is done (its thread works in order)
    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    fleetA.pollNow();
    assertThat(a.breaker("svc").state()).isEqualTo(State.FORCED_OPEN);
    assertThat(a.breaker("other").state()).isEqualTo(State.CLOSED);
    assertThatThrownBy(() -> a.call("svc", Cost.usd("0.01"), () -> "x")).isInstanceOf(CircuitOpenException.class)
        .hasMessageContaining("Opened by the fleet");
    String episode = RedisSupport.get(port, prefix + "breaker:svc");
    assertThat(episode).contains("b: svc burns 40x its baseline");

    fleetA.pollNow();
    fleetB.pollNow();
    assertThat(RedisSupport.get(port, prefix + "breaker:svc")).as("A did not start an episode of its own")
        .isEqualTo(episode);
    assertThat(fleetScoped(alertsB)).singleElement().satisfies(al -> {
      assertThat(al.type()).isEqualTo(AlertType.CIRCUIT_BREAKER);
      assertThat(al.facts()).containsEntry("breaker", "OPEN").containsEntry("instance", "b");
      assertThat(al.detail()).contains("scope=fleet", "svc burns 40x");
    });
    assertThat(alertsA).as("A's own alert is the fleet's, sent by B").noneMatch(al -> al.type() == AlertType.CIRCUIT_BREAKER);

    b.breaker("svc").reset();
    fleetB.pollNow();
    assertThat(RedisSupport.get(port, prefix + "breaker:svc")).isNull();
    assertThat(a.breaker("svc").state()).isEqualTo(State.FORCED_OPEN); // the message was missed
    fleetA.pollNow();
    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(a.call("svc", Cost.usd("0.01"), () -> "x")).isEqualTo("x");
    assertThat(fleetScoped(alertsB)).hasSize(2).last().satisfies(al -> assertThat(al.facts()).containsEntry("resolved", "true"));
    assertThat(alertsA).noneMatch(al -> al.type() == AlertType.CIRCUIT_BREAKER);
  }

  @Test
  void aResetInTheInstanceTheFleetOpened_closesTheOriginToo() throws Exception {
    int port = RedisSupport.port();
    String prefix = "rf" + UUID.randomUUID().toString().substring(0, 8) + ":";
    RedisFleet fleetA = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("a").build();
    RedisFleet fleetB = RedisFleet.builder().port(port).keyPrefix(prefix).instanceName("b").build();
    RunawayGuard a = joined(fleetA, alertsA);
    RunawayGuard b = joined(fleetB, alertsB);
    b.breaker("svc").trip(TripReason.CALL_RATE, "a loop");
    fleetB.pollNow();
    fleetA.pollNow();
    assertThat(a.breaker("svc").state()).isEqualTo(State.FORCED_OPEN);

    a.breaker("svc").reset(); // an operator on instance A
    fleetA.pollNow();
    fleetB.pollNow();
    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(fleetScoped(alertsA)).singleElement().satisfies(al -> assertThat(al.facts()).containsEntry("resolved", "true"));
    assertThat(fleetScoped(alertsB)).singleElement().satisfies(al -> assertThat(al.facts()).containsEntry("breaker", "OPEN"));
  }

  @Test
  void redisOutage_isReportedAndSurvived_theGuardKeepsItsLocalBreakers() throws Exception {
    try (RedisSupport.OwnServer server = new RedisSupport.OwnServer()) {
      String password = "fleet-SECRET-pw";
      RedisFleet fleet = RedisFleet.builder().url(Secret.of("RUNAWAY_FLEET_REDIS_URL",
          "redis://127.0.0.1:" + server.port + "/0")).keyPrefix("out:").timeout(Duration.ofMillis(500)).build();
      RunawayGuard g = joined(fleet, alertsA);
      assertThat(fleet.isAvailable()).isTrue();

      server.kill();
      g.breaker("svc").trip(TripReason.BURN_RATE, "svc burns 40x its baseline");
      fleet.pollNow();

      assertThat(fleet.isAvailable()).isFalse();
      assertThatThrownBy(() -> g.call("svc", Cost.usd("0.01"), () -> "x")).isInstanceOf(CircuitOpenException.class);
      assertThat(g.call("other", Cost.usd("0.01"), () -> "y")).isEqualTo("y");
      assertThat(alertsA).anySatisfy(al -> {
        assertThat(al.type()).isEqualTo(AlertType.SERVICE_STATUS);
        assertThat(al.title()).contains("Redis unreachable");
      });
      assertThat(alertsA).anySatisfy(al -> {
        assertThat(al.type()).isEqualTo(AlertType.CIRCUIT_BREAKER);
        assertThat(al.facts()).containsEntry("scope", "this process");
        assertThat(al.detail()).contains("could not be told");
      });
      assertThat(alertsA.toString() + fleet).doesNotContain(password);
      g.breaker("svc").reset();
      assertThat(g.call("svc", Cost.usd("0.01"), () -> "z")).isEqualTo("z");
    }
  }

  @Test
  void builder_rejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> RedisFleet.builder().pollInterval(Duration.ZERO))
        .hasMessageContaining("pollInterval must be positive");
    assertThatThrownBy(() -> RedisFleet.builder().port(0)).hasMessageContaining("port must be from 1 to 65535");
    assertThatThrownBy(() -> RedisFleet.builder().instanceName("a b")).hasMessageContaining("instanceName");
    RedisFleet f = RedisFleet.builder().url(Secret.of("URL", "redis://:s3cretPW@127.0.0.1:6380/2")).build();
    assertThat(f.toString()).contains("127.0.0.1:6380/2").doesNotContain("s3cretPW");
  }
}
