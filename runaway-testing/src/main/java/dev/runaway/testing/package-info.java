/**
 * The test kit: {@link dev.runaway.testing.StubServer}, a scripted HTTP server on 127.0.0.1 that
 * records every request; {@link dev.runaway.testing.DetectorContractTest}, the contract every
 * detector keeps, extended by each provider's test (and by a custom detector's); and, from core's
 * test jar which this module passes on, {@code LogCapture} (every log event of the tests, through
 * an SLF4J binding for tests), {@code ManualScheduler} and {@code Race} (threads released together
 * for a concurrency test). Use it in test scope only.
 */
package dev.runaway.testing;
