/**
 * The standalone monitor's command line, {@code runaway-monitor}: {@code start}, {@code check} and
 * {@code demo} ({@link dev.runaway.examples.monitor.Main}).
 */
package dev.runaway.examples.monitor;
