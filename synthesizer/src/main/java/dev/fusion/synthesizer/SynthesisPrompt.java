package dev.fusion.synthesizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.fusion.common.Json;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionTool;
import dev.fusion.common.contract.PanelAnswer;

/**
 * The outer model's final call, as the reference makes it: the conversation, then the outer model's call
 * of the {@code fusion} tool and its result — the hosted tool's shape, {@code {"status": "ok", "analysis",
 * "responses", "failed_models"}} ({@code analysis} left out when the judge degraded), or
 * {@code {"status": "error", "error", "failure_reason"}} when the panel produced nothing useful. The
 * client's own tools stay on offer; the fusion tool is listed too, since a conversation that shows its
 * call must declare it, but with no other tools the model must answer in text.
 */
final class SynthesisPrompt {
  static final String SYSTEM = """
      You write the final answer to the user's last message. You consulted the fusion tool: a panel of \
      models answered independently and a judge compared their answers; its result follows your call. Treat \
      consensus as higher-confidence (weighing how many of the models asked agreed), resolve contradictions \
      explicitly, use unique insights where they are sound, and cover the blind spots. If the tool reports an \
      error, answer on your own. Answer the user directly; do not mention the panel or the judge unless asked.""";

  private SynthesisPrompt() {}

  /** The wire messages: instructions, the conversation, the fusion call and its result. */
  static ArrayNode messages(AnalysisRecord record) {
    ArrayNode messages = Json.MAPPER.createArrayNode();
    messages.addObject().put("role", "system").put("content", SYSTEM);
    for (ChatMessage m : record.job().messages()) {
      messages.addObject().put("role", m.role()).put("content", m.content());
    }
    String callId = FusionTool.callId(record.jobId());
    ObjectNode call = messages.addObject().put("role", "assistant").putNull("content");
    ObjectNode fn = call.putArray("tool_calls").addObject().put("id", callId).put("type", "function")
        .putObject("function");
    fn.put("name", FusionTool.NAME).put("arguments", "{}");
    messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", toolResult(record).toString());
    return messages;
  }

  /** The fusion tool's result for the outer model. */
  static ObjectNode toolResult(AnalysisRecord record) {
    ObjectNode result = Json.object();
    if (record.panelFailed()) {
      return result.put("status", "error").put("error", record.judgeError() == null
          ? "no panel model answered" : record.judgeError()).put("failure_reason", record.judgeFailureReason());
    }
    result.put("status", "ok");
    if (record.analysis() != null) {
      // Written as JSON text once, not built as a tree first.
      result.putRawValue("analysis", new RawValue(Json.toString(record.analysis())));
    }
    ArrayNode responses = result.putArray("responses");
    ArrayNode failed = result.putArray("failed_models");
    for (PanelAnswer a : record.answers()) {
      if (a.ok()) {
        responses.addObject().put("model", a.model()).put("content", a.content());
      } else {
        failed.addObject().put("model", a.model()).put("reason", a.failureReason());
      }
    }
    return result;
  }

  /** The tools on offer for the final answer: the client's own, and the fusion tool its conversation shows. */
  static ObjectNode extra(FusionJob job) {
    ObjectNode extra = Json.object();
    ArrayNode tools = extra.putArray("tools");
    tools.add(FusionTool.definition());
    JsonNode clientTools = job.outer() == null ? null : job.outer().tools();
    boolean offersClientTools = clientTools != null && clientTools.isArray() && !clientTools.isEmpty();
    if (offersClientTools) {
      tools.addAll((ArrayNode) clientTools);
    }
    extra.set("tool_choice", TextNode.valueOf(offersClientTools ? "auto" : "none"));
    return extra;
  }
}
