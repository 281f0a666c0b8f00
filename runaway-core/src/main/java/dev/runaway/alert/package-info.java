/**
 * Alerts raised by the guard and monitor, and the {@link dev.runaway.alert.Notifier} SPI that delivers them.
 */
package dev.runaway.alert;
