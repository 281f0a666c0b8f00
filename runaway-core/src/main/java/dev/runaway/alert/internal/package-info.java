/**
 * The asynchronous alert dispatcher and notifier discovery; not an API, may change without notice.
 */
package dev.runaway.alert.internal;
