package dev.fusion.ingress.http;

import io.vertx.ext.web.RoutingContext;

/**
 * The paging parameters every list takes: {@code limit} (an integer from 1 to the list's maximum; a 400
 * otherwise) and {@code after} (the {@code last_id} of the previous page; an ID the list does not know
 * starts from the top).
 */
public record Paging(int limit, String after) {

  public static Paging of(RoutingContext rc, int defaultLimit, int maxLimit) {
    int limit = defaultLimit;
    String raw = rc.queryParams().get("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > maxLimit) {
        throw ApiError.invalid("limit", "invalid_value", "limit must be an integer from 1 to " + maxLimit + ".");
      }
    }
    return new Paging(limit, rc.queryParams().get("after"));
  }
}
