package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.Tenants;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Parses a {@code POST /v1/chat/completions} body: which model, whether it deliberates, the fusion
 * settings (from a {@code fusion} plugin or a {@code fusion} tool entry, same fields), the client's own
 * tools and the tool choice. Pure: every rule is unit-testable; bad input is an {@link ApiError}.
 */
public final class ChatCompletionRequests {
  public static final int MIN_TOOL_CALLS = 1;
  public static final int MAX_TOOL_CALLS = 16;
  static final Set<String> FUSION_TOOL_TYPES = Set.of("fusion", "openrouter:fusion");
  static final Set<String> SETTINGS = Set.of("analysis_models", "model", "max_tool_calls", "max_completion_tokens",
      "reasoning", "temperature");
  /** Top-level fields Fusion interprets itself; everything else of a plain completion passes through. */
  static final Set<String> OWN_FIELDS = Set.of("model", "messages", "stream", "stream_options", "plugins", "tools",
      "tool_choice", "temperature", "max_completion_tokens", "max_tokens");

  public enum ToolChoice { AUTO, REQUIRED, NONE, CLIENT_FUNCTION }

  /** The deliberation settings after defaults: panel, judge and the optional plugin knobs. */
  public record FusionSettings(List<String> panel, String judge, Integer maxToolCalls, Integer maxCompletionTokens,
      JsonNode reasoning, Double temperature) {}

  /** A parsed request. {@code fusion} is null for a plain completion. */
  public record ChatCall(String model, String outerModel, boolean stream, ToolChoice toolChoice,
      JsonNode toolChoiceRaw, ArrayNode clientTools, ArrayNode rawMessages, List<ChatMessage> messages,
      FusionSettings fusion, Double temperature, Integer maxCompletionTokens, ObjectNode passthrough) {

    public boolean deliberates() {
      return fusion != null;
    }
  }

  private final Presets presets;
  private final RecordBudget budget;

  public ChatCompletionRequests(Presets presets) {
    this(presets, RecordBudget.DEFAULT);
  }

  public ChatCompletionRequests(Presets presets, RecordBudget budget) {
    this.presets = presets;
    this.budget = budget;
  }

