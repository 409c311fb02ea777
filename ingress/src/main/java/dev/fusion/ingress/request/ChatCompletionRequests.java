package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.contract.WebToolsMode;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.DeliberationRequest.Deliberation;
import dev.fusion.ingress.request.DeliberationRequest.Field;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Parses a {@code POST /v1/chat/completions} body: which model, whether it deliberates, the fusion
 * settings (from a {@code fusion} plugin, or a {@code fusion} tool entry inline or in its
 * {@code parameters} object, same fields), the client's own tools and the tool choice. The deliberation
 * is the request model's ({@link RequestReader}, {@link DeliberationRequest#validate(Limits)}): the same
 * fields, limits and errors as every other way in.
 *
 * <p>The request's own top-level {@code temperature} and {@code max_completion_tokens} /
 * {@code max_tokens} are the outer model's (its routing call and its final answer): they travel with
 * the job as its {@link OuterCall}, with the client's own tools. The fusion config's are the panel's.
 * Pure: every rule is unit-testable; bad input is an {@link ApiError}.
 */
public final class ChatCompletionRequests {
  static final Set<String> FUSION_TOOL_TYPES = Set.of("fusion", "openrouter:fusion");
  /** A fusion plugin's own fields besides the settings. */
  private static final Set<String> PLUGIN_FIELDS = Set.of("id", "enabled");
  /** A fusion tool entry's own fields besides the settings (which may instead sit in {@code parameters}). */
  private static final Set<String> TOOL_ENTRY_FIELDS = Set.of("id", "type", "enabled", "parameters");
  /** What a client's web plugin may say on a deliberating request: the rest is the operator's to configure. */
  private static final Set<String> WEB_PLUGIN_FIELDS = Set.of("id", "enabled");
  static final String FUSION_PLUGIN = "fusion";
  static final String WEB_PLUGIN = "web";
  /** Top-level fields Fusion interprets itself; everything else of a plain completion passes through. */
  static final Set<String> OWN_FIELDS = Set.of("model", "messages", "stream", "stream_options", "plugins", "tools",
      "tool_choice", "temperature", "max_completion_tokens", "max_tokens");

  public enum ToolChoice { AUTO, REQUIRED, NONE, CLIENT_FUNCTION }

  /**
   * A parsed request. {@code fusion} (the validated deliberation, with the outer call's settings) is null
   * for a plain completion; {@code outerModel} routes and writes: the preset's synthesizer, or the
   * client's own model when it carries the fusion tool. {@code temperature} and
   * {@code maxCompletionTokens} are the request's top-level ones: the outer model's.
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

  /**
   * A request to {@code POST /v1/chat/completions}: a deliberation that produced nothing useful still
   * gets an answer from the outer model unless the fusion config says {@code on_failure: "error"}.
   */
  public ChatCall parse(JsonNode body) {
    return parse(body, DeliberationRequest.EMPTY,
        new Field<>(FusionJob.ON_FAILURE_ANSWER, "on_failure"));
  }

  /**
   * A chat-format batch line: settings that fill in whatever the request leaves out, under its own (the
   * batch's query settings); the preset's values come last. Without {@code on_failure}, a failed
   * deliberation fails the line (as a jobs-API job would).
   */
  public ChatCall parse(JsonNode body, DeliberationRequest defaults) {
    return parse(body, defaults, null);
  }

