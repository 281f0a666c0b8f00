/**
 * The circuit breaker's implementation; not an API, may change without notice.
 */
package dev.runaway.breaker.internal;
