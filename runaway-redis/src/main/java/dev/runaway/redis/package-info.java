/**
 * Fleet budgets: {@link dev.runaway.redis.RedisLedger}, the budget ledger on Redis shared by
 * every instance of an application, with local leases so that guarded calls stay in-process.
 */
package dev.runaway.redis;
