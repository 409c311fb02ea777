package dev.fusion.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parts of an OpenAI chat-completions request the simulator looks at, checked as strictly as OpenAI
 * and OpenRouter check them: a request a real provider would refuse is a {@link Rejected} 400 naming the
 * parameter ({@code messages[3].tool_call_id}), so a pipeline tested against the simulator cannot send
 * what a provider refuses. Fields the simulator does not know pass (providers take many).
 */
final class ChatRequest {

  /** A call an assistant message made (or a reply makes): {@code arguments} is the JSON text. */
  record ToolCall(String id, String name, String arguments) {}

  /**
   * One message: its role and text; an assistant's tool calls (empty if none); a tool message's
   * {@code tool_call_id} (null otherwise).
   */
  record Message(String role, String text, List<ToolCall> toolCalls, String toolCallId) {
    Message(String role, String text) {
      this(role, text, List.of(), null);
    }
  }

  /** A function tool offered: its name and its parameter names, the required ones first. */
  record FunctionTool(String name, List<String> parameters) {
    /** The parameter a call should fill: the first required or declared one, else {@code fallback}. */
    String parameter(String fallback) {
      return parameters.isEmpty() ? fallback : parameters.get(0);
    }
  }

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

  static final String MISSING = "missing_required_parameter";
  static final String INVALID_TYPE = "invalid_type";
  static final String INVALID_VALUE = "invalid_value";

  static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
  /** OpenRouter's reasoning efforts (OpenAI's plus {@code xhigh}). */
  static final List<String> EFFORTS = List.of("none", "minimal", "low", "medium", "high", "xhigh");
  /**
   * Reasoning tokens a reply spends at each effort; {@code reasoning.max_tokens} alone means {@code medium}.
   * {@code none} (or {@code enabled: false}) spends none.
   */
  static final Map<String, Integer> REASONING_TOKENS =
      Map.of("none", 0, "minimal", 16, "low", 64, "medium", 256, "high", 1024, "xhigh", 2048);
  static final String DEFAULT_EFFORT = "medium";
  /** The OpenRouter server tools the simulated provider runs itself. */
  static final String SERVER_WEB_SEARCH = "openrouter:web_search";
  static final String SERVER_WEB_FETCH = "openrouter:web_fetch";
  static final Set<String> SERVER_TOOLS = Set.of(SERVER_WEB_SEARCH, SERVER_WEB_FETCH);
  /** OpenAI's rule for function names. */
  private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  final String model;
  final String modelName;
  final SimOptions suffixOptions;
  final List<Message> messages;
  final boolean stream;
  final boolean includeUsage;
  final boolean judgeMode;
  /** Function tools offered, by name, in the order given. */
  final Map<String, FunctionTool> functions;
  /** The function names, in the order given. */
  final List<String> toolNames;
  /** Server tools offered ({@link #SERVER_TOOLS}). */
  final Set<String> serverTools;
  /** The declared name of the fusion function tool, or null. */
  final String fusionTool;
  final JsonNode toolChoice;
  /** {@code max_completion_tokens}, else {@code max_tokens}; null when neither is set. */
  final Integer maxTokens;
  /** The reasoning effort asked for ({@code reasoning.effort} or {@code reasoning_effort}), or null. */
  final String reasoningEffort;
  /** {@code reasoning.max_tokens}, or null. */
  final Integer reasoningMaxTokens;
  /** Whether the request turns reasoning on (see {@link #reasoningTokens()}). */
  final boolean reasoningOn;

  private ChatRequest(Builder b) {
    this.model = b.model;
    this.modelName = b.modelName;
    this.suffixOptions = b.suffixOptions;
    this.messages = List.copyOf(b.messages);
    this.stream = b.stream;
    this.includeUsage = b.includeUsage;
    this.judgeMode = b.judgeMode;
    this.functions = java.util.Collections.unmodifiableMap(b.functions);
    this.toolNames = List.copyOf(b.functions.keySet());
    this.serverTools = Set.copyOf(b.serverTools);
    this.fusionTool = b.functions.containsKey("fusion") ? "fusion" : null;
    this.toolChoice = b.toolChoice;
    this.maxTokens = b.maxTokens;
    this.reasoningEffort = b.reasoningEffort;
    this.reasoningMaxTokens = b.reasoningMaxTokens;
    this.reasoningOn = b.reasoningOn;
  }

