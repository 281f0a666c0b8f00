/**
 * The budget ledger SPI: spend per service, key and window, with atomic reservations.
 */
package dev.runaway.ledger;
