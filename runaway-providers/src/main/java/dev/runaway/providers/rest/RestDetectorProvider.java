package dev.runaway.providers.rest;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.providers.rest.internal.RestConfig;
import dev.runaway.providers.rest.internal.RestDetector;
import java.util.List;

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
 *     "auth": {"type": "bearer", "tokenEnv": "EXAMPLE_TOKEN"},
 *     "timeoutSeconds": 10,
 *     "successStatus": [200]
 *   },
 *   "response": {
 *     "format": "json",
 *     "recordsPointer": "/data",
 *     "timestampPointer": "/timestamp", "timestampFormat": "iso",
 *     "dimensions": {"model": "/model"},
 *     "errorPointer": "/error"
 *   },
 *   "metrics": [
 *     {"name": "requests", "valuePointer": "/count", "kind": "windowTotal", "unit": "requests",
 *      "costPerUnit": 0.0000004},
 *     {"name": "spend", "costPointer": "/cost_usd", "kind": "windowTotal"}
 *   ],
 *   "rateLimit": {"remainingHeader": "X-RateLimit-Remaining", "resetHeader": "X-RateLimit-Reset",
 *                 "resetFormat": "secondsRemaining", "retryAfterHeader": "Retry-After"},
 *   "pagination": {"type": "cursor", "pointer": "/next", "param": "cursor"}
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Placeholders in {@code url} and {@code body}: {@code {{windowStart}}}, {@code {{windowEnd}}}
 *       (ISO-8601 UTC), {@code {{windowStartEpoch}}}, {@code {{windowEndEpoch}}} (Unix seconds),
 *       {@code {{windowStartEpochMillis}}}, {@code {{windowEndEpochMillis}}}: the poll's span.
 *   <li>{@code ${NAME}} in {@code url}, {@code headers} and {@code body} is a secret read from
 *       the {@link SecretSource} when the detector is created; it is redacted from every message.
 *   <li>{@code auth.type}: {@code none}, {@code bearer} ({@code tokenEnv}), {@code basic}
 *       ({@code username} or {@code usernameEnv}, and {@code passwordEnv}), {@code apiKeyHeader}
 *       and {@code apiKeyQuery} ({@code name} of the header or parameter, {@code keyEnv}).
 *       {@code digest} and {@code oauth2ClientCredentials} are recognised but not supported yet.
 *   <li>{@code kind}: {@code windowTotal} (the value is the window's usage), {@code counter}
 *       (a cumulative value: the detector reports its growth since the last poll, zero on the
 *       first poll, and the new value after a reset), {@code gauge} (a level, reported as a unit,
 *       never as cost).
 *   <li>Cost: {@code costPerUnit} (USD per unit of the value) or {@code costPointer} (a value
 *       already in USD). A metric's unit in the report is its {@code name}.
 *   <li>{@code pagination.type}: {@code none}, {@code pageNumber} ({@code param}, {@code sizeParam},
 *       {@code size}, {@code start}), {@code cursor} ({@code pointer}, {@code param}),
 *       {@code linkHeader}.
 *   <li>{@code rateLimit.resetFormat}: {@code secondsRemaining}, {@code epochSeconds},
 *       {@code epochMillis}, {@code rfc1123}.
 *   <li>The shared settings {@code allow_insecure_http}, {@code timeout_seconds} (used when
 *       {@code request.timeoutSeconds} is absent) and {@code max_pages} apply too.
 * </ul>
 *
 * <p>Stateless and thread-safe; instantiated by {@link java.util.ServiceLoader}.
 */
public final class RestDetectorProvider implements DetectorProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RestDetectorProvider() {}

  @Override
  public String type() {
    return "rest";
  }

  @Override
  public List<String> requiredSecrets(ServiceSettings settings) {
    return RestConfig.secretNames(settings);
  }

  @Override
  public Detector create(ServiceSettings settings, SecretSource secrets) {
    return new RestDetector(RestConfig.parse(settings), settings, secrets);
  }
}
