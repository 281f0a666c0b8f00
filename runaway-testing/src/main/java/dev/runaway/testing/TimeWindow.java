package dev.runaway.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Function;

/**
 * A span of time a request asked a service about.
 *
 * @param start the start (inclusive)
 * @param end the end (exclusive)
 */
public record TimeWindow(Instant start, Instant end) {

  /**
   * Returns the window at whole-second precision, as most APIs take Unix seconds.
   *
   * @param start the start
   * @param end the end
   * @return the window
   */
  public static TimeWindow seconds(Instant start, Instant end) {
    return new TimeWindow(start.truncatedTo(ChronoUnit.SECONDS), end.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * Returns the window between two Unix second values.
   *
   * @param start the start
   * @param end the end
   * @return the window
   */
  public static TimeWindow epochSeconds(long start, long end) {
    return new TimeWindow(Instant.ofEpochSecond(start), Instant.ofEpochSecond(end));
  }

  /**
   * Reads the window a request asked about from two query parameters holding ISO-8601 instants,
   * such as {@code ?from=2026-08-21T14:00:00Z&to=2026-08-21T14:05:00Z}; the usual body of
   * {@link DetectorContractTest#windowOf}.
   *
   * @param request the request
   * @param startParam the parameter holding the start
   * @param endParam the parameter holding the end
   * @return the window, or empty when the request has no {@code startParam}
   * @throws AssertionError when the request has a start but no end
   */
  public static Optional<TimeWindow> isoParams(RecordedRequest request, String startParam, String endParam) {
    return fromParams(request, startParam, endParam, Instant::parse);
  }

  /**
   * Reads the window a request asked about from two query parameters holding Unix seconds, such
   * as {@code ?start_time=1787316000&end_time=1787316300}; the usual body of
   * {@link DetectorContractTest#windowOf}.
   *
   * @param request the request
   * @param startParam the parameter holding the start
   * @param endParam the parameter holding the end
   * @return the window, or empty when the request has no {@code startParam}
   * @throws AssertionError when the request has a start but no end
   */
  public static Optional<TimeWindow> epochSecondParams(RecordedRequest request, String startParam,
      String endParam) {
    return fromParams(request, startParam, endParam, v -> Instant.ofEpochSecond(Long.parseLong(v)));
  }

  private static Optional<TimeWindow> fromParams(RecordedRequest request, String startParam, String endParam,
      Function<String, Instant> parse) {
    Optional<String> start = request.param(startParam);
    if (start.isEmpty()) {
      return Optional.empty();
    }
    String end = request.param(endParam).orElseThrow(() -> new AssertionError(
        "the request asks from " + startParam + "=" + start.get() + " but has no " + endParam + ": " + request));
    return Optional.of(new TimeWindow(parse.apply(start.get()), parse.apply(end)));
  }
}
