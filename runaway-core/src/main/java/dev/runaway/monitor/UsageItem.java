package dev.runaway.monitor;

import dev.runaway.Cost;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a {@link UsageReport}'s breakdown: a model, a SKU, a workflow, an operation class.
 *
 * @param name what the line is, such as {@code gpt-4o-mini} or {@code Actions Linux}
 * @param cost its cost
 * @param units its quantities by unit name, such as {@code tokens.input} or {@code minutes}
 */
public record UsageItem(String name, Cost cost, Map<String, Double> units) {

  /** Validates and copies the units. */
  public UsageItem {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cost, "cost");
    units = units == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(units));
  }
}
