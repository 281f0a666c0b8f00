/**
 * The custom REST detector ({@code "type": "rest"}): polls any JSON or JSON Lines API described in
 * the config and turns values found by JSON Pointer into units and cost. See
 * {@link dev.runaway.providers.rest.RestDetectorProvider} for the settings.
 */
package dev.runaway.providers.rest;