  private ChatCall parse(JsonNode body, DeliberationRequest defaults, Field<String> onFailureDefault) {
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
    JsonNode webPlugin = null;
    List<String> otherPlugins = new ArrayList<>();
    ArrayNode plainPlugins = Json.MAPPER.createArrayNode();
    JsonNode plugins = body.get("plugins");
    if (plugins != null && !plugins.isNull()) {
      if (!plugins.isArray()) {
        throw ApiError.invalid("plugins", "invalid_type", "plugins must be an array.");
      }
      for (int i = 0; i < plugins.size(); i++) {
        JsonNode p = plugins.get(i);
        String id = p.path("id").asText("");
        if (FUSION_PLUGIN.equals(id)) {
          pluginSettings = p;
          continue;
        }
        plainPlugins.add(p);
        if (WEB_PLUGIN.equals(id)) {
          webPlugin = p;
        } else {
          otherPlugins.add(id.isEmpty() ? Integer.toString(i) : RequestReader.shown(id));
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
      return plain(body, model, stream, choice, clientTools, rawMessages, messages, temp, tokens,
          plugins == null || plugins.isNull() ? null : plugins, body.get("tool_choice"));
    }
    if (pluginSettings != null && toolSettings != null) {
      throw ApiError.invalid("plugins", "invalid_value",
          "Configure fusion either with a plugin or with a fusion tool entry, not both.");
    }
    Entry entry = pluginSettings != null ? plugin(pluginSettings) : toolSettings != null ? toolEntry(toolSettings)
        : new Entry(DeliberationRequest.EMPTY, true);
    Presets.Preset presetValues = preset ? limits.presets().forModel(model) : null;
    if (preset && presetValues == null) {
      throw new ApiError(400, "invalid_request_error", "model_not_found", "model", "Unknown fusion preset '"
          + RequestReader.shown(model) + "'; use fusion, fusion/quality, fusion/fast or fusion/budget.");
    }
    if (!entry.enabled()) {
      // Fusion is off for this request: the outer model answers it as a plain completion. The fusion tool
      // is not on offer, so a tool choice that names it, or any choice without tools of the client's, goes.
      Field<String> synth = entry.settings().synthesizer();
      String outerModel = !preset ? model : synth != null
          ? DeliberationRequest.served(synth.value(), synth.param(), limits) : presetValues.synthesizer();
      boolean choosesFusion = choice == ToolChoice.REQUIRED && body.path("tool_choice").isObject();
      return plain(body, outerModel, stream, choosesFusion || clientTools.isEmpty() ? ToolChoice.AUTO : choice,
          clientTools, rawMessages, messages, temp, tokens, plainPlugins.isEmpty() ? null : plainPlugins,
          choosesFusion || clientTools.isEmpty() ? null : body.get("tool_choice"));
    }
    if (!otherPlugins.isEmpty()) {
      String id = otherPlugins.get(0);
      throw ApiError.invalid("plugins[" + id + "]", "unsupported_parameter", "plugins[" + id + "]: a deliberation "
          + "runs only the fusion and web plugins; send this request without it, or with fusion enabled: false.");
    }
    DeliberationRequest settings = web(webPlugin, entry.settings());
    // The model names the preset; with the fusion tool on a client's own model, that model is the outer
    // model (routes and writes) and, unless the config names one, the judge.
    DeliberationRequest ownDefaults = DeliberationRequest.EMPTY.withOnFailure(onFailureDefault);
    if (!preset) {
      ownDefaults = ownDefaults.withJudge(modelField);
    }
    DeliberationRequest request = settings
        .orElse(DeliberationRequest.ofMessages(new Field<>(messages, "messages"))
            .withPreset(preset ? modelField : null).withSynthesizer(preset ? null : modelField))
        .orElse(defaults)
        .orElse(ownDefaults);
    OuterCall outer = new OuterCall(temp, tokens, clientTools.isEmpty() ? null : clientTools, null, null);
    Deliberation deliberation = request.validate(limits, outer);
    return new ChatCall(model, preset ? deliberation.synthesizer() : model, stream, choice, body.get("tool_choice"),
        clientTools, rawMessages, messages, deliberation, temp, tokens, null);
  }

  /** A fusion config as read: its settings, and whether fusion is on for this request. */
  private record Entry(DeliberationRequest settings, boolean enabled) {}

  private static Entry plugin(JsonNode plugin) {
    String prefix = "plugins[fusion].";
    return new Entry(RequestReader.settings(plugin, prefix, PLUGIN_FIELDS), enabled(plugin, prefix));
  }

  /**
   * A fusion tool entry: its settings inline ({@code {"type": "fusion", "analysis_models": [...]}}) or in
   * {@code parameters} as the hosted docs show ({@code {"type": "openrouter:fusion", "parameters": {...}}}),
   * not both.
   */
  private static Entry toolEntry(JsonNode entry) {
    String prefix = "tools[fusion].";
    JsonNode parameters = entry.get("parameters");
    if (parameters == null || parameters.isNull()) {
      return new Entry(RequestReader.settings(entry, prefix, TOOL_ENTRY_FIELDS), enabled(entry, prefix));
    }
    if (!parameters.isObject()) {
      throw ApiError.invalid(prefix + "parameters", "invalid_type", prefix + "parameters must be an object of "
          + "fusion settings.");
    }
    for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (RequestReader.SETTINGS.contains(f)) {
        throw ApiError.invalid(prefix + f, "invalid_value", prefix + f + " is given inline next to "
            + prefix + "parameters: give the fusion settings in one place (move it into parameters).");
      }
    }
    RequestReader.settings(entry, prefix, TOOL_ENTRY_FIELDS); // Unknown inline fields are refused as such.
    String inner = prefix + "parameters.";
    if (entry.has("enabled") && parameters.has("enabled")) {
      throw ApiError.invalid(inner + "enabled", "invalid_value", inner + "enabled is given inline too: give it once.");
    }
    DeliberationRequest settings = RequestReader.settings(parameters, inner, Set.of("enabled"));
    return new Entry(settings, enabled(entry, prefix) && enabled(parameters, inner));
  }

  private static boolean enabled(JsonNode config, String prefix) {
    JsonNode enabled = config.get("enabled");
    if (enabled == null || enabled.isNull()) {
      return true;
    }
    if (!enabled.isBoolean()) {
      throw ApiError.invalid(prefix + "enabled", "invalid_type", prefix + "enabled must be a boolean.");
    }
    return enabled.asBoolean();
  }

  /**
   * A client's web plugin on a deliberating request: {@code enabled: false} turns the deliberation's web
   * tools off; anything it configures beyond that is the operator's (search backend, result count), so
   * refused rather than dropped; otherwise it is what a deliberation does anyway.
   */
  private static DeliberationRequest web(JsonNode plugin, DeliberationRequest settings) {
    if (plugin == null) {
      return settings;
    }
    String prefix = "plugins[web].";
    for (Iterator<String> it = plugin.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!WEB_PLUGIN_FIELDS.contains(f)) {
        throw ApiError.invalid(prefix + RequestReader.shown(f), "unsupported_parameter", prefix
            + RequestReader.shown(f) + ": the panel's and judge's web tools are configured by the operator; a "
            + "deliberating request may only turn them off (plugins: [{\"id\": \"web\", \"enabled\": false}]) "
            + "or choose web_tools in the fusion config.");
      }
    }
    boolean on = enabled(plugin, prefix);
    String asked = settings.webTools() == null ? null : settings.webTools().value();
    if (!on) {
      if (asked != null && !WebToolsMode.OFF.equals(asked)) {
        throw ApiError.invalid(prefix + "enabled", "invalid_value", prefix + "enabled is false but "
            + settings.webTools().param() + " is '" + asked + "': say one or the other.");
      }
      return settings.withWebTools(new Field<>(WebToolsMode.OFF, prefix + "enabled"));
    }
    if (WebToolsMode.OFF.equals(asked)) {
      throw ApiError.invalid("plugins[web]", "invalid_value", "The web plugin asks for web tools but "
          + settings.webTools().param() + " is 'off': say one or the other.");
    }
    return settings;
  }

