package dev.fusion.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fusion.common.contract.ToolStep;
import io.vertx.core.Future;

/**
 * Function tools a {@link ToolLoop} offers a model and runs for it (Fusion's web tools). {@link #execute}
 * never fails: whatever goes wrong becomes a tool result telling the model so, and the loop goes on.
 */
public interface ToolExecutor {
  /** The OpenAI function-tool definitions offered to the model (shared: callers must not change them). */
  ArrayNode definitions();

  /** Runs one call the model made; the result's {@code content} answers it as a {@code tool} message. */
  Future<Executed> execute(String callId, String functionName, String arguments);

  /**
   * A call's result for the model, and the record of what was done; {@code unavailable} when the service
   * behind the tool failed (not the call): a loop whose calls all meet that, step after step, ends.
   */
  record Executed(String content, ToolStep step, boolean unavailable) {
    public Executed(String content, ToolStep step) {
      this(content, step, false);
    }

    /** The same result, marked as a failure of the service behind the tool. */
    public Executed asServiceFailure() {
      return new Executed(content, step, true);
    }
  }
}
