package dev.runaway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ServiceSnapshot;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The stable JSON form of {@link ServiceSnapshot}; see {@link ServiceSnapshot#toMap()}. */
public final class SnapshotJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SnapshotJson() {}

  /**
   * Builds the ordered map.
   *
   * @param s the snapshot
   * @return the map
   */
  public static Map<String, Object> toMap(ServiceSnapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("service", s.service());
    m.put("key", s.key());
    m.put("time", s.time().toString());
    m.put("breakerState", s.breakerState().name());
    m.put("costPerHour", usd(s.costPerHour()));
    m.put("baselineCostPerHour", usd(s.baselineCostPerHour()));
    m.put("callsPerMinute", number(s.callsPerMinute()));
    m.put("baselineCallsPerMinute", number(s.baselineCallsPerMinute()));
    m.put("rateRatio", number(s.rateRatio()));
    m.put("baselineReady", s.baselineReady());
    m.put("projectedHour", usd(s.projectedHour()));
    m.put("projectedDay", usd(s.projectedDay()));
    Duration tte = s.timeToExhaustion();
    m.put("timeToExhaustion", tte == null ? null : tte.toString());
    m.put("timeToExhaustionSeconds", tte == null ? null : tte.getSeconds());
    List<Map<String, Object>> windows = new ArrayList<>(s.windows().size());
    for (ServiceSnapshot.WindowSnapshot w : s.windows()) {
      Budget b = w.budget();
      Map<String, Object> wm = new LinkedHashMap<>();
      wm.put("budget", b.label());
      wm.put("window", b.window().toString());
      wm.put("zone", b.zone().map(Object::toString).orElse(null));
      wm.put("limit", usd(b.limit()));
      wm.put("spent", usd(w.spent()));
      wm.put("reserved", usd(w.reserved()));
      wm.put("remaining", usd(w.remaining()));
      wm.put("fraction", number(w.fraction()));
      wm.put("retryAfter", w.retryAfter() == null ? null : w.retryAfter().toString());
      windows.add(wm);
    }
    m.put("windows", windows);
    return m;
  }

  /**
   * Writes plain values (maps, lists, strings, numbers) as compact JSON.
   *
   * @param value the value
   * @return the JSON
   */
  public static String toJson(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // Plain maps of strings and numbers always serialise; reaching this is a bug.
      throw new IllegalStateException("cannot write snapshot JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Formats dollars as a plain decimal string without trailing zeros ({@code "10"}, {@code "0.0025"}).
   *
   * @param cost the amount
   * @return the decimal string
   */
  public static String usd(Cost cost) {
    return plain(BigDecimal.valueOf(cost.nanos(), 9));
  }

  /**
   * Formats a rate in dollars as a decimal string rounded to the nano-dollar, or {@code null}
   * when it is not a finite number.
   *
   * @param usd the amount
   * @return the decimal string or {@code null}
   */
  public static String usd(double usd) {
    if (!Double.isFinite(usd)) {
      return null;
    }
    return plain(BigDecimal.valueOf(usd).setScale(9, RoundingMode.HALF_UP));
  }

  private static String plain(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }

  /** A finite double as is; NaN and infinities as {@code null}, so the JSON never holds them. */
  private static Double number(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
