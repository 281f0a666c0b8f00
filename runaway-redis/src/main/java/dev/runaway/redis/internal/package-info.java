/**
 * Implementation of the Redis ledger: the connection with its availability state, the Lua
 * script's arguments and replies, and the lease-holding accounts. Not public API.
 */
package dev.runaway.redis.internal;
