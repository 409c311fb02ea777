package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fusion.common.Json;
import dev.fusion.common.JsonSize;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.WebToolsMode;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.DeliberationRequest.Field;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The normaliser: reads a deliberation request from any of the shapes it comes in — a jobs-API body (also
 * a {@code fusion.requests} record and a batch line), the fields of a chat completion's fusion plugin or
 * fusion tool entry, a batch's query parameters — into one {@link DeliberationRequest}. It checks JSON
 * types and unknown fields; every other rule is {@link DeliberationRequest#validate(Limits)}'s. One field,
 * one reader: a field is read by the same code, with the same error, on every path. Pure, no network.
 */
public final class RequestReader {
  /** The deliberation settings: every way in accepts exactly these (all optional). */
  public static final List<String> SETTINGS = List.of("preset", "analysis_models", "model", "synthesizer",
      "temperature", "max_completion_tokens", "max_tool_calls", "reasoning", "web_tools", "on_failure");
  /** A jobs-API body (and a {@code fusion.requests} record): the conversation and the settings. */
  public static final Set<String> JOB_FIELDS;
  private static final Set<String> SETTING_FIELDS = Set.copyOf(SETTINGS);
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
  private static final Set<String> REASONING_FIELDS = Set.of("effort", "max_tokens");
  /** The reasoning efforts the reference forwards to panel and judge calls, lowest first. */
  public static final List<String> REASONING_EFFORTS = List.of("none", "minimal", "low", "medium", "high");
  public static final List<String> ON_FAILURE = List.of(FusionJob.ON_FAILURE_ANSWER, FusionJob.ON_FAILURE_ERROR);
  public static final List<String> WEB_TOOLS = List.of(WebToolsMode.FUSION, WebToolsMode.PROVIDER, WebToolsMode.OFF);

  static {
    Set<String> job = new java.util.HashSet<>(SETTINGS);
    job.add("messages");
    JOB_FIELDS = Set.copyOf(job);
  }
  /** How much of a client's field name or value an error message repeats. */
  private static final int SHOWN_BYTES = 64;

  private RequestReader() {}

  /** The batch's query settings: the typed request, and the settings as JSON (echoed on the batch). */
  public record QuerySettings(DeliberationRequest request, ObjectNode json) {}

  /**
   * A jobs-API body: {@code messages} and the settings, nothing else. {@code prefix} is prepended to every
   * param ({@code ""}, or {@code "body."} for a batch line's body).
   */
  public static DeliberationRequest jobsBody(JsonNode body, String prefix) {
    return read(body, prefix, JOB_FIELDS, Set.of(), true);
  }

  /**
   * The settings of an object that carries them among other fields of its own ({@code own}, read
   * elsewhere): a chat completion's fusion entry ({@code id}, {@code type}), a batch shorthand line
   * ({@code custom_id}, {@code prompt}, {@code messages}). Any other field is an unknown parameter.
   */
  public static DeliberationRequest settings(JsonNode node, String prefix, Set<String> own) {
    return read(node, prefix, SETTING_FIELDS, own, false);
  }

  private static DeliberationRequest read(JsonNode node, String prefix, Set<String> fields, Set<String> own,
      boolean withMessages) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equals("tools") && !own.contains(f)) {
        // Provider tools for the panel would be dropped otherwise: say what does the job.
        throw ApiError.invalid(prefix + "tools", "unsupported_parameter", prefix + "tools: the deliberation's web "
            + "tools are Fusion's to give (web_search and web_fetch on every panel and judge call); use "
            + "web_tools: \"provider\" for the provider's own web tools, or web_tools: \"off\".");
      }
      if (!fields.contains(f) && !own.contains(f)) {
        throw unknown(prefix + shown(f));
      }
    }
    Field<List<ChatMessage>> messages = null;
    if (withMessages) {
      JsonNode m = node.get("messages");
      messages = new Field<>(messages(m, prefix + "messages"), prefix + "messages");
    }
    return new DeliberationRequest(messages,
        text(node, "preset", prefix, "a preset, e.g. fusion/fast"),
        models(node.get("analysis_models"), prefix + "analysis_models"),
        text(node, "model", prefix, "a model ID"),
        text(node, "synthesizer", prefix, "a model ID"),
        temperature(node.get("temperature"), prefix + "temperature"),
        positiveInt(node.get("max_completion_tokens"), prefix + "max_completion_tokens"),
        integer(node.get("max_tool_calls"), prefix + "max_tool_calls"),
        reasoning(node.get("reasoning"), prefix + "reasoning"),
        oneOf(node, "web_tools", prefix, WEB_TOOLS),
        oneOf(node, "on_failure", prefix, ON_FAILURE));
  }

  /**
   * The batch's query settings, one value per name (as Vert.x splits them, on {@code &} only; see the
   * batch route). Values are turned into the JSON the same fields take in a body — a comma-separated
   * {@code analysis_models} into a list, numbers into numbers, {@code reasoning} parsed as JSON — and then
   * read like any body. An unknown name is an unknown parameter; a name given twice is an invalid value.
   */
  public static QuerySettings query(Map<String, List<String>> params) {
    ObjectNode json = Json.object();
    for (var e : params.entrySet()) {
      String name = e.getKey();
      if (!SETTING_FIELDS.contains(name)) {
        throw unknown(shown(name));
      }
      if (e.getValue().size() != 1) {
        throw ApiError.invalid(name, "invalid_value", name + " is given " + e.getValue().size()
            + " times; give it once (analysis_models takes a comma-separated list).");
      }
      String value = e.getValue().get(0);
      switch (name) {
        case "analysis_models" -> {
          ArrayNode list = json.putArray(name); // An empty value is an empty panel (refused by validate).
          for (String m : value.isEmpty() ? new String[0] : value.split(",", -1)) {
            list.add(m.trim());
          }
        }
        case "temperature", "max_completion_tokens", "max_tool_calls" -> json.set(name, parsed(value, true));
        case "reasoning" -> json.set(name, parsed(value, false));
        default -> json.put(name, value);
      }
    }
    return new QuerySettings(settings(json, "", Set.of()), json);
  }

  /** A query value as the JSON it spells (a number, an object), else the text itself. */
  private static JsonNode parsed(String value, boolean number) {
    try {
      JsonNode n = Json.MAPPER.readTree(value);
      if (n != null && (number ? n.isNumber() : n.isObject())) {
        return n;
      }
    } catch (Exception e) {
      // Not JSON (or nested too deep): the field's reader refuses the text with its own error.
    }
    return TextNode.valueOf(value);
  }

  /**
   * The conversation: OpenAI chat messages, content a string or text parts, as every inner call of a job
   * receives it. Tool turns are flattened into text, since a job's messages carry role and content only:
   * an assistant message's {@code tool_calls} become a sentence per call after its text, a {@code tool}
   * message becomes a {@code user} message "Result of tool call <id> (<name>): <content>". An assistant
   * message with neither text nor tool calls says nothing and is left out; no {@code tool} role and no
   * empty assistant content reach a job (providers reject both). The outer model's own calls send the
   * client's messages as given instead.
   */
  public static List<ChatMessage> messages(JsonNode node, String param) {
    if (node == null || node.isNull()) {
      throw ApiError.invalid(param, "missing_required_parameter",
          param + " is required: a non-empty array of chat messages.");
    }
    if (!node.isArray()) {
      throw ApiError.invalid(param, "invalid_type", param + " must be an array of chat messages.");
    }
    if (node.isEmpty()) {
      throw ApiError.invalid(param, "invalid_value", param + " must contain at least one message.");
    }
    List<ChatMessage> out = new ArrayList<>(node.size());
    Map<String, String> toolNames = new java.util.HashMap<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String where = param + "[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.invalid(where, "invalid_type", where + " must be an object with role and content.");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
        throw ApiError.invalid(where + ".role", "invalid_value",
            where + ".role must be one of system, developer, user, assistant, tool.");
      }
      JsonNode content = m.get("content");
      String r = role.asText();
      // An assistant turn that only calls tools, or a tool result without text, has no content.
      boolean mayBeEmpty = r.equals("assistant") || r.equals("tool");
      String text = (content == null || content.isNull()) && mayBeEmpty ? "" : content(content, where + ".content");
      switch (r) {
        case "assistant" -> {
          String calls = toolCalls(m.get("tool_calls"), where + ".tool_calls", toolNames);
          String said = calls.isEmpty() ? text : text.isEmpty() ? calls : text + "\n\n" + calls;
          if (!said.isEmpty()) {
            out.add(ChatMessage.assistant(said));
          }
        }
        case "tool" -> out.add(ChatMessage.user(toolResult(m, where, text, toolNames)));
        default -> out.add(new ChatMessage(r, text));
      }
    }
    if (out.isEmpty()) {
      throw ApiError.invalid(param, "invalid_value", param + " must contain at least one message with content.");
    }
    return out;
  }

  /** An assistant message's tool calls as text, one sentence per call; remembers each call's function name. */
  private static String toolCalls(JsonNode calls, String where, Map<String, String> toolNames) {
    if (calls == null || calls.isNull()) {
      return "";
    }
    if (!calls.isArray()) {
      throw ApiError.invalid(where, "invalid_type", where + " must be an array of tool calls.");
    }
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      String at = where + "[" + j + "]";
      JsonNode name = call.path("function").get("name");
      if (!call.isObject() || name == null || !name.isTextual() || name.asText().isBlank()) {
        throw ApiError.invalid(at + ".function.name", "invalid_type",
            at + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}.");
      }
      JsonNode id = call.get("id");
      JsonNode args = call.path("function").get("arguments");
      String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : Json.toString(args);
      if (id != null && id.isTextual()) {
        toolNames.put(id.asText(), name.asText());
      }
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append("Called tool ").append(name.asText()).append(" with arguments ").append(arguments)
          .append(id != null && id.isTextual() ? " (tool call " + id.asText() + ")." : ".");
    }
    return text.toString();
  }

  /** A tool message as the user turn that reports its result. */
  private static String toolResult(JsonNode m, String where, String content, Map<String, String> toolNames) {
    JsonNode id = m.get("tool_call_id");
    if (id != null && !id.isNull() && !id.isTextual()) {
      throw ApiError.invalid(where + ".tool_call_id", "invalid_type", where + ".tool_call_id must be a string.");
    }
    String callId = id == null || id.isNull() ? null : id.asText();
    String name = callId == null ? null : toolNames.get(callId);
    if (name == null && m.path("name").isTextual()) {
      name = m.get("name").asText();
    }
    return "Result of tool call" + (callId == null ? "" : " " + callId) + (name == null ? "" : " (" + name + ")")
        + ": " + (content.isEmpty() ? "(empty)" : content);
  }

  /** Content is a string, or an array of {"type":"text","text":...} parts (joined with newlines). */
  private static String content(JsonNode node, String where) {
    if (node != null && node.isTextual()) {
      return node.asText();
    }
    if (node != null && node.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : node) {
        if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.invalid(where, "invalid_type", where + " parts must be {\"type\":\"text\",\"text\":...}.");
        }
        if (text.length() > 0) {
          text.append('\n');
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw ApiError.invalid(where, "invalid_type", where + " must be a string or an array of text parts.");
  }

  private static Field<List<String>> models(JsonNode node, String param) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw ApiError.invalid(param, "invalid_type", param + " must be an array of model IDs.");
    }
    if (node.size() > Limits.MAX_PANEL) { // Said again by validate(); refused before reading a huge list.
      throw ApiError.invalid(param, "invalid_value", param + " must name between " + Limits.MIN_PANEL + " and "
          + Limits.MAX_PANEL + " models; got " + node.size() + ".");
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode m : node) {
      if (!m.isTextual() || m.asText().isBlank()) {
        throw ApiError.invalid(param + "[" + out.size() + "]", "invalid_type",
            param + " must hold non-empty strings (model IDs).");
      }
      out.add(m.asText().trim());
    }
    return new Field<>(List.copyOf(out), param);
  }

  /** A string setting (a model ID or a preset): null when absent. */
  public static Field<String> text(JsonNode node, String field, String prefix, String what) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    String param = prefix + field;
    if (!n.isTextual() || n.asText().isBlank()) {
      throw ApiError.invalid(param, "invalid_type", param + " must be a non-empty string (" + what + ").");
    }
    return new Field<>(n.asText().trim(), param);
  }

  /** Temperature: any number (the range is validate()'s); anything else is an invalid value. */
  public static Field<Double> temperature(JsonNode t, String param) {
    if (t == null || t.isNull()) {
      return null;
    }
    if (!t.isNumber()) {
      throw ApiError.invalid(param, "invalid_value", param + " must be a number from 0 to 2.");
    }
    return new Field<>(t.asDouble(), param);
  }

  public static Field<Integer> positiveInt(JsonNode m, String param) {
    Field<Integer> n = integer(m, param);
    if (n != null && n.value() < 1) {
      throw ApiError.invalid(param, "invalid_value", param + " must be a positive integer.");
    }
    return n;
  }

  private static Field<Integer> integer(JsonNode m, String param) {
    if (m == null || m.isNull()) {
      return null;
    }
    if (!m.isIntegralNumber() || !m.canConvertToInt()) {
      throw ApiError.invalid(param, "invalid_value", param + " must be an integer.");
    }
    return new Field<>(m.asInt(), param);
  }

  /**
   * Reasoning for the panel and judge calls: an object with an optional {@code effort} (one of
   * {@link #REASONING_EFFORTS}) and {@code max_tokens} (a positive integer); anything else is refused.
   */
  private static Field<JsonNode> reasoning(JsonNode reasoning, String param) {
    if (reasoning == null || reasoning.isNull()) {
      return null;
    }
    if (!reasoning.isObject()) {
      throw ApiError.invalid(param, "invalid_type", param + " must be an object ({\"effort\", \"max_tokens\"}).");
    }
    for (Iterator<String> it = reasoning.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!REASONING_FIELDS.contains(f)) {
        throw unknown(param + "." + shown(f));
      }
    }
    ObjectNode normalised = Json.object();
    JsonNode effort = reasoning.get("effort");
    if (effort != null && !effort.isNull()) {
      if (!effort.isTextual()) {
        throw ApiError.invalid(param + ".effort", "invalid_type", param + ".effort must be a string, one of "
            + String.join(", ", REASONING_EFFORTS) + ".");
      }
      if (!REASONING_EFFORTS.contains(effort.asText())) {
        throw ApiError.invalid(param + ".effort", "invalid_value", param + ".effort must be one of "
            + String.join(", ", REASONING_EFFORTS) + "; got '" + shown(effort.asText()) + "'.");
      }
      normalised.put("effort", effort.asText());
    }
    Field<Integer> maxTokens = positiveInt(reasoning.get("max_tokens"), param + ".max_tokens");
    if (maxTokens != null) {
      normalised.put("max_tokens", maxTokens.value());
    }
    return new Field<>(normalised, param);
  }

  /** A string setting that takes one of a few values: null when absent. */
  private static Field<String> oneOf(JsonNode node, String field, String prefix, List<String> values) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    String param = prefix + field;
    if (!n.isTextual()) {
      throw ApiError.invalid(param, "invalid_type", param + " must be a string, one of " + String.join(", ", values)
          + ".");
    }
    if (!values.contains(n.asText())) {
      throw ApiError.invalid(param, "invalid_value", param + " must be one of " + String.join(", ", values)
          + "; got '" + shown(n.asText()) + "'.");
    }
    return new Field<>(n.asText(), param);
  }

  /** An unknown field or query parameter: the same 400 everywhere. */
  public static ApiError unknown(String param) {
    return ApiError.unknownParameter(param);
  }

  /** A client's name or value as an error repeats it: bounded, since it can be anything. */
  public static String shown(String text) {
    return JsonSize.fit(text, SHOWN_BYTES, "…");
  }
}
