package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.util.function.Consumer;

/** Builds progress events; {@code data} is a small JSON object shaped per event type. */
public final class Events {
  private Events() {}

  public static FusionEvent of(String jobId, String type, Consumer<ObjectNode> data) {
    ObjectNode node = Json.object();
    data.accept(node);
    return new FusionEvent(FusionEvent.SCHEMA_VERSION, jobId, type, System.currentTimeMillis(), node);
  }
}
