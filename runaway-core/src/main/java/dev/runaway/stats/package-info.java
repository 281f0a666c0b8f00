/**
 * Burn-rate statistics: per-service meters, learned seasonal baselines and the spike/runaway decision.
 */
package dev.runaway.stats;
