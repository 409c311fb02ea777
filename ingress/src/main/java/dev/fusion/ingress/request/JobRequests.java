package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.JsonSize;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.ingress.http.ApiError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a {@code POST /v1/jobs} body into a {@link FusionJob}, or an {@link ApiError} that names the
 * offending field. Pure: no network, so every rule is unit-testable.
 */
public final class JobRequests {
  public static final int MIN_PANEL = 1;
  public static final int MAX_PANEL = RecordBudget.MAX_PANEL;
  /** How much of a client's field name an error message repeats. */
  private static final int SHOWN_NAME_BYTES = 64;
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
  private static final Set<String> FIELDS = Set.of("messages", "analysis_models", "model", "synthesizer",
      "temperature", "max_completion_tokens");

  private final FusionConfig config;
  private final IngressOptions.RequestLimits limits;
  private final RecordBudget budget;

  public JobRequests(FusionConfig config) {
    this(config, IngressOptions.RequestLimits.DEFAULT);
  }

  public JobRequests(FusionConfig config, IngressOptions.RequestLimits limits) {
    this.config = config;
    this.limits = limits;
    this.budget = config.recordBudget();
  }

  public static JsonNode parseBody(String body) {
    if (body == null || body.isBlank()) {
      throw ApiError.invalid(null, "invalid_json", "The request body is empty; send a JSON object.");
    }
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      if (root == null || !root.isObject()) {
        throw ApiError.invalid(null, "invalid_json", "The request body must be a JSON object.");
      }
      return root;
    } catch (ApiError e) {
      throw e;
    } catch (Exception e) {
      throw ApiError.invalid(null, "invalid_json", "The request body is not valid JSON.");
    }
  }

  public FusionJob toJob(JsonNode body, String tenant) {
    return toJob(body, tenant, newJobId());
  }

  /** With a given job ID (Kafka submissions derive it from the record's position, so a replay reuses it). */
  public FusionJob toJob(JsonNode body, String tenant, String jobId) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw ApiError.invalid(shown(field), "unknown_parameter", "Unrecognized request argument supplied: "
            + shown(field));
      }
    }
    List<ChatMessage> messages = messages(body.get("messages"));
    checkLimits(messages);
    List<String> panel = body.has("analysis_models") ? models(body.get("analysis_models")) : config.defaultPanel();
    if (panel.size() > limits.maxPanel()) {
      throw ApiError.invalid("analysis_models", "invalid_value", "analysis_models may name at most "
          + limits.maxPanel() + " models on this server; got " + panel.size() + ".");
    }
    String judge = modelId(body, "model", config.defaultJudge());
    String synthesizer = modelId(body, "synthesizer", config.defaultSynthesizer());
    Double temperature = null;
    if (body.has("temperature") && !body.get("temperature").isNull()) {
      JsonNode t = body.get("temperature");
      if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
        throw ApiError.invalid("temperature", "invalid_value", "temperature must be a number from 0 to 2.");
      }
      temperature = t.asDouble();
    }
    Integer maxTokens = null;
    if (body.has("max_completion_tokens") && !body.get("max_completion_tokens").isNull()) {
      JsonNode m = body.get("max_completion_tokens");
      if (!m.canConvertToInt() || !m.isIntegralNumber() || m.asInt() < 1) {
        throw ApiError.invalid("max_completion_tokens", "invalid_value",
            "max_completion_tokens must be a positive integer.");
      }
      maxTokens = m.asInt();
    }
    return checkSize(new FusionJob(FusionJob.SCHEMA_VERSION, jobId, tenant, messages, panel, judge, synthesizer,
        temperature, maxTokens, System.currentTimeMillis()), budget);
  }

  /**
   * The job, if every record it leads to is writable; else a 413. Every way in (jobs API, chat completions,
   * batch lines, Kafka requests) passes here. Counting costs one pass over the text, no serialization.
   */
  public static FusionJob checkSize(FusionJob job, RecordBudget budget) {
    long bytes = RecordBudget.jobBytes(job);
    if (bytes > budget.maxJobBytes()) {
      throw new ApiError(413, "invalid_request_error", "request_too_large", "messages", "The job takes " + bytes
          + " bytes as Fusion stores it; this server accepts at most " + budget.maxJobBytes()
          + " (what its largest record leaves after the answers, analysis and result the job produces).");
    }
    return job;
  }

  /** The message count and total prompt length limits, checked before anything is published. */
  void checkLimits(List<ChatMessage> messages) {
    if (messages.size() > limits.maxMessages()) {
      throw ApiError.invalid("messages", "too_many_messages", "messages may hold at most " + limits.maxMessages()
          + " messages; got " + messages.size() + ".");
    }
    long chars = messages.stream().mapToLong(m -> m.content().length()).sum();
    if (chars > limits.maxPromptChars()) {
      throw ApiError.invalid("messages", "prompt_too_long", "The messages hold " + chars
          + " characters; the limit is " + limits.maxPromptChars() + ".");
    }
  }

  private static final java.util.regex.Pattern JOB_ID = java.util.regex.Pattern.compile("job_[0-9a-f]{32}");

  /** Job IDs are always generated here; anything else cannot name a job (and never reaches storage). */
  public static boolean isJobId(String id) {
    return id != null && JOB_ID.matcher(id).matches();
  }

  public static String newJobId() {
    return "job_" + UUID.randomUUID().toString().replace("-", "");
  }

  static List<ChatMessage> messages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw ApiError.invalid("messages", "missing_required_parameter", "messages is required: a non-empty array of chat messages.");
    }
    if (!node.isArray()) {
      throw ApiError.invalid("messages", "invalid_type", "messages must be an array of chat messages.");
    }
    if (node.isEmpty()) {
      throw ApiError.invalid("messages", "invalid_value", "messages must contain at least one message.");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.invalid(where, "invalid_type", where + " must be an object with role and content.");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
        throw ApiError.invalid(where + ".role", "invalid_value", where + ".role must be one of " + ROLES + ".");
      }
      out.add(new ChatMessage(role.asText(), content(m.get("content"), where + ".content")));
    }
    return out;
  }

  /** Content is a string, or an array of {"type":"text","text":...} parts (joined). */
  static String content(JsonNode node, String where) {
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

  static List<String> models(JsonNode node) {
    if (!node.isArray()) {
      throw ApiError.invalid("analysis_models", "invalid_type", "analysis_models must be an array of model IDs.");
    }
    if (node.size() < MIN_PANEL || node.size() > MAX_PANEL) {
      throw ApiError.invalid("analysis_models", "invalid_value",
          "analysis_models must name between " + MIN_PANEL + " and " + MAX_PANEL + " models; got " + node.size() + ".");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode m : node) {
      if (!m.isTextual() || m.asText().isBlank()) {
        throw ApiError.invalid("analysis_models", "invalid_type", "analysis_models must hold non-empty strings.");
      }
      out.add(checkModelId(m.asText().trim(), "analysis_models[" + out.size() + "]"));
    }
    return out;
  }

  /** An optional model-ID field: a non-empty string of at most {@link RecordBudget#MODEL_ID_BYTES}. */
  static String modelId(JsonNode body, String field, String fallback) {
    return checkModelId(optionalString(body, field, fallback), field);
  }

  /** A model ID travels in every record of its job, so it has a small cap of its own. */
  static String checkModelId(String id, String param) {
    if (!RecordBudget.isModelIdWithinLimit(id)) {
      throw ApiError.invalid(param, "invalid_value", param + " is not a model ID: model IDs are at most "
          + RecordBudget.MODEL_ID_BYTES + " bytes.");
    }
    return id;
  }

  /** A client's field name as an error repeats it: bounded, since the name can be anything. */
  static String shown(String name) {
    return JsonSize.fit(name, SHOWN_NAME_BYTES, "…");
  }

  public static String optionalString(JsonNode body, String field, String fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      throw ApiError.invalid(field, "invalid_type", field + " must be a non-empty string (a model ID).");
    }
    return n.asText().trim();
  }
}
