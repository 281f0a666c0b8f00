/**
 * HTTP plumbing shared by every provider: {@link dev.runaway.providers.http.ApiClient} on the
 * JDK {@link java.net.http.HttpClient} with connect and request timeouts, JSON through Jackson,
 * status codes mapped to {@link dev.runaway.monitor.PollException} kinds, {@code Retry-After} and
 * rate-limit headers read into a wait ({@link dev.runaway.providers.http.RateLimitPolicy}),
 * pagination ({@link dev.runaway.providers.http.Paginator}), {@code base_url} overrides, secrets
 * redacted from every message, and a refusal to send credentials over plain {@code http://} to a
 * host that is not loopback (the rule Telegram's notifier follows too).
 *
 * <p>A detector of your own builds on it like the built-in ones: extend
 * {@link dev.runaway.providers.http.HttpDetector} (the service's settings with the common keys,
 * the client, the per-poll ticker, the closed check and {@code close()}) and implement only the
 * reading; register it with a {@link dev.runaway.providers.http.HttpDetectorProvider}.
 * {@code examples/custom-detector} does exactly that, and its test extends the contract kit of
 * {@code runaway-testing}. Everything under {@code http.internal} may change without notice.
 */
package dev.runaway.providers.http;
