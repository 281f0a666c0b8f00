/**
 * The monitor's JSON configuration and the credentials it needs.
 */
package dev.runaway.config;