  /** What {@link #parse} collects before the request is built. */
  private static final class Builder {
    String model;
    String modelName;
    SimOptions suffixOptions;
    List<Message> messages;
    boolean stream;
    boolean includeUsage;
    boolean judgeMode;
    final Map<String, FunctionTool> functions = new LinkedHashMap<>();
    final Set<String> serverTools = new HashSet<>();
    JsonNode toolChoice;
    Integer maxTokens;
    String reasoningEffort;
    Integer reasoningMaxTokens;
    boolean reasoningOn;
  }

  static ChatRequest parse(JsonNode root) throws Rejected {
    if (root == null || !root.isObject()) {
      throw invalid("The request body must be a JSON object", null, INVALID_TYPE);
    }
    Builder b = new Builder();
    JsonNode modelNode = root.get("model");
    if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
      throw invalid("You must provide a model parameter", "model", MISSING);
    }
    b.model = modelNode.asText().trim();
    int semi = b.model.indexOf(';');
    b.modelName = semi >= 0 ? b.model.substring(0, semi).trim() : b.model;
    if (!b.modelName.startsWith(ModelSimulator.MODEL_PREFIX)
        || b.modelName.length() == ModelSimulator.MODEL_PREFIX.length()) {
      throw new Rejected(
          404,
          "The model '" + b.model + "' does not exist (the simulator serves sim/<name> models)",
          "invalid_request_error",
          "model",
          "model_not_found");
    }
    try {
      b.suffixOptions = semi >= 0 ? SimOptions.parse(b.model.substring(semi + 1)) : SimOptions.EMPTY;
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage(), "model", INVALID_VALUE);
    }

    b.messages = messages(root.get("messages"));
    b.stream = optionalBoolean(root, "stream");
    JsonNode streamOptions = root.get("stream_options");
    if (streamOptions != null && !streamOptions.isNull() && !streamOptions.isObject()) {
      throw invalid("'stream_options' must be an object", "stream_options", INVALID_TYPE);
    }
    b.includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);

    JsonNode rf = root.get("response_format");
    b.judgeMode =
        rf != null
            && "json_schema".equals(rf.path("type").asText())
            && "fusion_analysis".equals(rf.path("json_schema").path("name").asText());

    numberInRange(root, "temperature", 0, 2);
    numberInRange(root, "top_p", 0, 1);
    Integer maxCompletion = positiveInt(root.get("max_completion_tokens"), "max_completion_tokens");
    Integer maxTokens = positiveInt(root.get("max_tokens"), "max_tokens");
    b.maxTokens = maxCompletion != null ? maxCompletion : maxTokens;
    reasoning(root, b);
    tools(root.get("tools"), b);
    b.toolChoice = toolChoice(root.get("tool_choice"), root.get("tools"), b);
    return new ChatRequest(b);
  }

  // ---------------------------------------------------------------- messages

  private static List<Message> messages(JsonNode msgs) throws Rejected {
    if (msgs == null || msgs.isNull()) {
      throw invalid("Missing required parameter: 'messages'", "messages", MISSING);
    }
    if (!msgs.isArray()) {
      throw invalid("'messages' must be an array", "messages", INVALID_TYPE);
    }
    if (msgs.isEmpty()) {
      throw invalid("'messages' must be a non-empty array", "messages", INVALID_VALUE);
    }
    List<Message> messages = new ArrayList<>(msgs.size());
    ToolTurn open = null; // the assistant message whose tool calls the following tool messages answer
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw invalid(at + " must be an object", at, INVALID_TYPE);
      }
      String role = role(m, at);
      if (!role.equals("tool") && open != null) {
        open.requireAllAnswered();
        open = null;
      }
      Message message = switch (role) {
        case "assistant" -> assistant(m, at);
        case "tool" -> tool(m, at, open);
        case "function" -> new Message(role, contentText(m.get("content")));
        default -> new Message(role, requiredContent(m, at));
      };
      if (!message.toolCalls().isEmpty()) {
        open = new ToolTurn(i, message.toolCalls());
      }
      messages.add(message);
    }
    if (open != null) {
      open.requireAllAnswered();
    }
    return messages;
  }

  private static String role(JsonNode m, String at) throws Rejected {
    JsonNode role = m.get("role");
    if (role == null || role.isNull()) {
      throw invalid("Missing required parameter: '" + at + ".role'", at + ".role", MISSING);
    }
    if (!role.isTextual()) {
      throw invalid(at + ".role must be a string", at + ".role", INVALID_TYPE);
    }
    if (!ROLES.contains(role.asText())) {
      throw invalid("Invalid value for '" + at + ".role': '" + role.asText()
          + "'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.",
          at + ".role", INVALID_VALUE);
    }
    return role.asText();
  }

  /** The text of a message whose content is required: a string or an array of content parts. */
  private static String requiredContent(JsonNode m, String at) throws Rejected {
    JsonNode content = m.get("content");
    if (content == null || content.isNull()) {
      throw invalid("Missing required parameter: '" + at + ".content'", at + ".content", MISSING);
    }
    return checkedContent(content, at);
  }

  private static String checkedContent(JsonNode content, String at) throws Rejected {
    if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String partAt = at + ".content[" + j + "]";
        if (!part.isObject() || !part.path("type").isTextual()) {
          throw invalid(partAt + " must be an object with a 'type'", partAt, INVALID_TYPE);
        }
        if (part.path("type").asText().equals("text") && !part.path("text").isTextual()) {
          throw invalid("Missing required parameter: '" + partAt + ".text'", partAt + ".text", MISSING);
        }
      }
    } else if (!content.isTextual()) {
      throw invalid(at + ".content must be a string or an array of content parts", at + ".content",
          INVALID_TYPE);
    }
    return contentText(content);
  }

  private static Message assistant(JsonNode m, String at) throws Rejected {
    JsonNode calls = m.get("tool_calls");
    List<ToolCall> toolCalls = List.of();
    if (calls != null && !calls.isNull()) {
      toolCalls = toolCalls(calls, at + ".tool_calls");
    }
    JsonNode content = m.get("content");
    if ((content == null || content.isNull()) && toolCalls.isEmpty()) {
      throw invalid("Missing required parameter: '" + at + ".content' (an assistant message needs content"
          + " or tool_calls)", at + ".content", MISSING);
    }
    String text = content == null || content.isNull() ? "" : checkedContent(content, at);
    return new Message("assistant", text, toolCalls, null);
  }

  private static List<ToolCall> toolCalls(JsonNode calls, String at) throws Rejected {
    if (!calls.isArray()) {
      throw invalid(at + " must be an array", at, INVALID_TYPE);
    }
    if (calls.isEmpty()) {
      throw invalid("Invalid '" + at + "': empty array. Expected an array with minimum length 1.", at,
          INVALID_VALUE);
    }
    List<ToolCall> out = new ArrayList<>(calls.size());
    Set<String> ids = new HashSet<>();
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      String callAt = at + "[" + j + "]";
      if (!call.isObject()) {
        throw invalid(callAt + " must be an object", callAt, INVALID_TYPE);
      }
      String id = requiredString(call, "id", callAt);
      if (!ids.add(id)) {
        throw invalid("Duplicate tool call id '" + id + "' in " + at, callAt + ".id", INVALID_VALUE);
      }
      String type = requiredString(call, "type", callAt);
      if (!type.equals("function")) {
        throw invalid("Invalid value for '" + callAt + ".type': '" + type + "'. Supported value: 'function'.",
            callAt + ".type", INVALID_VALUE);
      }
      JsonNode fn = call.get("function");
      if (fn == null || !fn.isObject()) {
        throw invalid("Missing required parameter: '" + callAt + ".function'", callAt + ".function", MISSING);
      }
      String name = requiredString(fn, "name", callAt + ".function");
      String arguments = requiredString(fn, "arguments", callAt + ".function", true);
      out.add(new ToolCall(id, name, arguments));
    }
    return List.copyOf(out);
  }

  private static Message tool(JsonNode m, String at, ToolTurn open) throws Rejected {
    JsonNode idNode = m.get("tool_call_id");
    if (idNode == null || idNode.isNull() || (idNode.isTextual() && idNode.asText().isEmpty())) {
      throw invalid("Missing required parameter: '" + at + ".tool_call_id'", at + ".tool_call_id", MISSING);
    }
    if (!idNode.isTextual()) {
      throw invalid(at + ".tool_call_id must be a string", at + ".tool_call_id", INVALID_TYPE);
    }
    String id = idNode.asText();
    if (open == null) {
      throw invalid("Invalid parameter: '" + at + "' with role 'tool' must be a response to a preceding"
          + " assistant message with 'tool_calls' (tool_call_id '" + id + "' answers none).",
          at + ".tool_call_id", INVALID_VALUE);
    }
    open.answer(id, at);
    return new Message("tool", requiredContent(m, at), List.of(), id);
  }

  /** An assistant message's tool calls and which of them the tool messages after it have answered. */
  private static final class ToolTurn {
    final int index;
    final List<ToolCall> calls;
    final Set<String> answered = new HashSet<>();

    ToolTurn(int index, List<ToolCall> calls) {
      this.index = index;
      this.calls = calls;
    }

    void answer(String id, String at) throws Rejected {
      boolean known = calls.stream().anyMatch(c -> c.id().equals(id));
      if (!known) {
        throw invalid("Invalid parameter: '" + at + ".tool_call_id' is '" + id + "', which answers no tool call"
            + " of messages[" + index + "] (the assistant message with tool_calls before it).",
            at + ".tool_call_id", INVALID_VALUE);
      }
      if (!answered.add(id)) {
        throw invalid("Invalid parameter: '" + at + ".tool_call_id' answers tool call '" + id
            + "' a second time.", at + ".tool_call_id", INVALID_VALUE);
      }
    }

    void requireAllAnswered() throws Rejected {
      for (int j = 0; j < calls.size(); j++) {
        if (!answered.contains(calls.get(j).id())) {
          throw invalid("An assistant message with 'tool_calls' must be followed by tool messages responding"
              + " to each 'tool_call_id'. messages[" + index + "].tool_calls[" + j + "] ('"
              + calls.get(j).id() + "') has no response message.",
              "messages[" + index + "].tool_calls[" + j + "].id", INVALID_VALUE);
        }
      }
    }
  }

  // ---------------------------------------------------------------- settings

  private static boolean optionalBoolean(JsonNode root, String field) throws Rejected {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw invalid("'" + field + "' must be a boolean", field, INVALID_TYPE);
    }
    return v.asBoolean();
  }

  private static void numberInRange(JsonNode root, String field, double min, double max) throws Rejected {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return;
    }
    if (!v.isNumber()) {
      throw invalid("'" + field + "' must be a number", field, INVALID_TYPE);
    }
    double d = v.asDouble();
    if (d < min || d > max) {
      throw invalid("Invalid '" + field + "': " + v.asText() + " is out of range; it must be between " + fmt(min)
          + " and " + fmt(max) + ".", field, INVALID_VALUE);
    }
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** A whole number of at least 1, or null when absent. */
  private static Integer positiveInt(JsonNode v, String param) throws Rejected {
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw invalid("'" + param + "' must be an integer", param, INVALID_TYPE);
    }
    if (v.asInt() < 1) {
      throw invalid("Invalid '" + param + "': " + v.asInt() + " is below the minimum of 1.", param,
          INVALID_VALUE);
    }
    return v.asInt();
  }

  private static void reasoning(JsonNode root, Builder b) throws Rejected {
    JsonNode topEffort = root.get("reasoning_effort");
    if (topEffort != null && !topEffort.isNull()) {
      b.reasoningEffort = effort(topEffort, "reasoning_effort");
    }
    JsonNode r = root.get("reasoning");
    Boolean enabled = null;
    if (r != null && !r.isNull()) {
      if (!r.isObject()) {
        throw invalid("'reasoning' must be an object ({\"effort\", \"max_tokens\", \"exclude\", \"enabled\"})",
            "reasoning", INVALID_TYPE);
      }
      JsonNode effort = r.get("effort");
      if (effort != null && !effort.isNull()) {
        b.reasoningEffort = effort(effort, "reasoning.effort");
      }
      b.reasoningMaxTokens = positiveInt(r.get("max_tokens"), "reasoning.max_tokens");
      for (String flag : new String[] {"exclude", "enabled"}) {
        JsonNode f = r.get(flag);
        if (f != null && !f.isNull() && !f.isBoolean()) {
          throw invalid("'reasoning." + flag + "' must be a boolean", "reasoning." + flag, INVALID_TYPE);
        }
      }
      JsonNode e = r.get("enabled");
      enabled = e == null || e.isNull() ? null : e.asBoolean();
    }
    boolean asked = (b.reasoningEffort != null && !b.reasoningEffort.equals("none"))
        || b.reasoningMaxTokens != null || Boolean.TRUE.equals(enabled);
    b.reasoningOn = asked && !Boolean.FALSE.equals(enabled);
  }

  private static String effort(JsonNode effort, String param) throws Rejected {
    if (!effort.isTextual()) {
      throw invalid("'" + param + "' must be a string", param, INVALID_TYPE);
    }
    if (!EFFORTS.contains(effort.asText())) {
      throw invalid("Invalid value for '" + param + "': '" + effort.asText() + "'. Supported values are: "
          + String.join(", ", EFFORTS) + ".", param, INVALID_VALUE);
    }
    return effort.asText();
  }

  private static void tools(JsonNode tools, Builder b) throws Rejected {
    if (tools == null || tools.isNull()) {
      return;
    }
    if (!tools.isArray()) {
      throw invalid("'tools' must be an array", "tools", INVALID_TYPE);
    }
    if (tools.isEmpty()) {
      throw invalid("Invalid 'tools': empty array. Expected an array with minimum length 1.", "tools",
          INVALID_VALUE);
    }
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String at = "tools[" + i + "]";
      if (!t.isObject()) {
        throw invalid(at + " must be an object", at, INVALID_TYPE);
      }
      String type = requiredString(t, "type", at);
      if (SERVER_TOOLS.contains(type)) {
        objectIfPresent(t.get("parameters"), at + ".parameters");
        b.serverTools.add(type);
        continue;
      }
      if (!type.equals("function")) {
        throw invalid("Invalid value for '" + at + ".type': '" + type + "'. Supported values are: 'function', '"
            + SERVER_WEB_SEARCH + "' and '" + SERVER_WEB_FETCH + "'.", at + ".type", INVALID_VALUE);
      }
      JsonNode fn = t.get("function");
      if (fn == null || fn.isNull()) {
        throw invalid("Missing required parameter: '" + at + ".function'", at + ".function", MISSING);
      }
      if (!fn.isObject()) {
        throw invalid(at + ".function must be an object", at + ".function", INVALID_TYPE);
      }
      String name = requiredString(fn, "name", at + ".function");
      if (!FUNCTION_NAME.matcher(name).matches()) {
        throw invalid("Invalid '" + at + ".function.name': '" + name + "' does not match '^[a-zA-Z0-9_-]{1,64}$'.",
            at + ".function.name", INVALID_VALUE);
      }
      JsonNode params = fn.get("parameters");
      objectIfPresent(params, at + ".function.parameters");
      b.functions.putIfAbsent(name, new FunctionTool(name, parameterNames(params)));
    }
  }

  /** Required parameter names first (in their order), then the other declared ones. */
  private static List<String> parameterNames(JsonNode params) {
    if (params == null || !params.isObject()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode r : params.path("required")) {
      if (r.isTextual() && !out.contains(r.asText())) {
        out.add(r.asText());
      }
    }
    for (Iterator<String> it = params.path("properties").fieldNames(); it.hasNext(); ) {
      String p = it.next();
      if (!out.contains(p)) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  private static JsonNode toolChoice(JsonNode choice, JsonNode tools, Builder b) throws Rejected {
    if (choice == null || choice.isNull()) {
      return null;
    }
    if (tools == null || tools.isNull()) {
      throw invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
          "tool_choice", INVALID_VALUE);
    }
    if (choice.isTextual()) {
      String c = choice.asText();
      if (!c.equals("none") && !c.equals("auto") && !c.equals("required")) {
        throw invalid("Invalid value for 'tool_choice': '" + c + "'. Supported values are: 'none', 'auto' and"
            + " 'required', or an object naming a function.", "tool_choice", INVALID_VALUE);
      }
      return choice;
    }
    if (!choice.isObject()) {
      throw invalid("'tool_choice' must be a string or an object", "tool_choice", INVALID_TYPE);
    }
    String type = requiredString(choice, "type", "tool_choice");
    if (!type.equals("function")) {
      throw invalid("Invalid value for 'tool_choice.type': '" + type + "'. Supported value: 'function'.",
          "tool_choice.type", INVALID_VALUE);
    }
    JsonNode fn = choice.get("function");
    if (fn == null || !fn.isObject()) {
      throw invalid("Missing required parameter: 'tool_choice.function'", "tool_choice.function", MISSING);
    }
    String name = requiredString(fn, "name", "tool_choice.function");
    if (!b.functions.containsKey(name)) {
      throw invalid("Invalid value for 'tool_choice': function '" + name + "' is not among the function tools"
          + " in 'tools'.", "tool_choice.function.name", INVALID_VALUE);
    }
    return choice;
  }

  // ---------------------------------------------------------------- helpers

  private static void objectIfPresent(JsonNode v, String param) throws Rejected {
    if (v != null && !v.isNull() && !v.isObject()) {
      throw invalid("'" + param + "' must be an object", param, INVALID_TYPE);
    }
  }

  private static String requiredString(JsonNode parent, String field, String at) throws Rejected {
    return requiredString(parent, field, at, false);
  }

  private static String requiredString(JsonNode parent, String field, String at, boolean mayBeEmpty)
      throws Rejected {
    String param = at + "." + field;
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      throw invalid("Missing required parameter: '" + param + "'", param, MISSING);
    }
    if (!v.isTextual()) {
      throw invalid("'" + param + "' must be a string", param, INVALID_TYPE);
    }
    if (!mayBeEmpty && v.asText().isEmpty()) {
      throw invalid("Invalid '" + param + "': empty string.", param, INVALID_VALUE);
    }
    return v.asText();
  }

  private static Rejected invalid(String message, String param, String code) {
    return new Rejected(400, message, "invalid_request_error", param, code);
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

  // ---------------------------------------------------------------- reading the conversation

  /** Every message as role and text; the input of the deterministic answer. */
  String conversationText() {
    StringBuilder sb = new StringBuilder(256);
    for (Message m : messages) {
      sb.append(m.role()).append('\u0001').append(m.text());
      for (ToolCall c : m.toolCalls()) {
        sb.append('\u0003').append(c.name()).append('\u0003').append(c.arguments());
      }
      sb.append('\u0002');
    }
    return sb.toString();
  }

  /** The text of the last user message, or of the last message if there is no user message. */
  String lastUserText() {
    int i = lastUserIndex();
    return messages.get(i < 0 ? messages.size() - 1 : i).text();
  }

  /** The index of the last user message, or -1. */
  int lastUserIndex() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.get(i).role())) {
        return i;
      }
    }
    return -1;
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

  /**
   * The reasoning tokens every reply to this request spends (they count inside {@link #maxTokens}): by
   * effort ({@link #REASONING_TOKENS}), capped by {@code reasoning.max_tokens}; 0 without reasoning.
   */
  int reasoningTokens() {
    if (!reasoningOn) {
      return 0;
    }
    int byEffort = REASONING_TOKENS.get(reasoningEffort == null ? DEFAULT_EFFORT : reasoningEffort);
    return reasoningMaxTokens == null ? byEffort : Math.min(byEffort, reasoningMaxTokens);
  }

  /** {@code tool_choice} as text: {@code auto} when absent, {@code function} when it names one. */
  String toolChoiceMode() {
    if (toolChoice == null) {
      return "auto";
    }
    return toolChoice.isTextual() ? toolChoice.asText() : "function";
  }

  /** The function {@code tool_choice} names, or null. */
  String forcedFunction() {
    return toolChoice != null && toolChoice.isObject() ? toolChoice.path("function").path("name").asText(null) : null;
  }
}
