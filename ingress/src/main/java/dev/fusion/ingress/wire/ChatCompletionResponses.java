package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Usage;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ToolCall;
import java.util.List;

/**
 * The wire shapes of {@code /v1/chat/completions}: OpenAI {@code chat.completion} and
 * {@code chat.completion.chunk} objects, plus Fusion's additions ({@code router}, {@code fusion}).
 * Extra fields are ones the OpenAI SDKs ignore, so their parsers accept every object here.
 */
public final class ChatCompletionResponses {
  private ChatCompletionResponses() {}

  public static String completionId(String jobId) {
    return "chatcmpl-" + jobId;
  }

  /**
   * The final answer of a finished deliberation as a {@code chat.completion}: the one shape of a result
   * as a completion, the same for {@code POST /v1/chat/completions} and a batch's output lines. Its
   * {@code created} is the job's acceptance (when the request was made), its {@code id} derives from
   * the job ID.
   */
  public static ObjectNode fromResult(FusionResult result) {
    List<ToolCall> calls = toolCalls(result);
    ObjectNode message = Json.object().put("role", "assistant");
    if (!calls.isEmpty() && (result.answer() == null || result.answer().isEmpty())) {
      message.putNull("content");
    } else {
      message.put("content", result.answer());
    }
    message.putNull("refusal");
    if (!calls.isEmpty()) {
      ArrayNode array = message.putArray("tool_calls");
      calls.forEach(tc -> array.add(toolCall(tc)));
    }
    ObjectNode body = completion(completionId(result.jobId()), result.acceptedAtMs() / 1000, result.model(), message,
        finishReason(result),
        usage(result.usage() == null ? Usage.ZERO : result.usage().total()));
    body.put("router", FusionResult.ROUTER);
    body.set("fusion", fusion(result));
    return body;
  }

  /**
   * The client functions the outer model called in its final answer, as tool calls (empty when it
   * called none): the completion then ends with {@code finish_reason: "tool_calls"}.
   */
  public static List<ToolCall> toolCalls(FusionResult result) {
    if (result.toolCalls() == null) {
      return List.of();
    }
    return result.toolCalls().stream().map(c -> new ToolCall(c.id(), "function", c.name(),
        c.arguments() == null ? "{}" : c.arguments())).toList();
  }

  /** {@code tool_calls} when the final answer calls the client's functions, else {@code stop}. */
  public static String finishReason(FusionResult result) {
    return toolCalls(result).isEmpty() ? "stop" : "tool_calls";
  }

  public static ObjectNode completion(String id, long createdSec, String model, ObjectNode message,
      String finishReason, ObjectNode usage) {
    ObjectNode body = Json.object().put("id", id).put("object", "chat.completion").put("created", createdSec)
        .put("model", model);
    ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
    choice.set("message", message);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    if (usage != null) {
      body.set("usage", usage);
    }
    return body;
  }

  /**
   * The deliberation details. Holds, field for field, the hosted feature's result object
   * ({@code status, analysis, error, failed_models, failureReason, responses} — its camelCase
   * {@code failureReason} included) so its clients parse ours, plus Fusion's own fields.
   */
  public static ObjectNode fusion(FusionResult result) {
    ObjectNode f = Json.object();
    f.put("status", result.status());
    f.set("analysis", Json.MAPPER.valueToTree(result.analysis()));
    f.put("error", result.error());
    f.set("failed_models", Json.MAPPER.valueToTree(result.failedModels()));
    f.put("failureReason", result.failureReason());
    f.set("responses", Json.MAPPER.valueToTree(result.responses()));
    // Fusion's additions.
    f.put("job_id", result.jobId());
    f.put("failure_reason", result.failureReason());
    Usage total = result.usage() == null ? Usage.ZERO : result.usage().total();
    if (total.costUsd() != null) {
      f.put("cost_usd", total.costUsd());
    } else {
      f.putNull("cost_usd");
    }
    f.set("usage", Json.MAPPER.valueToTree(result.usage()));
    f.set("timings_ms", Json.MAPPER.valueToTree(result.timingsMs()));
    if (result.judge() != null) {
      f.set("judge", judge(result.judge()));
    }
    if (result.rejudgeOf() != null) {
      f.put("rejudge_of", result.rejudgeOf());
    }
    return f;
  }

  /**
   * Who judged and how: the model, the anonymous label each panel model had ({@code "Response A"} →
   * model), its web tool calls, and {@code on_panel} when it judged its own answer too.
   */
  private static ObjectNode judge(FusionResult.JudgeReport judge) {
    ObjectNode j = Json.object().put("model", judge.model());
    j.set("labels", Json.MAPPER.valueToTree(judge.labels() == null ? java.util.Map.of() : judge.labels()));
    j.set("sources", Json.MAPPER.valueToTree(judge.sources() == null ? List.of() : judge.sources()));
    j.put("on_panel", judge.onPanel());
    return j;
  }

  /** A model's answer as an assistant message: text (null when it only calls tools), tool calls, reasoning. */
  public static ObjectNode message(ChatResult r) {
    ObjectNode message = Json.object().put("role", "assistant");
    if (r.content().isEmpty() && !r.toolCalls().isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", r.content());
    }
    message.putNull("refusal");
    if (r.reasoning() != null) {
      message.put("reasoning", r.reasoning());
    }
    if (!r.toolCalls().isEmpty()) {
      ArrayNode calls = message.putArray("tool_calls");
      r.toolCalls().forEach(tc -> calls.add(toolCall(tc)));
    }
    return message;
  }

  /** Tool calls in a streamed delta: the message shape plus each call's {@code index}. */
  public static void addToolCallDeltas(ObjectNode delta, List<ToolCall> toolCalls) {
    if (toolCalls.isEmpty()) {
      return;
    }
    ArrayNode calls = delta.putArray("tool_calls");
    for (int i = 0; i < toolCalls.size(); i++) {
      calls.add(toolCall(toolCalls.get(i)).put("index", i));
    }
  }

  private static ObjectNode toolCall(ToolCall tc) {
    ObjectNode call = Json.object().put("id", tc.id()).put("type", tc.type() == null ? "function" : tc.type());
    call.putObject("function").put("name", tc.name()).put("arguments", tc.arguments());
    return call;
  }

  public static ObjectNode usage(Usage u) {
    ObjectNode usage = Json.object().put("prompt_tokens", u.promptTokens())
        .put("completion_tokens", u.completionTokens()).put("total_tokens", u.totalTokens());
    usage.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
    if (u.costUsd() != null) {
      usage.put("cost", u.costUsd());
    }
    return usage;
  }

  /** A streamed chunk with one choice; {@code delta} may be empty (progress and role chunks). */
  public static ObjectNode chunk(String id, long createdSec, String model, ObjectNode delta, String finishReason) {
    ObjectNode body = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", createdSec)
        .put("model", model);
    ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta == null ? Json.object() : delta);
    choice.putNull("logprobs");
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return body;
  }

  /**
   * A progress chunk: an empty delta (SDKs read it as "no new text") plus a {@code fusion_event}
   * field that carries the event name as in the hosted feature and its data.
   */
  public static ObjectNode progress(String id, long createdSec, String model, FusionEvent event) {
    ObjectNode body = chunk(id, createdSec, model, Json.object(), null);
    ObjectNode ev = body.putObject("fusion_event").put("type", event.type());
    JsonNode data = event.data();
    ev.set("data", data == null ? Json.object() : data);
    return body;
  }
}
