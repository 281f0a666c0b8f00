package dev.runaway.providers.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One HTTP request to a service, relative to its {@link ApiClient}'s base URL or absolute (for
 * a pagination link). Query parameters keep their order and may repeat
 * ({@code group_by[]=model&group_by[]=batch}); names and values are URL-encoded when sent.
 *
 * <p>Immutable and thread-safe: every {@code with...} method returns a new request.
 */
public final class ApiRequest {

  private final String method;
  private final String path;
  private final URI absolute;
  private final List<Map.Entry<String, String>> query;
  private final List<Map.Entry<String, String>> headers;
  private final String body;
  private final Set<Integer> acceptedStatuses;

  private ApiRequest(String method, String path, URI absolute, List<Map.Entry<String, String>> query,
      List<Map.Entry<String, String>> headers, String body, Set<Integer> acceptedStatuses) {
    this.method = method;
    this.path = path;
    this.absolute = absolute;
    this.query = List.copyOf(query);
    this.headers = List.copyOf(headers);
    this.body = body;
    this.acceptedStatuses = Set.copyOf(acceptedStatuses);
  }

  /**
   * Returns a {@code GET} of a path below the client's base URL, such as
   * {@code /organization/usage/completions}.
   *
   * @param path the path, starting with {@code /}; may hold a query already
   * @return the request
   */
  public static ApiRequest get(String path) {
    return of("GET", path, null);
  }

  /**
   * Returns a {@code POST} of a JSON body to a path below the client's base URL.
   *
   * @param path the path, starting with {@code /}
   * @param jsonBody the body
   * @return the request
   */
  public static ApiRequest post(String path, String jsonBody) {
    return of("POST", path, Objects.requireNonNull(jsonBody, "jsonBody"));
  }

  /**
   * Returns a request of any method to a path below the client's base URL.
   *
   * @param method {@code GET}, {@code POST}, ...
   * @param path the path, starting with {@code /}, or empty for the base URL itself
   * @param body the body, or {@code null}
   * @return the request
   */
  public static ApiRequest of(String method, String path, String body) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    if (!path.isEmpty() && !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/' or be empty, got '" + path + "'");
    }
    return new ApiRequest(method, path, null, List.of(), List.of(), body, Set.of());
  }

  /**
   * Returns a {@code GET} of an absolute URI, such as a {@code Link: rel="next"} target. The
   * client sends it only if it has the same origin as its base URL.
   *
   * @param uri the absolute URI
   * @return the request
   */
  public static ApiRequest absolute(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (!uri.isAbsolute()) {
      throw new IllegalArgumentException("uri must be absolute, got " + uri);
    }
    return new ApiRequest("GET", "", uri, List.of(), List.of(), null, Set.of());
  }

  /**
   * Returns a copy with one more query parameter (names may repeat).
   *
   * @param name the name, such as {@code group_by[]}
   * @param value the value
   * @return the new request
   */
  public ApiRequest withQuery(String name, Object value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    List<Map.Entry<String, String>> q = new ArrayList<>(query);
    q.add(Map.entry(name, String.valueOf(value)));
    return new ApiRequest(method, path, absolute, q, headers, body, acceptedStatuses);
  }

  /**
   * Returns a copy in which {@code name} has exactly one value, replacing any earlier ones, as a
   * pagination cursor needs.
   *
   * @param name the name
   * @param value the value
   * @return the new request
   */
  public ApiRequest replacingQuery(String name, Object value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    List<Map.Entry<String, String>> q = new ArrayList<>();
    for (Map.Entry<String, String> e : query) {
      if (!e.getKey().equals(name)) {
        q.add(e);
      }
    }
    q.add(Map.entry(name, String.valueOf(value)));
    return new ApiRequest(method, path, absolute, q, headers, body, acceptedStatuses);
  }

  /**
   * Returns a copy with one more header for this request only.
   *
   * @param name the header name
   * @param value the value
   * @return the new request
   */
  public ApiRequest withHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    List<Map.Entry<String, String>> h = new ArrayList<>(headers);
    h.add(Map.entry(name, value));
    return new ApiRequest(method, path, absolute, query, h, body, acceptedStatuses);
  }

  /**
   * Returns a copy that treats the given statuses as success besides 2xx (e.g. a custom API
   * whose success is {@code 202}); other statuses still map to {@link dev.runaway.monitor.PollException}s.
   *
   * @param statuses the accepted statuses
   * @return the new request
   */
  public ApiRequest accepting(Set<Integer> statuses) {
    return new ApiRequest(method, path, absolute, query, headers, body, statuses);
  }

  /**
   * Returns the method.
   *
   * @return the method
   */
  public String method() {
    return method;
  }

  /**
   * Returns the path below the base URL, empty for an absolute request.
   *
   * @return the path
   */
  public String path() {
    return path;
  }

  /**
   * Returns the absolute URI of a request made with {@link #absolute(URI)}.
   *
   * @return the URI, or empty for a request relative to the base URL
   */
  public Optional<URI> absoluteUri() {
    return Optional.ofNullable(absolute);
  }

  /**
   * Returns the query parameters in order.
   *
   * @return the parameters
   */
  public List<Map.Entry<String, String>> query() {
    return query;
  }

  /**
   * Returns the first value of a query parameter.
   *
   * @param name the name
   * @return the value, if present
   */
  public Optional<String> queryValue(String name) {
    return query.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).findFirst();
  }

  /**
   * Returns this request's own headers (the client adds its default and auth headers).
   *
   * @return the headers
   */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /**
   * Returns the body.
   *
   * @return the body, or empty
   */
  public Optional<String> body() {
    return Optional.ofNullable(body);
  }

  /**
   * Returns the statuses accepted besides 2xx.
   *
   * @return the statuses
   */
  public Set<Integer> acceptedStatuses() {
    return acceptedStatuses;
  }

  /**
   * Resolves this request against a base URL. The target (base URL and path, or the absolute URI)
   * is checked before any query parameter is added, and the parameters are always encoded, so an
   * invalid target fails with a message that holds neither the target nor a parameter value (a
   * value substituted into a path, or an API key sent as a query parameter, may be a secret).
   *
   * @param base the client's base URL, without a trailing slash
   * @return the full URI
   * @throws IllegalArgumentException if the target is not a valid URI; the message gives the
   *     reason and the character's index only
   */
  public URI resolve(URI base) {
    String target = absolute != null ? absolute.toString() : base.toString() + path;
    try {
      new URI(target);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the request URL is not a valid URI: " + e.getReason() + " at index "
          + e.getIndex() + " of " + target.length() + " characters (the URL is not shown: it may hold a secret)");
    }
    if (query.isEmpty()) {
      return URI.create(target);
    }
    StringBuilder sb = new StringBuilder(target);
    char sep = target.indexOf('?') >= 0 ? '&' : '?';
    for (Map.Entry<String, String> e : query) {
      sb.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      sep = '&';
    }
    try {
      return new URI(sb.toString());
    } catch (URISyntaxException e) {
      // Unreachable for a valid target and encoded parameters; never quote the input, which holds them.
      throw new IllegalArgumentException("the request URL with its query is not a valid URI: " + e.getReason());
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Returns the method and target; query values are left out because some carry keys. */
  @Override
  public String toString() {
    return method + " " + (absolute != null ? absolute.getPath() : path);
  }
}
