package dev.runaway.spring.boot;

import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.breaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports the guard in the actuator's health: per service its breaker state and how much of
 * each budget is used; the services whose breaker is open under {@code openBreakers}. The status
 * stays UP while breakers are open (refusing paid calls is the guard working, not the
 * application failing), unless {@code runaway.health.down-when-open=true}, then it is DOWN.
 *
 * <p>Thread-safe.
 */
public final class RunawayHealthIndicator implements HealthIndicator {

  private final RunawayGuard guard;
  private final boolean downWhenOpen;

  /**
   * Creates the indicator.
   *
   * @param guard the guard
   * @param downWhenOpen whether an open breaker makes the status DOWN
   */
  public RunawayHealthIndicator(RunawayGuard guard, boolean downWhenOpen) {
    this.guard = guard;
    this.downWhenOpen = downWhenOpen;
  }

  @Override
  public Health health() {
    List<String> open = new ArrayList<>();
    Map<String, Object> services = new LinkedHashMap<>();
    for (ServiceSnapshot s : guard.snapshots().values()) {
      CircuitBreaker.State state = s.breakerState();
      if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
        open.add(s.service());
      }
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("breaker", state.name());
      Map<String, Object> budgets = new LinkedHashMap<>();
      for (ServiceSnapshot.WindowSnapshot w : s.windows()) {
        budgets.put(w.budget().label(), w.spent().toBigDecimal().toPlainString() + " of "
            + w.budget().limit().toBigDecimal().toPlainString() + " USD");
      }
      detail.put("budgets", budgets);
      services.put(s.service(), detail);
    }
    Health.Builder b = open.isEmpty() || !downWhenOpen ? Health.up() : Health.down();
    return b.withDetail("openBreakers", open).withDetail("services", services).build();
  }
}
