package dev.runaway.providers.http;

import dev.runaway.internal.Checks;
import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.monitor.PollException;
import dev.runaway.providers.http.internal.LinkHeader;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Tells {@link ApiClient#pages(ApiRequest, Paginator)} which request fetches the page after a
 * response, or that there is none.
 *
 * <p>Implementations must be stateless and thread-safe.
 */
@FunctionalInterface
public interface Paginator {

  /**
   * Returns the request for the next page.
   *
   * @param current the request that fetched {@code response}
   * @param response the page just fetched
   * @return the next request, or empty on the last page
   * @throws PollException if the response cannot be read
   */
  Optional<ApiRequest> next(ApiRequest current, ApiResponse response) throws PollException;

  /**
   * Returns a paginator for single-page endpoints.
   *
   * @return the paginator
   */
  static Paginator none() {
    return (current, response) -> Optional.empty();
  }

  /**
   * Returns a paginator for an opaque cursor in the body, such as OpenAI's
   * {@code next_page}/{@code has_more}: while the flag is true and the cursor is not null, the
   * next request repeats the current one with {@code param=<cursor>}.
   *
   * @param param the query parameter that takes the cursor, such as {@code page}
   * @param cursorPointer JSON Pointer to the cursor, such as {@code /next_page}
   * @param hasMorePointer JSON Pointer to the "more pages" flag, or {@code null} to rely on the
   *     cursor alone
   * @return the paginator
   */
  static Paginator cursor(String param, String cursorPointer, String hasMorePointer) {
    Objects.requireNonNull(param, "param");
    Objects.requireNonNull(cursorPointer, "cursorPointer");
    return (current, response) -> {
      JsonNode body = response.json();
      if (hasMorePointer != null && !body.at(hasMorePointer).asBoolean(false)) {
        return Optional.empty();
      }
      JsonNode cursor = body.at(cursorPointer);
      if (cursor.isMissingNode() || cursor.isNull() || cursor.asText().isEmpty()) {
        if (hasMorePointer != null) {
          throw response.unexpected("'" + hasMorePointer + "' is true but '" + cursorPointer + "' is empty");
        }
        return Optional.empty();
      }
      return Optional.of(current.replacingQuery(param, cursor.asText()));
    };
  }

  /**
   * Returns a paginator for Stripe-style lists: while {@code has_more} is true, the next request
   * repeats the current one with {@code starting_after=<id of the last item>}.
   *
   * @param dataPointer JSON Pointer to the array of items, such as {@code /data}
   * @return the paginator
   */
  static Paginator startingAfter(String dataPointer) {
    Objects.requireNonNull(dataPointer, "dataPointer");
    return (current, response) -> {
      JsonNode body = response.json();
      if (!body.path("has_more").asBoolean(false)) {
        return Optional.empty();
      }
      JsonNode data = body.at(dataPointer);
      if (!data.isArray() || data.size() == 0) {
        throw response.unexpected("'has_more' is true but '" + dataPointer + "' is empty");
      }
      JsonNode id = data.get(data.size() - 1).path("id");
      if (!id.isTextual()) {
        throw response.unexpected("the last item of '" + dataPointer + "' has no 'id'");
      }
      return Optional.of(current.replacingQuery("starting_after", id.asText()));
    };
  }

  /**
   * Returns a paginator that follows the {@code Link} header's {@code rel="next"} URL (GitHub,
   * RFC 8288). The client refuses a next URL on another origin than its base URL.
   *
   * @return the paginator
   */
  static Paginator linkHeader() {
    return (current, response) -> {
      Optional<URI> next = LinkHeader.next(response.headers().allValues("Link"));
      return next.map(ApiRequest::absolute);
    };
  }

  /**
   * Returns a paginator for numbered pages: while a page holds {@code pageSize} items, the next
   * request repeats the current one with {@code param} one higher.
   *
   * @param param the page-number parameter, such as {@code pageNum}
   * @param firstPage the number of the first page (usually 1)
   * @param itemsPointer JSON Pointer to the array of items, such as {@code /results}
   * @param pageSize the requested page size
   * @return the paginator
   */
  static Paginator pageNumber(String param, int firstPage, String itemsPointer, int pageSize) {
    Objects.requireNonNull(param, "param");
    Objects.requireNonNull(itemsPointer, "itemsPointer");
    Checks.atLeast(pageSize, 1, "pageSize");
    return (current, response) -> {
      JsonNode items = response.json().at(itemsPointer);
      if (!items.isArray()) {
        throw response.unexpected("no array at '" + itemsPointer + "'");
      }
      if (items.size() < pageSize) {
        return Optional.empty();
      }
      int page = current.queryValue(param).map(Integer::parseInt).orElse(firstPage);
      return Optional.of(current.replacingQuery(param, page + 1));
    };
  }
}
