package dev.fusion.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fusion.common.contract.ToolStep;
import io.vertx.core.Future;

/**
 * Function tools a {@link ToolLoop} offers a model and runs for it (Fusion's web tools). {@link #execute}
 * never fails: whatever goes wrong becomes a tool result telling the model so, and the loop goes on.
 */
public interface ToolExecutor {
  /** The OpenAI function-tool definitions offered to the model. */
  ArrayNode definitions();

  /** Runs one call the model made; the result's {@code content} answers it as a {@code tool} message. */
  Future<Executed> execute(String callId, String functionName, String arguments);

  /** A call's result for the model, and the record of what was done. */
  record Executed(String content, ToolStep step) {}
}
