package dev.runaway.spring.boot;

import dev.runaway.CallStats;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The actuator endpoint {@code runaway}: {@code GET /actuator/runaway} gives every service's
 * snapshot in its stable JSON form ({@link ServiceSnapshot#toMap()}) with its call counts;
 * {@code GET /actuator/runaway/{service}} adds the {@value #KEYS} largest spending keys. Expose it
 * over the web with {@code management.endpoints.web.exposure.include=runaway}.
 *
 * <p>Thread-safe.
 */
@Endpoint(id = "runaway")
public final class RunawayEndpoint {

  /** The most keys {@code /actuator/runaway/{service}} lists. */
  public static final int KEYS = 20;

  private final RunawayGuard guard;

  /**
   * Creates the endpoint.
   *
   * @param guard the guard
   */
  public RunawayEndpoint(RunawayGuard guard) {
    this.guard = guard;
  }

  /**
   * Returns every service's snapshot and call counts.
   *
   * @return {@code {"services": {name: snapshot + "calls"}}}
   */
  @ReadOperation
  public Map<String, Object> snapshots() {
    Map<String, Object> services = new LinkedHashMap<>();
    for (ServiceSnapshot s : guard.snapshots().values()) {
      services.put(s.service(), withStats(s));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("services", services);
    return out;
  }

  /**
   * Returns one service's snapshot, call counts and largest spending keys.
   *
   * @param service the service
   * @return the snapshot with {@code calls} and {@code keys}, or {@code null} (404) for an
   *     unknown service
   */
  @ReadOperation
  public Map<String, Object> service(@Selector String service) {
    if (!guard.services().contains(service)) {
      return null;
    }
    Map<String, Object> out = withStats(guard.snapshot(service));
    List<Map<String, Object>> keys = new ArrayList<>();
    for (ServiceSnapshot k : guard.keySnapshots(service, KEYS)) {
      keys.add(k.toMap());
    }
    out.put("trackedKeys", guard.trackedKeys(service));
    out.put("keys", keys);
    return out;
  }

  private Map<String, Object> withStats(ServiceSnapshot s) {
    Map<String, Object> m = s.toMap();
    CallStats c = guard.stats(s.service());
    Map<String, Object> calls = new LinkedHashMap<>();
    calls.put("admitted", c.admitted());
    calls.put("refusedBudget", c.refusedByBudget());
    calls.put("refusedBreaker", c.refusedByBreaker());
    calls.put("failed", c.failed());
    calls.put("spent", c.spent().toBigDecimal().stripTrailingZeros().toPlainString());
    m.put("calls", calls);
    return m;
  }
}
