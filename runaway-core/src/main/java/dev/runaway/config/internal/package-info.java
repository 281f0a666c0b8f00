/**
 * The config parser and the built-in secret sources behind {@link dev.runaway.config.MonitorConfig}
 * and {@link dev.runaway.config.SecretSource}. Not API: may change in any release.
 */
package dev.runaway.config.internal;
