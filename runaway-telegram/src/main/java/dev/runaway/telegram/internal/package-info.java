/**
 * Implementation of the Telegram notifier: HTML formatting and splitting, the Bot API client,
 * retries, pacing and secret redaction. Not a public API; may change without notice.
 */
package dev.runaway.telegram.internal;
