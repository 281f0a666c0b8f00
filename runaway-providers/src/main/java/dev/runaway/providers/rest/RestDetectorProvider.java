package dev.runaway.providers.rest;

import dev.runaway.providers.http.HttpDetectorProvider;

/**
 * Polls any REST API described in the config ({@code "type": "rest"}), in the shape of
 * {@code shared/providers/custom-rest.md} §5.4:
 *
 * <pre>{@code
 * "my-ai-vendor": {
 *   "type": "rest",
 *   "request": {
 *     "method": "GET",
 *     "url": "https://api.example.com/v1/usage?start={{windowStart}}&end={{windowEnd}}",
 *     "headers": {"Accept": "application/json", "X-Team": "${EXAMPLE_TEAM}"},
 *     "body": null,
 *     "auth": {"type": "bearer", "token_env": "EXAMPLE_TOKEN"},
 *     "timeout_seconds": 10,
 *     "success_status": [200]
 *   },
 *   "response": {
 *     "format": "json",
 *     "records_pointer": "/data",
 *     "timestamp_pointer": "/timestamp", "timestamp_format": "iso",
 *     "dimensions": {"model": "/model"},
 *     "error_pointer": "/error"
 *   },
 *   "metrics": [
 *     {"name": "requests", "value_pointer": "/count", "kind": "windowTotal", "unit": "requests",
 *      "cost_per_unit": 0.0000004},
 *     {"name": "spend", "cost_pointer": "/cost_usd", "kind": "windowTotal"}
 *   ],
 *   "rate_limit": {"remaining_header": "X-RateLimit-Remaining", "reset_header": "X-RateLimit-Reset",
 *                 "reset_format": "secondsRemaining", "retry_after_header": "Retry-After"},
 *   "pagination": {"type": "cursor", "pointer": "/next", "param": "cursor"}
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Placeholders in {@code url} and {@code body}: {@code {{windowStart}}}, {@code {{windowEnd}}}
 *       (ISO-8601 UTC), {@code {{windowStartEpoch}}}, {@code {{windowEndEpoch}}} (Unix seconds),
 *       {@code {{windowStartEpochMillis}}}, {@code {{windowEndEpochMillis}}}: the poll's span.
 *   <li>{@code ${NAME}} in {@code url}, {@code headers} and {@code body} is a secret read from
 *       the {@link dev.runaway.config.SecretSource} when the detector is created; it is redacted from every message.
 *   <li>{@code auth.type}: {@code none}, {@code bearer} ({@code token_env}), {@code basic}
 *       ({@code username} or {@code username_env}, and {@code password_env}), {@code apiKeyHeader}
 *       and {@code apiKeyQuery} ({@code name} of the header or parameter, {@code key_env}).
 *       {@code digest} and {@code oauth2ClientCredentials} are recognised but not supported yet.
 *   <li>{@code kind}: {@code windowTotal} (the value is the window's usage), {@code counter}
 *       (a cumulative value: the detector reports its growth since the last poll, zero on the
 *       first poll, and the new value after a reset), {@code gauge} (a level, reported as a unit,
 *       never as cost).
 *   <li>Cost: {@code cost_per_unit} (USD per unit of the value) or {@code cost_pointer} (a value
 *       already in USD). A metric's unit in the report is its {@code name}.
 *   <li>{@code pagination.type}: {@code none}, {@code pageNumber} ({@code param}, {@code size_param},
 *       {@code size}, {@code start}), {@code cursor} ({@code pointer}, {@code param}),
 *       {@code linkHeader}.
 *   <li>{@code rate_limit.reset_format}: {@code secondsRemaining}, {@code epochSeconds},
 *       {@code epochMillis}, {@code rfc1123}.
 *   <li>The shared settings {@code allow_insecure_http}, {@code timeout_seconds} (used when
 *       {@code request.timeout_seconds} is absent) and {@code max_pages} apply too.
 * </ul>
 *
 * <p>Keys are snake_case, like every other setting. The camelCase spellings of the first releases
 * ({@code tokenEnv}, {@code recordsPointer}, {@code rateLimit}, ...) are still read, each with a
 * deprecation WARN naming where it is written; giving both spellings of one key is an error.
 * Values such as {@code windowTotal} or {@code epochSeconds} are unchanged.
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class RestDetectorProvider extends HttpDetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RestDetectorProvider() {
    super("rest", RestConfig::secretNames,
        (s, secrets) -> new RestDetector(RestConfig.parse(s), s, secrets), true);
  }
}