  public ChatCall parse(JsonNode body) {
    String model = JobRequests.optionalString(body, "model", null);
    if (model == null) {
      throw ApiError.invalid("model", "missing_required_parameter", "model is required (e.g. \"fusion\").");
    }
    JobRequests.checkModelId(model, "model");
    ArrayNode rawMessages = rawMessages(body.get("messages"));
    List<ChatMessage> messages = messages(rawMessages);
    boolean stream = body.path("stream").asBoolean(false);
    if (body.has("stream") && !body.get("stream").isBoolean() && !body.get("stream").isNull()) {
      throw ApiError.invalid("stream", "invalid_type", "stream must be a boolean.");
    }
    Double temperature = temperature(body.get("temperature"), "temperature");
    Integer maxTokens = positiveInt(body.get("max_completion_tokens"), "max_completion_tokens");
    if (maxTokens == null) {
      maxTokens = positiveInt(body.get("max_tokens"), "max_tokens");
    }

    JsonNode pluginSettings = null;
    JsonNode plugins = body.get("plugins");
    if (plugins != null && !plugins.isNull()) {
      if (!plugins.isArray()) {
        throw ApiError.invalid("plugins", "invalid_type", "plugins must be an array.");
      }
      for (JsonNode p : plugins) {
        if ("fusion".equals(p.path("id").asText())) {
          pluginSettings = p;
        }
      }
    }
    JsonNode toolSettings = null;
    ArrayNode clientTools = Json.MAPPER.createArrayNode();
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw ApiError.invalid("tools", "invalid_type", "tools must be an array.");
      }
      for (JsonNode t : tools) {
        if (FUSION_TOOL_TYPES.contains(t.path("type").asText())) {
          toolSettings = t;
        } else {
          clientTools.add(t);
        }
      }
    }
    ToolChoice choice = toolChoice(body.get("tool_choice"));

    Presets.Preset preset = presets.forModel(model);
    if (presets.isFusionModel(model) && preset == null) {
      throw new ApiError(400, "invalid_request_error", "model_not_found", "model",
          "Unknown fusion preset '" + model + "'; use fusion, fusion/quality, fusion/fast or fusion/budget.");
    }
    boolean deliberates = preset != null || toolSettings != null;
    if (!deliberates) {
      ObjectNode passthrough = Json.object();
      for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!OWN_FIELDS.contains(f)) {
          passthrough.set(f, body.get(f));
        }
      }
      if (plugins != null && !plugins.isNull()) {
        passthrough.set("plugins", plugins);
      }
      if (!clientTools.isEmpty()) {
        passthrough.set("tools", clientTools);
      }
      if (body.hasNonNull("tool_choice")) {
        passthrough.set("tool_choice", body.get("tool_choice"));
      }
      return new ChatCall(model, model, stream, choice, body.get("tool_choice"), clientTools, rawMessages, messages,
          null, temperature, maxTokens, passthrough);
    }
    if (pluginSettings != null && toolSettings != null) {
      throw ApiError.invalid("plugins", "invalid_value",
          "Configure fusion either with a plugin or with a fusion tool entry, not both.");
    }
    Presets.Preset base = preset != null ? preset : presets.quality();
    // With the fusion tool on a client's own model, that model is the outer model (routes and writes).
    String outer = preset != null ? preset.synthesizer() : model;
    FusionSettings settings = settings(pluginSettings != null ? pluginSettings : toolSettings,
        pluginSettings != null ? "plugins[fusion]" : "tools[fusion]", base);
    ChatCall call = new ChatCall(model, outer, stream, choice, body.get("tool_choice"), clientTools, rawMessages,
        messages, settings, temperature, maxTokens, null);
    // The job this call may start must be writable end to end, whether or not the router starts it.
    JobRequests.checkSize(toJob(call, Tenants.DEFAULT, ""), budget);
    return call;
  }

  static FusionSettings settings(JsonNode entry, String where, Presets.Preset base) {
    if (entry == null) {
      return new FusionSettings(base.panel(), base.judge(), null, null, null, null);
    }
    for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!SETTINGS.contains(f) && !f.equals("id") && !f.equals("type") && !f.equals("enabled")) {
        throw ApiError.invalid(where + "." + JobRequests.shown(f), "unknown_parameter",
            "Unrecognized fusion setting: " + JobRequests.shown(f));
      }
    }
    List<String> panel = base.panel();
    if (entry.hasNonNull("analysis_models")) {
      try {
        panel = JobRequests.models(entry.get("analysis_models"));
      } catch (ApiError e) {
        throw ApiError.invalid(where + ".analysis_models", e.code(), e.getMessage());
      }
    }
    String judge = base.judge();
    if (entry.has("model") && !entry.get("model").isNull()) {
      if (!entry.get("model").isTextual() || entry.get("model").asText().isBlank()) {
        throw ApiError.invalid(where + ".model", "invalid_type", "model (the judge) must be a non-empty model ID.");
      }
      judge = JobRequests.checkModelId(entry.get("model").asText().trim(), where + ".model");
    }
    Integer toolCalls = positiveInt(entry.get("max_tool_calls"), where + ".max_tool_calls");
    if (toolCalls != null && (toolCalls < MIN_TOOL_CALLS || toolCalls > MAX_TOOL_CALLS)) {
      throw ApiError.invalid(where + ".max_tool_calls", "invalid_value",
          "max_tool_calls must be from " + MIN_TOOL_CALLS + " to " + MAX_TOOL_CALLS + "; got " + toolCalls + ".");
    }
    Integer maxTokens = positiveInt(entry.get("max_completion_tokens"), where + ".max_completion_tokens");
    JsonNode reasoning = entry.get("reasoning");
    if (reasoning != null && !reasoning.isNull()) {
      if (!reasoning.isObject()) {
        throw ApiError.invalid(where + ".reasoning", "invalid_type", "reasoning must be an object.");
      }
      for (Iterator<String> it = reasoning.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!f.equals("effort") && !f.equals("max_tokens") && !f.equals("exclude") && !f.equals("enabled")) {
          throw ApiError.invalid(where + ".reasoning." + JobRequests.shown(f), "unknown_parameter",
              "Unrecognized reasoning field: " + JobRequests.shown(f));
        }
      }
      if (reasoning.has("effort") && !reasoning.get("effort").isTextual()) {
        throw ApiError.invalid(where + ".reasoning.effort", "invalid_type", "reasoning.effort must be a string.");
      }
      positiveInt(reasoning.get("max_tokens"), where + ".reasoning.max_tokens");
    } else {
      reasoning = null;
    }
    Double temperature = temperature(entry.get("temperature"), where + ".temperature");
    return new FusionSettings(panel, judge, toolCalls, maxTokens, reasoning, temperature);
  }

  static ToolChoice toolChoice(JsonNode node) {
    if (node == null || node.isNull()) {
      return ToolChoice.AUTO;
    }
    if (node.isTextual()) {
      return switch (node.asText()) {
        case "auto" -> ToolChoice.AUTO;
        case "required" -> ToolChoice.REQUIRED;
        case "none" -> ToolChoice.NONE;
        default -> throw ApiError.invalid("tool_choice", "invalid_value",
            "tool_choice must be \"auto\", \"required\", \"none\" or a function choice.");
      };
    }
    if (node.isObject()) {
      String name = node.path("function").path("name").asText("");
      // Naming the fusion tool is the same as requiring it.
      return name.equals("fusion") || FUSION_TOOL_TYPES.contains(node.path("type").asText())
          ? ToolChoice.REQUIRED : ToolChoice.CLIENT_FUNCTION;
    }
    throw ApiError.invalid("tool_choice", "invalid_type", "tool_choice must be a string or an object.");
  }

  static Double temperature(JsonNode t, String where) {
    if (t == null || t.isNull()) {
      return null;
    }
    if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
      throw ApiError.invalid(where, "invalid_value", where + " must be a number from 0 to 2.");
    }
    return t.asDouble();
  }

  static Integer positiveInt(JsonNode m, String where) {
    if (m == null || m.isNull()) {
      return null;
    }
    if (!m.isIntegralNumber() || !m.canConvertToInt() || m.asInt() < 1) {
      throw ApiError.invalid(where, "invalid_value", where + " must be a positive integer.");
    }
    return m.asInt();
  }

  static ArrayNode rawMessages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw ApiError.invalid("messages", "missing_required_parameter",
          "messages is required: a non-empty array of chat messages.");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw ApiError.invalid("messages", "invalid_value", "messages must be a non-empty array of chat messages.");
    }
    return (ArrayNode) node;
  }

  /**
   * The conversation as text messages for the panel. Tool-calling turns (assistant messages with
   * {@code tool_calls} and no content, tool results) are kept, with empty content where there is none.
   */
  static List<ChatMessage> messages(ArrayNode raw) {
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      JsonNode m = raw.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.invalid(where, "invalid_type", where + " must be an object with role and content.");
      }
      String role = m.path("role").asText("");
      if (!Set.of("system", "developer", "user", "assistant", "tool").contains(role)) {
        throw ApiError.invalid(where + ".role", "invalid_value",
            where + ".role must be one of system, developer, user, assistant, tool.");
      }
      JsonNode content = m.get("content");
      boolean mayBeEmpty = role.equals("assistant") || role.equals("tool");
      String text = (content == null || content.isNull()) && mayBeEmpty ? ""
          : JobRequests.content(content, where + ".content");
      out.add(new ChatMessage(role, text));
    }
    return out;
  }

  /** The job a deliberating call submits; the outer model writes the final answer. */
  public static FusionJob toJob(ChatCall call, String tenant) {
    return toJob(call, tenant, JobRequests.newJobId());
  }

  private static FusionJob toJob(ChatCall call, String tenant, String jobId) {
    FusionSettings s = call.fusion();
    return new FusionJob(FusionJob.SCHEMA_VERSION, jobId, tenant, call.messages(), s.panel(),
        s.judge(), call.outerModel(), s.temperature(), s.maxCompletionTokens(), System.currentTimeMillis(),
        s.maxToolCalls(), s.reasoning(), null);
  }
}
