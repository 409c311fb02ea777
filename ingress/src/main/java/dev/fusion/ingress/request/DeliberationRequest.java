package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.contract.Usage;
import dev.fusion.ingress.http.ApiError;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One deliberation request, however it came in: the jobs API body, a chat completion's fusion plugin or
 * fusion tool entry, a batch line (any format) over the batch's query settings, or a
 * {@code fusion.requests} record. {@link RequestReader} builds it (types checked, nothing defaulted);
 * {@link #validate(Limits)} applies every rule that is not about JSON types — ranges, limits, presets,
 * served models, the record budget — the same way for all of them.
 *
 * <p>Every field is optional except {@code messages}; an absent one (null) takes the preset's value
 * ({@code fusion} = quality unless a preset is named). Each present field remembers the {@code param}
 * that named it in its request, e.g. {@code temperature}, {@code plugins[fusion].temperature} or
 * {@code body.temperature}, so an error names the field where the client wrote it.
 */
public record DeliberationRequest(
    Field<List<ChatMessage>> messages,
    Field<String> preset,
    Field<List<String>> panel,
    Field<String> judge,
    Field<String> synthesizer,
    Field<Double> temperature,
    Field<Integer> maxCompletionTokens,
    Field<Integer> maxToolCalls,
    Field<JsonNode> reasoning,
    Field<String> webTools,
    Field<String> onFailure) {

  /** A value as a client gave it, and the param that names it in that client's request. */
  public record Field<T>(T value, String param) {}

  public static final DeliberationRequest EMPTY =
      new DeliberationRequest(null, null, null, null, null, null, null, null, null, null, null);

  /** A request with the conversation and nothing else. */
  public static DeliberationRequest ofMessages(Field<List<ChatMessage>> messages) {
    return EMPTY.withMessages(messages);
  }

  public DeliberationRequest withMessages(Field<List<ChatMessage>> m) {
    return new DeliberationRequest(m, preset, panel, judge, synthesizer, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, webTools, onFailure);
  }

  public DeliberationRequest withPreset(Field<String> p) {
    return new DeliberationRequest(messages, p, panel, judge, synthesizer, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, webTools, onFailure);
  }

  public DeliberationRequest withJudge(Field<String> j) {
    return new DeliberationRequest(messages, preset, panel, j, synthesizer, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, webTools, onFailure);
  }

  public DeliberationRequest withSynthesizer(Field<String> s) {
    return new DeliberationRequest(messages, preset, panel, judge, s, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, webTools, onFailure);
  }

  public DeliberationRequest withWebTools(Field<String> w) {
    return new DeliberationRequest(messages, preset, panel, judge, synthesizer, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, w, onFailure);
  }

  public DeliberationRequest withOnFailure(Field<String> f) {
    return new DeliberationRequest(messages, preset, panel, judge, synthesizer, temperature, maxCompletionTokens,
        maxToolCalls, reasoning, webTools, f);
  }

  /** This request with every field it leaves out taken from {@code defaults} (a batch's query settings). */
  public DeliberationRequest orElse(DeliberationRequest defaults) {
    return new DeliberationRequest(or(messages, defaults.messages), or(preset, defaults.preset),
        or(panel, defaults.panel), or(judge, defaults.judge), or(synthesizer, defaults.synthesizer),
        or(temperature, defaults.temperature), or(maxCompletionTokens, defaults.maxCompletionTokens),
        or(maxToolCalls, defaults.maxToolCalls), or(reasoning, defaults.reasoning), or(webTools, defaults.webTools),
        or(onFailure, defaults.onFailure));
  }

  private static <T> Field<T> or(Field<T> a, Field<T> b) {
    return a != null ? a : b;
  }

  /**
   * The deliberation this request asks for, with the preset's values where it leaves fields out; or an
   * {@link ApiError}: 400 naming the param (413 for a job larger than the record budget allows).
   */
  public Deliberation validate(Limits limits) {
    return validate(limits, null);
  }

  /**
   * The same, for a chat completion whose outer model has settings of its own ({@code outer}, null for
   * the other ways in): they travel with the job, so the record budget counts them.
   */
  public Deliberation validate(Limits limits, OuterCall outer) {
    if (messages == null) {
      throw ApiError.invalid("messages", "missing_required_parameter",
          "messages is required: a non-empty array of chat messages.");
    }
    List<ChatMessage> msgs = messages.value();
    if (msgs.size() > limits.maxMessages()) {
      throw ApiError.invalid(messages.param(), "too_many_messages", messages.param() + " may hold at most "
          + limits.maxMessages() + " messages; got " + msgs.size() + ".");
    }
    if (limits.maxPromptChars() != Long.MAX_VALUE) {
      long chars = 0;
      for (ChatMessage m : msgs) {
        chars += m.content().length();
      }
      if (chars > limits.maxPromptChars()) {
        throw ApiError.invalid(messages.param(), "prompt_too_long", "The messages hold " + chars
            + " characters; the limit is " + limits.maxPromptChars() + ".");
      }
    }
    Presets.Preset base = limits.presets().quality();
    if (preset != null) {
      base = limits.presets().forModel(preset.value());
      if (base == null) {
        throw new ApiError(400, "invalid_request_error", "model_not_found", preset.param(), "Unknown fusion preset '"
            + RequestReader.shown(preset.value()) + "'; use fusion, fusion/quality, fusion/fast or fusion/budget.");
      }
    }
    List<String> models = base.panel();
    if (panel != null) {
      models = panel.value();
      if (models.size() < Limits.MIN_PANEL || models.size() > Limits.MAX_PANEL) {
        throw ApiError.invalid(panel.param(), "invalid_value", panel.param() + " must name between "
            + Limits.MIN_PANEL + " and " + Limits.MAX_PANEL + " models; got " + models.size() + ".");
      }
      if (models.size() > limits.maxPanel()) {
        throw ApiError.invalid(panel.param(), "invalid_value", panel.param() + " may name at most "
            + limits.maxPanel() + " models on this server; got " + models.size() + ".");
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < models.size(); i++) {
        String at = panel.param() + "[" + i + "]";
        served(models.get(i), at, limits);
        if (!seen.add(models.get(i))) {
          // Two answers of one model are not two opinions, and the judge's count of agreement would lie.
          throw ApiError.invalid(at, "duplicate_model", at + " names '" + RequestReader.shown(models.get(i))
              + "' again: each panel model may sit on the panel once.");
        }
      }
    }
    String judgeModel = judge == null ? base.judge() : served(judge.value(), judge.param(), limits);
    String synthModel = synthesizer == null ? base.synthesizer() : served(synthesizer.value(), synthesizer.param(),
        limits);
    Double temp = checkTemperature(temperature) == null ? null : temperature.value();
    Integer toolCalls = maxToolCalls == null ? null : maxToolCalls.value();
    if (toolCalls != null && (toolCalls < Limits.MIN_TOOL_CALLS || toolCalls > Limits.MAX_TOOL_CALLS)) {
      throw ApiError.invalid(maxToolCalls.param(), "invalid_value", maxToolCalls.param() + " must be from "
          + Limits.MIN_TOOL_CALLS + " to " + Limits.MAX_TOOL_CALLS + "; got " + toolCalls + ".");
    }
    Deliberation d = new Deliberation(msgs, models, judgeModel, synthModel, temp,
        maxCompletionTokens == null ? null : maxCompletionTokens.value(), toolCalls,
        reasoning == null ? null : reasoning.value(), webTools == null ? null : webTools.value(),
        onFailure == null ? null : onFailure.value(), outer);
    long bytes = RecordBudget.jobBytes(d.toJob("", "", 0));
    if (bytes > limits.budget().maxJobBytes()) {
      throw new ApiError(413, "invalid_request_error", "request_too_large", messages.param(), "The job takes "
          + bytes + " bytes as Fusion stores it; this server accepts at most " + limits.budget().maxJobBytes()
          + " (what its largest record leaves after the answers, analysis and result the job produces).");
    }
    return d;
  }

  /** A temperature, if any, from 0 to 2 (the panel's, or the outer model's; the judge always runs at 0). */
  public static Field<Double> checkTemperature(Field<Double> temperature) {
    if (temperature != null && !(temperature.value() >= 0 && temperature.value() <= 2)) {
      throw ApiError.invalid(temperature.param(), "invalid_value", temperature.param()
          + " must be a number from 0 to 2.");
    }
    return temperature;
  }

  /** A model ID travels in every record of its job, so it has a small cap of its own. */
  public static String checkModelId(String model, String param) {
    if (!RecordBudget.isModelIdWithinLimit(model)) {
      throw ApiError.invalid(param, "invalid_value", param + " is not a model ID: model IDs are at most "
          + RecordBudget.MODEL_ID_BYTES + " bytes.");
    }
    return model;
  }

  /**
   * A model ID a client named: within the size cap, not a preset, and served by a configured provider
   * (else a 400 {@code model_not_found} naming it). Also what a rejudge's judge and synthesizer pass.
   */
  public static String served(String model, String param, Limits limits) {
    checkModelId(model, param);
    if (limits.presets().forModel(model) != null) {
      throw new ApiError(400, "invalid_request_error", "model_not_found", param, "'" + model + "' is a Fusion "
          + "preset, not a model: name it as preset (or as the chat completion's model).");
    }
    if (!limits.served().test(model)) {
      throw new ApiError(400, "invalid_request_error", "model_not_found", param, "No configured provider serves "
          + "model '" + RequestReader.shown(model) + "' (" + param + ").");
    }
    return model;
  }

  /**
   * A valid deliberation: every default applied, every rule checked. Turns into jobs without further checks.
   * {@code temperature} and {@code maxCompletionTokens} are the panel's (the judge takes only the token
   * limit); {@code outer} holds a chat completion's own settings for the outer model (null otherwise);
   * {@code webTools} and {@code onFailure} are null where the request left them to the defaults.
   */
  public record Deliberation(List<ChatMessage> messages, List<String> panel, String judge, String synthesizer,
      Double temperature, Integer maxCompletionTokens, Integer maxToolCalls, JsonNode reasoning, String webTools,
      String onFailure, OuterCall outer) {

    public FusionJob toJob(String jobId, String tenant, long acceptedAtMs) {
      return new FusionJob(FusionJob.SCHEMA_VERSION, jobId, tenant, messages, panel, judge, synthesizer, temperature,
          maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, null, null, outer, webTools, onFailure);
    }

    /** The same deliberation with the routing call's model and usage ({@code tool_choice: "auto"}). */
    public Deliberation withRouter(String model, Usage usage) {
      OuterCall o = outer == null ? new OuterCall(null, null, null, null, null) : outer;
      return new Deliberation(messages, panel, judge, synthesizer, temperature, maxCompletionTokens, maxToolCalls,
          reasoning, webTools, onFailure, o.withRouter(model, usage));
    }
  }
}
