/**
 * Burn-rate statistics: per-service (and per-key) meters, their learned seasonal baselines and the
 * spike/runaway decision.
 *
 * <p>{@link dev.runaway.stats.BurnRateMeter} is the entry point; {@link dev.runaway.stats.DetectionSettings}
 * configures it; {@link dev.runaway.stats.MeterEvent} is what it asks its owner to do;
 * {@link dev.runaway.stats.MeterSnapshot} reads it; {@link dev.runaway.stats.BaselineState} carries
 * its learned baseline across restarts. The evidence behind the design and the evaluation protocol
 * are in {@code DETECTION.md}; measured quality is in {@code benchmarks/DETECTION-RESULTS.md}.
 */
package dev.runaway.stats;
