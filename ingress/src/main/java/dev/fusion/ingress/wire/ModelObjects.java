package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.util.List;

/**
 * The {@code model} object of {@code GET /v1/models}, as OpenAI's: {@code id}, {@code object: "model"},
 * {@code created}, {@code owned_by}; a fusion preset also carries a {@code fusion} object naming its
 * panel, judge and synthesizer (OpenAI clients ignore it; the playground fills its pickers from it).
 */
public final class ModelObjects {
  public static final String OBJECT = "model";

  private ModelObjects() {}

  public static ObjectNode model(String id, long createdSeconds, String ownedBy) {
    return Json.object().put("id", id).put("object", OBJECT).put("created", createdSeconds).put("owned_by", ownedBy);
  }

  public static ObjectNode preset(String id, long createdSeconds, String ownedBy, String preset, List<String> panel,
      String judge, String synthesizer) {
    ObjectNode model = model(id, createdSeconds, ownedBy);
    ObjectNode fusion = model.putObject("fusion").put("preset", preset);
    panel.forEach(fusion.putArray("panel")::add);
    fusion.put("judge", judge).put("synthesizer", synthesizer);
    return model;
  }
}
