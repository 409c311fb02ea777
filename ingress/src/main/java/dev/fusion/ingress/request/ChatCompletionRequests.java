package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.DeliberationRequest.Deliberation;
import dev.fusion.ingress.request.DeliberationRequest.Field;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Parses a {@code POST /v1/chat/completions} body: which model, whether it deliberates, the fusion
 * settings (from a {@code fusion} plugin or a {@code fusion} tool entry, same fields), the client's own
 * tools and the tool choice. The deliberation is the request model's ({@link RequestReader},
 * {@link DeliberationRequest#validate(Limits)}): the same fields, limits and errors as every other way in.
 * Pure: every rule is unit-testable; bad input is an {@link ApiError}.
 */
public final class ChatCompletionRequests {
  static final Set<String> FUSION_TOOL_TYPES = Set.of("fusion", "openrouter:fusion");
  /** A fusion entry's own fields besides the settings. */
  private static final Set<String> ENTRY_FIELDS = Set.of("id", "type", "enabled");
  /** Top-level fields Fusion interprets itself; everything else of a plain completion passes through. */
  static final Set<String> OWN_FIELDS = Set.of("model", "messages", "stream", "stream_options", "plugins", "tools",
      "tool_choice", "temperature", "max_completion_tokens", "max_tokens");

  public enum ToolChoice { AUTO, REQUIRED, NONE, CLIENT_FUNCTION }

  /**
   * A parsed request. {@code fusion} (the validated deliberation) is null for a plain completion;
   * {@code outerModel} routes and writes: the preset's synthesizer, or the client's own model when it
   * carries the fusion tool.
   */
  public record ChatCall(String model, String outerModel, boolean stream, ToolChoice toolChoice,
      JsonNode toolChoiceRaw, ArrayNode clientTools, ArrayNode rawMessages, List<ChatMessage> messages,
      Deliberation fusion, Double temperature, Integer maxCompletionTokens, ObjectNode passthrough) {

    public boolean deliberates() {
      return fusion != null;
    }
  }

  private final Limits limits;

  public ChatCompletionRequests(Limits limits) {
    this.limits = limits;
  }

  public ChatCall parse(JsonNode body) {
    return parse(body, DeliberationRequest.EMPTY);
  }

  /**
   * With settings that fill in whatever the request leaves out, under its own (a batch's query settings
   * for a line in the chat-completions format); the preset's values come last.
   */
  public ChatCall parse(JsonNode body, DeliberationRequest defaults) {
    Field<String> modelField = RequestReader.text(body, "model", "", "a model ID, e.g. \"fusion\"");
    if (modelField == null) {
      throw ApiError.invalid("model", "missing_required_parameter", "model is required (e.g. \"fusion\").");
    }
    String model = DeliberationRequest.checkModelId(modelField.value(), "model");
    List<ChatMessage> messages = RequestReader.messages(body.get("messages"), "messages");
    ArrayNode rawMessages = (ArrayNode) body.get("messages");
    boolean stream = body.path("stream").asBoolean(false);
    if (body.has("stream") && !body.get("stream").isBoolean() && !body.get("stream").isNull()) {
      throw ApiError.invalid("stream", "invalid_type", "stream must be a boolean.");
    }
    Field<Double> temperature = DeliberationRequest.checkTemperature(
        RequestReader.temperature(body.get("temperature"), "temperature"));
    Field<Integer> maxTokens = RequestReader.positiveInt(body.get("max_completion_tokens"), "max_completion_tokens");
    if (maxTokens == null) {
      maxTokens = RequestReader.positiveInt(body.get("max_tokens"), "max_tokens");
    }
    Double temp = temperature == null ? null : temperature.value();
    Integer tokens = maxTokens == null ? null : maxTokens.value();

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

    boolean preset = limits.presets().isFusionModel(model);
    if (!preset && toolSettings == null) {
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
          null, temp, tokens, passthrough);
    }
    if (pluginSettings != null && toolSettings != null) {
      throw ApiError.invalid("plugins", "invalid_value",
          "Configure fusion either with a plugin or with a fusion tool entry, not both.");
    }
    JsonNode entry = pluginSettings != null ? pluginSettings : toolSettings;
    DeliberationRequest settings = entry == null ? DeliberationRequest.EMPTY
        : RequestReader.settings(entry, (pluginSettings != null ? "plugins[fusion]" : "tools[fusion]") + ".",
            ENTRY_FIELDS);
    // The model names the preset; with the fusion tool on a client's own model, that model is the outer
    // model (routes and writes). The request's own temperature and token limit apply unless the entry sets them.
    DeliberationRequest request = settings.orElse(new DeliberationRequest(new Field<>(messages, "messages"),
        preset ? modelField : null, null, null, preset ? null : modelField, temperature, maxTokens, null, null))
        .orElse(defaults);
    Deliberation deliberation = request.validate(limits);
    return new ChatCall(model, preset ? deliberation.synthesizer() : model, stream, choice, body.get("tool_choice"),
        clientTools, rawMessages, messages, deliberation, temp, tokens, null);
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

  /** The job a deliberating call submits; the outer model writes the final answer. */
  public static FusionJob toJob(ChatCall call, String tenant) {
    return call.fusion().toJob(JobRequests.newJobId(), tenant, System.currentTimeMillis());
  }
}
