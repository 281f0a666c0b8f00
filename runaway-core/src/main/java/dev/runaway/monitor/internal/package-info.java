/**
 * The monitor's machinery: provider discovery, per-service polling state, cumulative report
 * accounting, the account-wide ledger and the redaction of credentials. Not a public API.
 */
package dev.runaway.monitor.internal;
