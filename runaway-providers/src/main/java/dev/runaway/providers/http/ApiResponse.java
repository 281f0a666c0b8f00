package dev.runaway.providers.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.internal.Json;
import dev.runaway.providers.http.internal.Redactor;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service's answer to an {@link ApiRequest}: status, headers and body, with JSON parsing that
 * fails as {@link PollException.Kind#BAD_RESPONSE}.
 *
 * <p>Immutable apart from the cached parse; thread-safe.
 */
public final class ApiResponse {

  private static final int MESSAGE_LIMIT = 300;

  private final ApiRequest request;
  private final String target;
  private final int status;
  private final HttpHeaders headers;
  private final byte[] body;
  private final String product;
  private final Redactor redactor;
  private volatile JsonNode json;

  ApiResponse(ApiRequest request, String target, int status, HttpHeaders headers, byte[] body, String product,
      Redactor redactor) {
    this.request = request;
    this.target = target;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.product = product;
    this.redactor = redactor;
  }

  /**
   * Creates a response, for tests of {@link ResponseCheck}s and paginators.
   *
   * @param request the request
   * @param status the status
   * @param headers the headers
   * @param body the body
   * @return the response
   */
  public static ApiResponse of(ApiRequest request, int status, HttpHeaders headers, String body) {
    return new ApiResponse(request, request.toString(), status, headers, body.getBytes(StandardCharsets.UTF_8),
        "the service", Redactor.of(List.of()));
  }

  /**
   * Returns the request this answers.
   *
   * @return the request
   */
  public ApiRequest request() {
    return request;
  }

  /**
   * Returns the HTTP status.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * Returns the headers.
   *
   * @return the headers
   */
  public HttpHeaders headers() {
    return headers;
  }

  /**
   * Returns the first value of a header.
   *
   * @param name the name, any case
   * @return the value, if present
   */
  public Optional<String> header(String name) {
    return headers.firstValue(name);
  }

  /**
   * Returns the body as UTF-8 text.
   *
   * @return the body
   */
  public String body() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Parses the body as one JSON document.
   *
   * @return the document
   * @throws PollException of kind {@code BAD_RESPONSE} if the body is not JSON
   */
  public JsonNode json() throws PollException {
    JsonNode j = json;
    if (j == null) {
      if (body.length == 0) {
        throw badResponse("an empty body where JSON was expected", null);
      }
      String html = htmlPage();
      if (html != null) {
        throw badResponse(html, null);
      }
      try {
        j = Json.MAPPER.readTree(body);
      } catch (Json.NumberOutOfRangeException e) {
        throw badResponse("a JSON body with " + e.getMessage(), null);
      } catch (JsonProcessingException e) {
        // The parser's own message is a dump of its internals; the location says all a person needs.
        throw badResponse("a body that is not valid JSON (" + location(e) + ")", null);
      } catch (java.io.IOException e) {
        throw badResponse("a body that could not be read as JSON", e);
      }
      if (j == null || j.isMissingNode()) {
        throw badResponse("an empty body where JSON was expected", null);
      }
      json = j;
    }
    return j;
  }

  /**
   * Parses the body as JSON Lines: one JSON document per non-blank line. The documents are read
   * one after another straight from the bytes received, without first copying the body into a
   * string and splitting it into lines (a large export is then held once, not three times).
   *
   * @return the documents, empty for an empty body
   * @throws PollException of kind {@code BAD_RESPONSE} if a line is not JSON
   */
  public List<JsonNode> jsonLines() throws PollException {
    List<JsonNode> out = new ArrayList<>();
    if (body.length == 0) {
      return List.of();
    }
    String html = htmlPage();
    if (html != null) {
      throw badResponse(html, null);
    }
    try (MappingIterator<JsonNode> it = Json.MAPPER.readerFor(JsonNode.class).readValues(body)) {
      while (it.hasNextValue()) {
        out.add(it.nextValue());
      }
    } catch (Json.NumberOutOfRangeException e) {
      throw badResponse("a JSON Lines body with " + e.getMessage(), null);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw badResponse("a JSON Lines body whose line " + line + " is not valid JSON (" + location(e) + ")", e);
    } catch (java.io.IOException e) {
      throw badResponse("a JSON Lines body that could not be read", e);
    }
    return java.util.Collections.unmodifiableList(out);
  }

  /**
   * Returns a short, redacted message for people from an error body: {@code error.message},
   * {@code error} as text, {@code message}, {@code errors[0].message}, or the start of the body.
   *
   * @return the message, empty if the body says nothing
   */
  public String errorMessage() {
    String text = null;
    try {
      JsonNode j = Json.MAPPER.readTree(body);
      if (j != null) {
        JsonNode err = j.path("error");
        if (err.isObject() && err.path("message").isTextual()) {
          text = err.path("message").asText();
        } else if (err.isTextual()) {
          text = err.asText();
        } else if (j.path("message").isTextual()) {
          text = j.path("message").asText();
        } else if (j.path("errors").isArray() && j.path("errors").path(0).path("message").isTextual()) {
          text = j.path("errors").path(0).path("message").asText();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      text = null;
    }
    if (text == null) {
      text = body().strip();
      if (text.startsWith("<")) {
        text = "";
      }
    }
    // Cut well past the limit before redacting, so a multi-megabyte error body is not scanned whole;
    // a secret cut at this point lies beyond the final limit and is dropped with the tail.
    if (text.length() > 4 * MESSAGE_LIMIT + 1024) {
      text = text.substring(0, 4 * MESSAGE_LIMIT + 1024);
    }
    text = redactor.redact(text.replaceAll("\\s+", " "));
    return text.length() > MESSAGE_LIMIT ? text.substring(0, MESSAGE_LIMIT) + "..." : text;
  }

  /**
   * Returns a {@link PollException.Kind#BAD_RESPONSE} naming the service and the request, for a
   * body whose JSON has an unexpected shape.
   *
   * @param what what was wrong, such as {@code "no 'data' array"}; must not contain a secret
   * @return the exception, to throw
   */
  public PollException unexpected(String what) {
    return badResponse("an unexpected body: " + what, null);
  }

  private PollException badResponse(String what, Throwable cause) {
    return new PollException(PollException.Kind.BAD_RESPONSE,
        redactor.redact(product + " answered " + target + " (HTTP " + status + ") with " + what), null,
        redactor.sanitize(cause));
  }

  /**
   * Describes an HTML page (a proxy's or a login page, a wrong {@code base_url}) in words, with its
   * title; {@code null} when the body is not one.
   */
  private String htmlPage() {
    String start = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8).stripLeading();
    String lower = start.toLowerCase(java.util.Locale.ROOT);
    if (!(lower.startsWith("<!doctype html") || lower.startsWith("<html") || lower.startsWith("<head")
        || lower.startsWith("<body") || lower.startsWith("<?xml") && lower.contains("<html"))) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?is)<title[^>]*>(.*?)</title>").matcher(start);
    String title = m.find() ? m.group(1).replaceAll("\\s+", " ").strip() : "";
    if (title.length() > 80) {
      title = title.substring(0, 80) + "...";
    }
    return "an HTML page" + (title.isEmpty() ? "" : " titled \"" + title + "\"") + " where JSON was expected"
        + " (is base_url the API's address? a proxy or login page answers like this)";
  }

  private static String location(JsonProcessingException e) {
    if (e.getLocation() == null) {
      return "malformed";
    }
    return "malformed at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  String target() {
    return target;
  }

  @Override
  public String toString() {
    return "ApiResponse[" + redactor.redact(target) + " -> " + status + ", " + body.length + " bytes]";
  }

  static ApiResponse requireNonNull(ApiResponse r) {
    return Objects.requireNonNull(r, "response");
  }
}
