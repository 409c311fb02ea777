package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.DeliberationRequest.Field;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a batch upload, one line at a time, into {@link BatchItem}s. Pure (no network, no clock beyond
 * the one passed in), so every rule is unit-tested. Three line shapes are accepted:
 *
 * <ul>
 *   <li>OpenAI Batch, {@code {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}}:
 *       the body is read exactly as {@code POST /v1/chat/completions} reads it (any preset, the fusion
 *       plugin or tool entry), and must deliberate;
 *   <li>OpenAI Batch with {@code url: "/v1/jobs"}: the body is a jobs-API body;
 *   <li>shorthand, {@code {"custom_id", "prompt"}} (or {@code messages}) plus any deliberation setting.
 * </ul>
 *
 * Batch-level settings (the upload's query parameters) fill whatever a line leaves out. Reading and
 * validation are the request model's ({@link RequestReader}, {@link DeliberationRequest#validate}), so a
 * line is held to exactly the rules of every other way in.
 */
public final class BatchParser {
  public static final int MAX_CUSTOM_ID = 512;
  private static final Set<String> SHORTHAND_OWN = Set.of("custom_id", "prompt", "messages");
  private static final Set<String> BATCH_FIELDS = Set.of("custom_id", "method", "url", "body");
  private static final Field<List<ChatMessage>> PROBE =
      new Field<>(List.of(new ChatMessage("user", "settings check")), "messages");

  /** What one line became: an item, an error, or nothing (a blank line). */
  public record Outcome(BatchItem item, LineError error) {}

  private final JobRequests requests;
  private final ChatCompletionRequests chat;
  private final String batchId;
  private final String tenant;
  private final DeliberationRequest defaults;
  private final long acceptedAtMs;
  private final Set<String> customIds = new HashSet<>();
  private long lineNumber;
  private long ordinal;

  public BatchParser(JobRequests requests, String batchId, String tenant, DeliberationRequest defaults,
      long acceptedAtMs) {
    this.requests = requests;
    this.chat = new ChatCompletionRequests(requests.limits());
    this.batchId = batchId;
    this.tenant = tenant;
    this.defaults = defaults;
    this.acceptedAtMs = acceptedAtMs;
  }

  /**
   * The upload's query parameters as batch-level settings, checked as a request with them would be (an
   * unknown parameter, a wrong type or an unserved model rejects the whole upload).
   */
  public static RequestReader.QuerySettings settings(Map<String, List<String>> params, JobRequests requests) {
    RequestReader.QuerySettings settings = RequestReader.query(params);
    settings.request().orElse(DeliberationRequest.ofMessages(PROBE))
        .validate(requests.limits());
    return settings;
  }

  /** Settings as stored on the batch state and echoed: field name to its JSON value (numbers, lists, text). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> describe(ObjectNode settings) {
    return Json.MAPPER.convertValue(settings, LinkedHashMap.class);
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
      DeliberationRequest.Deliberation deliberation = node.has("body") || node.has("url") || node.has("method")
          ? fromBatchLine(node)
          : fromShorthand(node).orElse(defaults).validate(requests.limits());
      if (!customIds.add(customId)) {
        throw ApiError.invalid("custom_id", "duplicate_custom_id",
            "custom_id '" + customId + "' appears on an earlier line; custom IDs must be unique in a batch.");
      }
      FusionJob job = deliberation.toJob(BatchItem.jobId(batchId, lineNumber), tenant, acceptedAtMs);
      return new Outcome(new BatchItem(BatchItem.SCHEMA_VERSION, batchId, ordinal++, lineNumber, customId, job), null);
    } catch (ApiError e) {
      String message = e.param() != null && !e.getMessage().contains(e.param())
          ? e.param() + ": " + e.getMessage() : e.getMessage();
      return new Outcome(null, new LineError(lineNumber, customId, e.code(), message, e.param()));
    }
  }

  private static DeliberationRequest fromShorthand(JsonNode line) {
    JsonNode prompt = line.get("prompt");
    if (prompt != null && line.has("messages")) {
      throw ApiError.invalid("prompt", "invalid_value", "Give either prompt or messages, not both.");
    }
    DeliberationRequest settings = RequestReader.settings(line, "", SHORTHAND_OWN);
    Field<List<ChatMessage>> messages;
    if (prompt != null) {
      if (!prompt.isTextual() || prompt.asText().isBlank()) {
        throw ApiError.invalid("prompt", "invalid_type", "prompt must be a non-empty string.");
      }
      messages = new Field<>(List.of(new ChatMessage("user", prompt.asText())), "prompt");
    } else if (line.has("messages")) {
      messages = new Field<>(RequestReader.messages(line.get("messages"), "messages"), "messages");
    } else {
      throw ApiError.invalid("prompt", "missing_required_parameter",
          "A line needs prompt (or messages), or an OpenAI Batch body.");
    }
    return settings.orElse(DeliberationRequest.ofMessages(messages));
  }

  private DeliberationRequest.Deliberation fromBatchLine(JsonNode line) {
    for (Iterator<String> it = line.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!BATCH_FIELDS.contains(field)) {
        throw RequestReader.unknown(RequestReader.shown(field));
      }
    }
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
      return RequestReader.jobsBody(body, "body.").orElse(defaults).validate(requests.limits());
    }
    if (!url.equals("/v1/chat/completions")) {
      throw ApiError.invalid("url", "invalid_value", "url must be /v1/chat/completions or /v1/jobs.");
    }
    ChatCompletionRequests.ChatCall call;
    try {
      call = chat.parse(body, defaults);
    } catch (ApiError e) {
      // Named as in the line: the chat request is the line's body.
      throw new ApiError(e.status(), "invalid_request_error", e.code(), "body" + (e.param() == null ? ""
          : "." + e.param()), e.getMessage());
    }
    if (!call.deliberates()) {
      throw ApiError.invalid("body.model", "invalid_value", "A batch line deliberates: body.model must be a fusion "
          + "preset (fusion, fusion/quality, fusion/fast, fusion/budget) or the body must carry a fusion tool, "
          + "with fusion enabled.");
    }
    if (call.stream()) {
      throw ApiError.invalid("body.stream", "invalid_value", "Batch requests cannot stream.");
    }
    if (!call.clientTools().isEmpty() || call.toolChoice() == ChatCompletionRequests.ToolChoice.NONE
        || call.toolChoice() == ChatCompletionRequests.ToolChoice.CLIENT_FUNCTION) {
      throw ApiError.invalid(call.clientTools().isEmpty() ? "body.tool_choice" : "body.tools", "invalid_value",
          "A batch line always deliberates: it cannot offer tools of its own or refuse the fusion tool.");
    }
    return call.fusion();
  }
}
