package dev.runaway.providers.http.internal;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads RFC 8288 {@code Link} headers. */
public final class LinkHeader {

  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^;,]+)*)");
  private static final Pattern REL = Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);

  private LinkHeader() {}

  /**
   * Returns the target of the {@code rel="next"} link.
   *
   * @param values the header's values
   * @return the URI, if present and valid
   */
  public static Optional<URI> next(List<String> values) {
    for (String value : values) {
      Matcher m = LINK.matcher(value);
      while (m.find()) {
        Matcher rel = REL.matcher(m.group(2));
        while (rel.find()) {
          for (String r : rel.group(1).trim().split("\\s+")) {
            if (r.equalsIgnoreCase("next")) {
              try {
                return Optional.of(URI.create(m.group(1).trim()));
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            }
          }
        }
      }
    }
    return Optional.empty();
  }
}
