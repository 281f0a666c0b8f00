/**
 * Micrometer metrics for Runaway Guard: {@link dev.runaway.micrometer.RunawayGuardMetrics} binds
 * a guard's figures, {@link dev.runaway.micrometer.RunawayMonitorMetrics} a monitor's, and
 * {@link dev.runaway.micrometer.GenAiTokenMetrics} records token usage under the OpenTelemetry
 * GenAI names.
 */
package dev.runaway.micrometer;
