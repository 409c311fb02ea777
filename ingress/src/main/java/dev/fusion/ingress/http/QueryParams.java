package dev.fusion.ingress.http;

import dev.fusion.common.JsonSize;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * The query parameters a route takes. Any other is a 400 {@code unknown_parameter}, as an unknown JSON
 * field is: a misspelt {@code limit} or {@code status} would otherwise be dropped without a word.
 */
public final class QueryParams {
  /** An unknown name is repeated in the error, bounded: it is the client's and can be anything. */
  private static final int SHOWN_BYTES = 128;

  private QueryParams() {}

  /** A handler to put before a route's own: passes on when every parameter is one of {@code names}. */
  public static Handler<RoutingContext> only(String... names) {
    Set<String> allowed = Set.of(names);
    return rc -> {
      String query = rc.request().query();
      if (query != null && !query.isEmpty()) {
        for (String name : rc.queryParams().names()) {
          if (!allowed.contains(name)) {
            throw ApiError.unknownParameter(JsonSize.fit(name, SHOWN_BYTES, "…"));
          }
        }
      }
      rc.next();
    };
  }
}
