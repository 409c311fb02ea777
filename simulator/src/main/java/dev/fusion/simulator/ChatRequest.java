package dev.fusion.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The parts of an OpenAI chat-completions request the simulator looks at. */
final class ChatRequest {

  record Message(String role, String text) {}

  /** Raised for a request the simulator rejects; carries the HTTP status and OpenAI error fields. */
  static final class Rejected extends Exception {
    final int status;
    final String type;
    final String param;
    final String code;

    Rejected(int status, String message, String type, String param, String code) {
      super(message, null, false, false);
      this.status = status;
      this.type = type;
      this.param = param;
      this.code = code;
    }
  }

  final String model;
  final String modelName;
  final SimOptions suffixOptions;
  final List<Message> messages;
  final boolean stream;
  final boolean includeUsage;
  final boolean judgeMode;
  final List<String> toolNames;
  /** The declared name of the fusion tool, or null. */
  final String fusionTool;
  final JsonNode toolChoice;

  private ChatRequest(
      String model,
      String modelName,
      SimOptions suffixOptions,
      List<Message> messages,
      boolean stream,
      boolean includeUsage,
      boolean judgeMode,
      List<String> toolNames,
      String fusionTool,
      JsonNode toolChoice) {
    this.model = model;
    this.modelName = modelName;
    this.suffixOptions = suffixOptions;
    this.messages = messages;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.judgeMode = judgeMode;
    this.toolNames = toolNames;
    this.fusionTool = fusionTool;
    this.toolChoice = toolChoice;
  }

  static ChatRequest parse(JsonNode root) throws Rejected {
    if (root == null || !root.isObject()) {
      throw invalid("The request body must be a JSON object", null);
    }
    JsonNode modelNode = root.get("model");
    if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
      throw invalid("You must provide a model parameter", "model");
    }
    String model = modelNode.asText().trim();
    int semi = model.indexOf(';');
    String name = semi >= 0 ? model.substring(0, semi).trim() : model;
    if (!name.startsWith(ModelSimulator.MODEL_PREFIX)
        || name.length() == ModelSimulator.MODEL_PREFIX.length()) {
      throw new Rejected(
          404,
          "The model '" + model + "' does not exist (the simulator serves sim/<name> models)",
          "invalid_request_error",
          "model",
          "model_not_found");
    }
    SimOptions suffix;
    try {
      suffix = semi >= 0 ? SimOptions.parse(model.substring(semi + 1)) : SimOptions.EMPTY;
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage(), "model");
    }

    JsonNode msgs = root.get("messages");
    if (msgs == null || !msgs.isArray() || msgs.isEmpty()) {
      throw invalid("'messages' must be a non-empty array", "messages");
    }
    List<Message> messages = new ArrayList<>(msgs.size());
    for (JsonNode m : msgs) {
      if (!m.isObject()) {
        throw invalid("each message must be an object", "messages");
      }
      messages.add(new Message(m.path("role").asText("user"), contentText(m.get("content"))));
    }

    boolean stream = root.path("stream").asBoolean(false);
    boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);

    JsonNode rf = root.get("response_format");
    boolean judge =
        rf != null
            && "json_schema".equals(rf.path("type").asText())
            && "fusion_analysis".equals(rf.path("json_schema").path("name").asText());

    List<String> toolNames = new ArrayList<>();
    String fusionTool = null;
    JsonNode tools = root.get("tools");
    if (tools != null && tools.isArray()) {
      for (JsonNode t : tools) {
        String type = t.path("type").asText("");
        String toolName = t.path("function").path("name").asText(null);
        if (toolName == null) {
          toolName = t.path("name").asText(null);
        }
        if (toolName == null && type.contains(":")) {
          toolName = type; // server tools such as {"type":"openrouter:fusion"}
        }
        if (toolName == null || toolName.isBlank()) {
          continue;
        }
        toolNames.add(toolName);
        if (fusionTool == null
            && (toolName.equals("fusion") || toolName.equals("openrouter:fusion"))) {
          fusionTool = toolName;
        }
      }
    }
    JsonNode toolChoice = root.get("tool_choice");
    return new ChatRequest(
        model,
        name,
        suffix,
        List.copyOf(messages),
        stream,
        includeUsage,
        judge,
        List.copyOf(toolNames),
        fusionTool,
        toolChoice == null || toolChoice.isNull() ? null : toolChoice);
  }

  private static Rejected invalid(String message, String param) {
    return new Rejected(400, message, "invalid_request_error", param, "invalid_request");
  }

  /** A string, or the text of {@code [{type:"text", text}]} parts joined by newlines. */
  static String contentText(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : content) {
        JsonNode text = part.isTextual() ? part : part.get("text");
        if (text != null && text.isTextual()) {
          if (sb.length() > 0) {
            sb.append('\n');
          }
          sb.append(text.asText());
        }
      }
      return sb.toString();
    }
    return content.toString();
  }

  /** Every message as role and text; the input of the deterministic answer. */
  String conversationText() {
    StringBuilder sb = new StringBuilder(256);
    for (Message m : messages) {
      sb.append(m.role()).append('\u0001').append(m.text()).append('\u0002');
    }
    return sb.toString();
  }

  /** The text of the last user message, or of the last message if there is no user message. */
  String lastUserText() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.get(i).role())) {
        return messages.get(i).text();
      }
    }
    return messages.get(messages.size() - 1).text();
  }

  /** True when a tool result follows the last user message (the model should now answer). */
  boolean hasToolResultAfterLastUser() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      String role = messages.get(i).role();
      if ("user".equals(role)) {
        return false;
      }
      if ("tool".equals(role) || "function".equals(role)) {
        return true;
      }
    }
    return false;
  }

  /** All user messages' text, joined; where the judge finds the panel answers. */
  String userText() {
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      if ("user".equals(m.role())) {
        sb.append(m.text()).append('\n');
      }
    }
    return sb.toString();
  }
}
