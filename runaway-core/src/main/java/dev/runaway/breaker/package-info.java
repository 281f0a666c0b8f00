/**
 * Circuit breakers that open when a service runs away, usable on their own.
 */
package dev.runaway.breaker;
