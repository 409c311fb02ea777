package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Validates a batch upload one line at a time and turns each good line into a {@link BatchItem}. Pure
 * (no network, no clock beyond the one passed in), so every rule is unit-tested. Two line shapes are
 * accepted:
 *
 * <ul>
 *   <li>OpenAI Batch: {@code {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}}
 *       where the body is a chat-completions request with {@code model: "fusion"} and optional
 *       {@code plugins: [{"id": "fusion", "analysis_models", "model", "synthesizer", "temperature"}]}; or
 *       {@code url: "/v1/jobs"} with a jobs-API body.
 *   <li>Shorthand: {@code {"custom_id", "prompt"}} (or {@code messages}), using the batch-level settings.
 * </ul>
 *
 * Batch-level settings (the upload's query parameters) fill whatever a line leaves out. Validation of
 * the deliberation itself is {@link JobRequests}'s, so a line is held to exactly the jobs-API rules.
 */
public final class BatchParser {
  public static final int MAX_CUSTOM_ID = 512;
  /** Batch-level settings: the jobs-API fields a line may leave out. */
  public static final Set<String> SETTINGS = Set.of("analysis_models", "model", "synthesizer", "temperature",
      "max_completion_tokens");
  private static final Set<String> SHORTHAND_FIELDS = Set.of("custom_id", "prompt", "messages");
  private static final Set<String> BATCH_FIELDS = Set.of("custom_id", "method", "url", "body");
  private static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "plugins", "temperature",
      "max_completion_tokens", "max_tokens", "stream", "user", "metadata");
  private static final Set<String> PLUGIN_FIELDS = Set.of("id", "analysis_models", "model", "synthesizer",
      "temperature");

  /** What one line became: an item, an error, or nothing (a blank line). */
  public record Outcome(BatchItem item, LineError error) {}

  private final JobRequests requests;
  private final String batchId;
  private final String tenant;
  private final ObjectNode defaults;
  private final long acceptedAtMs;
  private final Set<String> customIds = new HashSet<>();
  private long lineNumber;
  private long ordinal;

  public BatchParser(JobRequests requests, String batchId, String tenant, ObjectNode defaults, long acceptedAtMs) {
    this.requests = requests;
    this.batchId = batchId;
    this.tenant = tenant;
    this.defaults = defaults;
    this.acceptedAtMs = acceptedAtMs;
  }

  /**
   * Turns query parameters into batch-level settings, validating them as a jobs-API request would.
   * {@code analysis_models} is comma-separated.
   */
  public static ObjectNode settings(Map<String, String> params, JobRequests requests) {
    ObjectNode out = Json.object();
    for (var e : params.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!SETTINGS.contains(key)) {
        continue;
      }
      switch (key) {
        case "analysis_models" -> {
          ArrayNode models = out.putArray(key);
          for (String m : value.split(",")) {
            if (!m.isBlank()) {
              models.add(m.trim());
            }
          }
        }
        case "temperature", "max_completion_tokens" -> {
          try {
            out.set(key, Json.MAPPER.readTree(value));
          } catch (Exception ex) {
            throw ApiError.invalid(key, "invalid_value", key + " must be a number.");
          }
        }
        default -> out.put(key, value);
      }
    }
    ObjectNode probe = out.deepCopy();
    probe.putArray("messages").addObject().put("role", "user").put("content", "settings check");
    requests.toJob(probe, "settings-check");
    return out;
  }

  /** Settings as stored on the batch state (strings), for display. */
  public static Map<String, String> describe(ObjectNode settings) {
    Map<String, String> out = new LinkedHashMap<>();
    settings.fields().forEachRemaining(e -> out.put(e.getKey(),
        e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
    return out;
  }

  public long linesSeen() {
    return lineNumber;
  }

  public long validItems() {
    return ordinal;
  }

  /** Feeds the next line of the file (without its line terminator). */
  public Outcome next(String line) {
    lineNumber++;
    if (line.isBlank()) {
      return new Outcome(null, null);
    }
    String customId = null;
    try {
      JsonNode node;
      try {
        node = Json.MAPPER.readTree(line);
      } catch (Exception e) {
        throw ApiError.invalid(null, "invalid_json", "The line is not valid JSON.");
      }
      if (node == null || !node.isObject()) {
        throw ApiError.invalid(null, "invalid_json", "The line must be a JSON object.");
      }
      JsonNode id = node.get("custom_id");
      if (id == null || !id.isTextual() || id.asText().isBlank()) {
        throw ApiError.invalid("custom_id", "missing_custom_id", "custom_id is required: a non-empty string.");
      }
      customId = id.asText();
      if (customId.length() > MAX_CUSTOM_ID) {
        throw ApiError.invalid("custom_id", "invalid_value", "custom_id must be at most " + MAX_CUSTOM_ID + " characters.");
      }
      ObjectNode request = node.has("body") || node.has("url") || node.has("method")
          ? fromBatchLine((ObjectNode) node)
          : fromShorthand((ObjectNode) node);
      defaults.fields().forEachRemaining(e -> {
        if (!request.has(e.getKey()) || request.get(e.getKey()).isNull()) {
          request.set(e.getKey(), e.getValue());
        }
      });
      FusionJob parsed = requests.toJob(request, tenant);
      if (!customIds.add(customId)) {
        throw ApiError.invalid("custom_id", "duplicate_custom_id",
            "custom_id '" + customId + "' appears on an earlier line; custom IDs must be unique in a batch.");
      }
      FusionJob job = new FusionJob(parsed.schemaVersion(), BatchItem.jobId(batchId, lineNumber), tenant,
          parsed.messages(), parsed.analysisModels(), parsed.judgeModel(), parsed.synthesizerModel(),
          parsed.temperature(), parsed.maxCompletionTokens(), acceptedAtMs);
      return new Outcome(new BatchItem(BatchItem.SCHEMA_VERSION, batchId, ordinal++, lineNumber, customId, job), null);
    } catch (ApiError e) {
      String message = e.param() != null && !e.getMessage().contains(e.param())
          ? e.param() + ": " + e.getMessage() : e.getMessage();
      return new Outcome(null, new LineError(lineNumber, customId, e.code(), message));
    }
  }

  private static ObjectNode fromShorthand(ObjectNode line) {
    rejectUnknown(line, SHORTHAND_FIELDS, "");
    ObjectNode request = Json.object();
    JsonNode prompt = line.get("prompt");
    if (prompt != null && line.has("messages")) {
      throw ApiError.invalid("prompt", "invalid_value", "Give either prompt or messages, not both.");
    }
    if (prompt != null) {
      if (!prompt.isTextual() || prompt.asText().isBlank()) {
        throw ApiError.invalid("prompt", "invalid_type", "prompt must be a non-empty string.");
      }
      request.putArray("messages").addObject().put("role", "user").put("content", prompt.asText());
    } else if (line.has("messages")) {
      request.set("messages", line.get("messages"));
    } else {
      throw ApiError.invalid("prompt", "missing_required_parameter",
          "A line needs prompt (or messages), or an OpenAI Batch body.");
    }
    return request;
  }

  private static ObjectNode fromBatchLine(ObjectNode line) {
    rejectUnknown(line, BATCH_FIELDS, "");
    JsonNode method = line.get("method");
    if (method != null && !"POST".equalsIgnoreCase(method.asText())) {
      throw ApiError.invalid("method", "invalid_value", "method must be POST.");
    }
    String url = line.path("url").asText("/v1/chat/completions");
    JsonNode body = line.get("body");
    if (body == null || !body.isObject()) {
      throw ApiError.invalid("body", "invalid_type", "body must be a JSON object (the request).");
    }
    if (url.equals("/v1/jobs")) {
      return ((ObjectNode) body).deepCopy();
    }
    if (!url.equals("/v1/chat/completions")) {
      throw ApiError.invalid("url", "invalid_value", "url must be /v1/chat/completions or /v1/jobs.");
    }
    return fromChat((ObjectNode) body);
  }

  private static ObjectNode fromChat(ObjectNode body) {
    rejectUnknown(body, CHAT_FIELDS, "body.");
    if (!"fusion".equals(body.path("model").asText())) {
      throw ApiError.invalid("body.model", "invalid_value", "body.model must be \"fusion\".");
    }
    if (body.path("stream").asBoolean(false)) {
      throw ApiError.invalid("body.stream", "invalid_value", "Batch requests cannot stream.");
    }
    ObjectNode request = Json.object();
    if (body.has("messages")) {
      request.set("messages", body.get("messages"));
    }
    copy(body, "temperature", request, "temperature");
    copy(body, "max_tokens", request, "max_completion_tokens");
    copy(body, "max_completion_tokens", request, "max_completion_tokens");
    JsonNode plugins = body.get("plugins");
    if (plugins != null && !plugins.isNull()) {
      if (!plugins.isArray()) {
        throw ApiError.invalid("body.plugins", "invalid_type", "body.plugins must be an array.");
      }
      for (JsonNode plugin : plugins) {
        if (!"fusion".equals(plugin.path("id").asText())) {
          continue;
        }
        rejectUnknown((ObjectNode) plugin, PLUGIN_FIELDS, "body.plugins[fusion].");
        copy(plugin, "analysis_models", request, "analysis_models");
        copy(plugin, "model", request, "model");
        copy(plugin, "synthesizer", request, "synthesizer");
        if (!request.has("temperature")) {
          copy(plugin, "temperature", request, "temperature");
        }
      }
    }
    return request;
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode v = from.get(field);
    if (v != null && !v.isNull()) {
      to.set(as, v);
    }
  }

  private static void rejectUnknown(ObjectNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        // Shown bounded: the line error is stored on the batch's state record.
        String shown = prefix + JobRequests.shown(field);
        throw ApiError.invalid(shown, "unknown_parameter", "Unrecognized field: " + shown);
      }
    }
  }
}
