package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guard finds a call's service by the name's identity first (the constant a caller passes
 * every time) and through its map otherwise: every name is found whichever String instance
 * carries it, names whose hash slots collide included, and an unknown name is still refused with
 * the list of services.
 */
final class ServiceLookupTest {

  @Test
  void everyServiceIsFoundByItsOwnNameWhateverStringCarriesIt() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard.Builder b = RunawayGuard.builder().ticker(ticker).alertSink(a -> { });
    List<String> names = new ArrayList<>();
    // 40 names in 256 slots: some share a slot (found through the map), most do not.
    for (int i = 0; i < 40; i++) {
      String name = "svc-" + i;
      names.add(name);
      b.service(name, s -> s.budget(Budget.hourly(Cost.usd("100"))));
    }
    // Two names of equal hash (a classic pair): one of them cannot have the slot.
    names.add("Aa");
    names.add("BB");
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
    b.service("Aa", s -> s.budget(Budget.hourly(Cost.usd("100"))));
    b.service("BB", s -> s.budget(Budget.hourly(Cost.usd("100"))));
    RunawayGuard guard = b.build();

    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Cost cost = Cost.usd("0.0" + (i % 9 + 1));
      // The instance the guard was built with, then an equal copy (a name read from a config).
      guard.call(name, cost, () -> "ok");
      guard.call(new String(name.toCharArray()), cost, () -> "ok");
      assertThat(guard.snapshot(name).windows().get(0).spent())
          .as("spend of %s", name).isEqualTo(Cost.usd("0.0" + (i % 9 + 1)).plus(cost));
    }
  }

  @Test
  void anUnknownNameIsRefusedWithTheServicesNamed() {
    RunawayGuard guard = RunawayGuard.builder().ticker(ManualTicker.create()).alertSink(a -> { })
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1")))).build();
    assertThatThrownBy(() -> guard.call("opeani", Cost.usd("0.01"), () -> "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown service 'opeani'").hasMessageContaining("openai");
    assertThatThrownBy(() -> guard.call(null, Cost.usd("0.01"), () -> "x"))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void aNameConfiguredFromReadTextIsFoundByTheCallersLiteral() {
    // A guard built from a config file or the Spring properties holds names read at run time,
    // never the literal a caller passes: the table must hold the interned name (the literal's
    // instance), or no call of such a guard is found by identity.
    String read = new String("openai-config".toCharArray());
    RunawayGuard guard = RunawayGuard.builder().ticker(ManualTicker.create()).alertSink(a -> { })
        .service(read, s -> s.budget(Budget.hourly(Cost.usd("1")))).build();
    assertThat(guard.byIdentity("openai-config")).isSameAs(guard.runtime(read));
    assertThat(guard.byIdentity(new String(read.toCharArray()))).isNull();
    assertThat(guard.runtime(new String(read.toCharArray()))).isSameAs(guard.runtime("openai-config"));
  }
}