  /**
   * A plain completion of {@code model}: every field Fusion does not interpret passes through, with the
   * client's plugins, its own tools and {@code toolChoice}.
   */
  private static ChatCall plain(JsonNode body, String model, boolean stream, ToolChoice choice, ArrayNode clientTools,
      ArrayNode rawMessages, List<ChatMessage> messages, Double temp, Integer tokens, JsonNode plugins,
      JsonNode toolChoice) {
    ObjectNode passthrough = Json.object();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!OWN_FIELDS.contains(f)) {
        passthrough.set(f, body.get(f));
      }
    }
    if (plugins != null) {
      passthrough.set("plugins", plugins);
    }
    if (!clientTools.isEmpty()) {
      passthrough.set("tools", clientTools);
    }
    if (toolChoice != null && !toolChoice.isNull()) {
      passthrough.set("tool_choice", toolChoice);
    }
    return new ChatCall(model, model, stream, choice, toolChoice, clientTools, rawMessages, messages, null, temp,
        tokens, passthrough);
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

  /** The job of a call whose outer model decided to deliberate: the routing call's cost is the job's too. */
  public static FusionJob toJob(ChatCall call, String tenant, String routerModel, Usage routerUsage) {
    return call.fusion().withRouter(routerModel, routerUsage).toJob(JobRequests.newJobId(), tenant,
        System.currentTimeMillis());
  }
}
