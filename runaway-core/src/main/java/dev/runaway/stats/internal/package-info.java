/**
 * Implementation of burn-rate detection: tail bounds and likelihood ratios, the seasonal baseline,
 * per-bucket frames of precomputed thresholds. Not API; may change without notice.
 */
package dev.runaway.stats.internal;
