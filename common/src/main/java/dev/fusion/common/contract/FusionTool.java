package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;

/**
 * The {@code fusion} tool as the outer model sees it: a function without arguments that runs the
 * deliberation. Ingress offers it to the outer model to decide; the synthesizer shows the outer model its
 * call and result (the analysis, in the hosted tool's shape) when it writes the final answer.
 */
public final class FusionTool {
  public static final String NAME = "fusion";

  private FusionTool() {}

  /** The OpenAI function-tool definition. */
  public static ObjectNode definition() {
    ObjectNode tool = Json.object().put("type", "function");
    ObjectNode fn = tool.putObject("function").put("name", NAME).put("description",
        "Ask a panel of AI models to answer the conversation independently, have a judge compare their answers, "
            + "and get the comparison to write a better final answer. Use it for research, comparisons, expert "
            + "critique and questions where being wrong is costly; answer simple questions directly.");
    fn.putObject("parameters").put("type", "object").put("additionalProperties", false).putObject("properties");
    return tool;
  }

  /** The ID of the fusion call the final answer's conversation shows for a job. */
  public static String callId(String jobId) {
    return "call_fusion_" + jobId;
  }
}
