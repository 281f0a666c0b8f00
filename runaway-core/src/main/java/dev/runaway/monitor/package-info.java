/**
 * The polling monitor and the {@link dev.runaway.monitor.Detector} SPI through which it reads services' usage APIs.
 */
package dev.runaway.monitor;
