package dev.runaway.testing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A request a {@link StubServer} received.
 *
 * @param method the method
 * @param path the decoded path
 * @param rawQuery the raw query, or empty
 * @param headers headers by lower-case name
 * @param body the body as UTF-8 text
 * @param bodyBytes the body as received, for binary bodies such as {@code multipart/form-data}
 */
public record RecordedRequest(String method, String path, String rawQuery, Map<String, List<String>> headers,
    String body, byte[] bodyBytes) {

  /**
   * Returns the decoded query parameters in order; names keep their brackets ({@code group_by[]}).
   *
   * @return the parameters
   */
  public Map<String, List<String>> query() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  /**
   * Returns the first value of a query parameter.
   *
   * @param name the name
   * @return the value
   */
  public Optional<String> param(String name) {
    List<String> v = query().get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /**
   * Returns every value of a query parameter.
   *
   * @param name the name
   * @return the values, empty if absent
   */
  public List<String> params(String name) {
    return query().getOrDefault(name, Collections.emptyList());
  }

  /**
   * Returns the first value of a header.
   *
   * @param name the name, any case
   * @return the value
   */
  public Optional<String> header(String name) {
    List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /**
   * Returns the decoded query text, for assertions like "contains created[gte]=...".
   *
   * @return the decoded query
   */
  public String decodedQuery() {
    return rawQuery == null ? "" : URLDecoder.decode(rawQuery, StandardCharsets.UTF_8);
  }
}
