/**
 * JMH benchmarks of the Redis budget ledger (fleet budgets): per-call cost with and without local
 * leases, against the in-memory ledger.
 */
package dev.runaway.benchmarks.redis;
