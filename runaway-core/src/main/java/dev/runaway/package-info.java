/**
 * The embedded guard: wrap each paid API call in {@link dev.runaway.RunawayGuard#call}, and calls that would break a budget or run while the breaker is open fail fast.
 */
package dev.runaway;
