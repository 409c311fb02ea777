package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.util.List;

/**
 * The one list shape of the API (OpenAI's): {@code {"object": "list", "data": [...], "first_id",
 * "last_id", "has_more"}}. {@code first_id} and {@code last_id} are the IDs of the first and last item of
 * this page (null when it is empty); the next page starts {@code after} the last one.
 */
public final class ListObjects {
  private ListObjects() {}

  /** A page of items, each already rendered with its {@code id}. */
  public static ObjectNode page(List<ObjectNode> items, boolean hasMore) {
    ObjectNode body = Json.object().put("object", "list");
    ArrayNode data = body.putArray("data");
    items.forEach(data::add);
    if (items.isEmpty()) {
      body.putNull("first_id").putNull("last_id");
    } else {
      body.put("first_id", items.get(0).path("id").asText())
          .put("last_id", items.get(items.size() - 1).path("id").asText());
    }
    return body.put("has_more", hasMore);
  }
}
