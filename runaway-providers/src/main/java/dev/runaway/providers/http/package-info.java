/**
 * HTTP plumbing shared by every provider: {@link dev.runaway.providers.http.ApiClient} on the
 * JDK {@link java.net.http.HttpClient} with connect and request timeouts, JSON through Jackson,
 * status codes mapped to {@link dev.runaway.monitor.PollException} kinds, {@code Retry-After} and
 * rate-limit headers read into a wait ({@link dev.runaway.providers.http.RateLimitPolicy}),
 * pagination ({@link dev.runaway.providers.http.Paginator}), {@code base_url} overrides, secrets
 * redacted from every message, and a refusal to send credentials over plain {@code http://} to a
 * host that is not loopback.
 */
package dev.runaway.providers.http;
