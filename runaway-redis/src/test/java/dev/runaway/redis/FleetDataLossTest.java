package dev.runaway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.TripReason;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis that loses the fleet's data (restarted without persistence, flushed) is not a reset. Seen
 * in a new-user trial: after {@code shutdown nosave} and a restart, the next poll found the episode
 * key gone and closed every breaker of the fleet, the originator's own included, and the runaway
 * spent again. Only a reset through the API ends an episode; a key deleted by hand, while the
 * fleet's record of the service is there, still does.
 *
 * <p>Each test has a redis-server of its own (it flushes it), two guards with a manual clock (so
 * the originator's breaker stays OPEN, as its own judgement left it) and no subscription: every
 * change a guard sees comes from a {@code pollNow()}.
 */
final class FleetDataLossTest {

  private static final String PREFIX = "loss:";
  private static final String KEY = PREFIX + "breaker:svc";

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-05T20:00:00Z"));
  private final List<Alert> alertsA = new CopyOnWriteArrayList<>();
  private final List<Alert> alertsB = new CopyOnWriteArrayList<>();
  private RedisSupport.OwnServer server;
  private RedisClient client;
  private StatefulRedisConnection<String, String> direct;
  private RedisFleet fleetA;
  private RedisFleet fleetB;
  private RunawayGuard a;
  private RunawayGuard b;

  @BeforeEach
  void start() throws Exception {
    server = new RedisSupport.OwnServer();
    client = RedisClient.create(RedisURI.create("127.0.0.1", server.port));
    direct = client.connect();
    fleetA = RedisFleet.builder().port(server.port).keyPrefix(PREFIX).instanceName("a").subscribe(false)
        .pollInterval(Duration.ofHours(1)).build();
    fleetB = RedisFleet.builder().port(server.port).keyPrefix(PREFIX).instanceName("b").subscribe(false)
        .pollInterval(Duration.ofHours(1)).build();
    a = guard(fleetA, alertsA::add);
    b = guard(fleetB, alertsB::add);
    fleetA.pollNow();
    fleetB.pollNow();
  }

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {a, b, direct}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (server != null) {
      server.close();
    }
  }

  private RunawayGuard guard(RedisFleet fleet, Consumer<Alert> sink) {
    return RunawayGuard.builder().ticker(ticker)
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("1000"))))
        .fleet(fleet).alertSink(sink).build();
  }

  private RedisCommands<String, String> redis() {
    return direct.sync();
  }

  /** A trips its breaker (its loop used up the budget); B is steady and is forced open by the fleet. */
  private String episodeOpenedByAAndFollowedByB() throws InterruptedException {
    a.breaker("svc").trip(TripReason.BUDGET, "svc: the hourly budget is used up");
    fleetA.pollNow(); // A's announcement is done: its thread works in order
    fleetB.pollNow();
    assertThat(a.breaker("svc").state()).isEqualTo(State.OPEN);
    assertThat(b.breaker("svc").state()).isEqualTo(State.FORCED_OPEN);
    String episode = redis().get(KEY);
    assertThat(episode).startsWith("a-").contains("a: svc: the hourly budget is used up");
    return episode;
  }

  private static List<Alert> fleetScoped(List<Alert> alerts) {
    return alerts.stream().filter(al -> "fleet".equals(al.facts().get("scope"))).toList();
  }

  @Test
  void redisLosesItsData_theOpenEpisodeSurvives_andIsWrittenBack() throws Exception {
    String episode = episodeOpenedByAAndFollowedByB();

    redis().flushall(); // what a restart without persistence leaves
    fleetB.pollNow();
    fleetA.pollNow();
    fleetB.pollNow();

    assertThat(b.breaker("svc").state()).as("the follower").isEqualTo(State.FORCED_OPEN);
    assertThat(a.breaker("svc").state()).as("the originator, by its own judgement").isEqualTo(State.OPEN);
    assertThatThrownBy(() -> a.call("svc", Cost.usd("0.01"), () -> "spent")).isInstanceOf(CircuitOpenException.class);
    assertThatThrownBy(() -> b.call("svc", Cost.usd("0.01"), () -> "spent")).isInstanceOf(CircuitOpenException.class);
    assertThat(redis().get(KEY)).as("the episode, whole, written back").isEqualTo(episode);
    assertThat(redis().exists(PREFIX + "breaker-known:svc")).isEqualTo(1L);
    assertThat(fleetScoped(alertsA)).as("the episode is not new: no second 'fleet opened' alert").singleElement()
        .satisfies(al -> assertThat(al.facts()).containsEntry("breaker", "OPEN"));
    assertThat(fleetScoped(alertsB)).isEmpty();
    assertThat(alertsA).noneMatch(al -> al.type() == AlertType.SERVICE_STATUS);
    assertThat(alertsB).noneMatch(al -> al.type() == AlertType.SERVICE_STATUS);
  }

  @Test
  void redisRestartedWithoutPersistence_theFleetStaysStopped() throws Exception {
    String episode = episodeOpenedByAAndFollowedByB();

    // The trial's reproduction: redis-cli shutdown nosave, then redis-server again on its port.
    server.kill();
    server = new RedisSupport.OwnServer(server.port);
    // Bounded: the guards' connections come back within a reconnection backoff, milliseconds to
    // seconds; until then a poll fails and reports the outage, which is what it is.
    for (int i = 0; i < 200 && !(fleetA.isAvailable() && fleetB.isAvailable() && episode.equals(redis().get(KEY)));
        i++) {
      fleetB.pollNow();
      fleetA.pollNow();
      Thread.sleep(50);
    }

    assertThat(fleetA.isAvailable()).isTrue();
    assertThat(fleetB.isAvailable()).isTrue();
    assertThat(redis().get(KEY)).isEqualTo(episode);
    assertThat(b.breaker("svc").state()).isEqualTo(State.FORCED_OPEN);
    assertThat(a.breaker("svc").state()).isEqualTo(State.OPEN);
    assertThatThrownBy(() -> a.call("svc", Cost.usd("0.01"), () -> "spent")).isInstanceOf(CircuitOpenException.class);
    assertThat(fleetScoped(alertsA)).singleElement().satisfies(al -> assertThat(al.facts()).containsEntry("breaker", "OPEN"));
    assertThat(fleetScoped(alertsB)).isEmpty();
  }

  @Test
  void resetThroughTheApi_afterADataLoss_closesEveryInstance() throws Exception {
    episodeOpenedByAAndFollowedByB();
    redis().flushall();
    fleetB.pollNow();
    fleetA.pollNow();

    fleetB.reset("svc"); // what runaway-monitor resume does
    fleetB.pollNow();
    fleetA.pollNow();

    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(a.call("svc", Cost.usd("0.01"), () -> "x")).isEqualTo("x");
    assertThat(redis().get(KEY)).isNull();
    assertThat(fleetScoped(alertsB)).singleElement().satisfies(al -> assertThat(al.facts()).containsEntry("resolved", "true"));
  }

  @Test
  void resetThroughTheApi_rightAfterADataLoss_beforeAnyPoll_closesEveryInstance() throws Exception {
    episodeOpenedByAAndFollowedByB();
    redis().flushall();

    // The reset finds no key to delete: it must still end the episode, or the next poll of A or B
    // would take the missing key for a loss and write the episode back.
    b.breaker("svc").reset(); // an operator on instance B
    fleetB.pollNow();
    fleetA.pollNow();
    fleetB.pollNow();

    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(redis().get(KEY)).isNull();
    assertThat(fleetScoped(alertsB)).as("the resolution is sent, once").singleElement()
        .satisfies(al -> assertThat(al.facts()).containsEntry("resolved", "true"));
    assertThat(fleetScoped(alertsA)).hasSize(1);
  }

  @Test
  void episodeKeyDeletedByHand_whileTheFleetsRecordIsThere_closesEveryInstanceAsAReset() throws Exception {
    episodeOpenedByAAndFollowedByB();

    redis().del(KEY); // redis-cli DEL loss:breaker:svc: the documented manual way out
    fleetB.pollNow();
    fleetA.pollNow();

    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(redis().get(KEY)).isNull();
  }

  @Test
  void episodeOfAnEarlierVersion_withoutTheRecord_isStillEndedByItsDelete() throws Exception {
    // A guard of an earlier version wrote the key alone, and resets by deleting it alone.
    redis().set(KEY, "old-1-abc|old: svc: a loop");
    fleetB.pollNow();
    assertThat(b.breaker("svc").state()).isEqualTo(State.FORCED_OPEN);
    assertThat(redis().exists(PREFIX + "breaker-known:svc")).as("the record, written by the poll").isEqualTo(1L);

    redis().del(KEY);
    fleetB.pollNow();
    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(redis().get(KEY)).isNull();
  }

  @Test
  void aServiceWithoutEpisode_isNotTouchedByADataLoss_andANewTripAfterItOpensTheFleet() throws Exception {
    redis().flushall();
    fleetA.pollNow();
    fleetB.pollNow();
    assertThat(a.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(b.breaker("svc").state()).isEqualTo(State.CLOSED);
    assertThat(redis().get(KEY)).isNull();

    episodeOpenedByAAndFollowedByB();
  }
}
