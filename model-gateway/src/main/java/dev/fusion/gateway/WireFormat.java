package dev.fusion.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI chat-completions wire format, both ways: the request body Fusion sends for a call, and a
 * whole (non-streamed) completion read back into a result. Pure: no I/O. A streamed completion is read
 * by {@link CompletionStream}, chunk by chunk.
 */
final class WireFormat {
  private WireFormat() {}

  /**
   * The body of {@code POST {base}/chat/completions} for {@code model} at {@code provider}: the
   * request's provider-specific fields (plugins, provider, reasoning, ...) pass through, and ours win on
   * a conflict; a stream asks for its usage in the last chunk.
   */
  static ObjectNode requestBody(Provider provider, String model, ChatRequest request, boolean stream) {
    // The body is serialized at once and dropped, and only its own top-level fields are set here: it
    // shares the request's nodes (messages, offered tools) instead of deep-copying them on every call.
    ObjectNode body = Json.object();
    if (request.extra() != null) {
      body.setAll(request.extra());
    }
    body.put("model", provider.wireModel(model));
    if (request.wireMessages() != null) {
      body.set("messages", request.wireMessages());
    } else {
      ArrayNode messages = body.putArray("messages");
      for (ChatMessage m : request.messages()) {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    if (request.maxCompletionTokens() != null) {
      body.put("max_completion_tokens", request.maxCompletionTokens());
    }
    if (request.responseFormat() != null) {
      body.set("response_format", request.responseFormat());
    }
    if (provider.usageAccounting() && !body.has("usage")) {
      body.putObject("usage").put("include", true);
    }
    if (stream) {
      body.put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
    }
    return body;
  }

  /**
   * A whole completion body of {@code model}, whose request was sent at {@code startedMs}
   * ({@link MonotonicClock}). Cost is not filled in here (see {@link Pricing}).
   *
   * @throws AttemptFailure when the body is not a completion: not JSON, not an object, an error, no choices
   */
  static ChatResult parseCompletion(String model, byte[] body, long startedMs) {
    CompletionChunk completion;
    try {
      completion = CompletionChunk.read(body);
    } catch (CompletionChunk.InvalidChunk e) {
      throw FailureClassifier.notJson(model);
    }
    if (!completion.object) {
      throw FailureClassifier.notAnObject(model);
    }
    if (completion.error != null) {
      JsonNode error = completion.error;
      throw FailureClassifier.errorBody(model, error.path("message").asText(error.asText()));
    }
    if (completion.choices.isEmpty()) {
      throw FailureClassifier.noChoices(model);
    }
    CompletionChunk.Choice choice = completion.choices.get(0);
    List<ToolCall> calls = new ArrayList<>();
    if (choice.toolCalls != null) {
      for (JsonNode c : choice.toolCalls) {
        calls.add(new ToolCall(c.path("id").asText(null), c.path("type").asText("function"),
            c.path("function").path("name").asText(null), c.path("function").path("arguments").asText("")));
      }
    }
    return new ChatResult(model, completion.model != null ? completion.model : model, choice.content,
        choice.reasoning(), calls, choice.finishReason, CompletionChunk.usageOf(completion.usage), List.of(),
        MonotonicClock.nowMs() - startedMs);
  }

  /** The {@code error.message} of an error response's body, or "" when it has none or is not JSON. */
  static String errorMessage(byte[] body) {
    if (body == null) {
      return "";
    }
    try {
      return Json.MAPPER.readTree(body).path("error").path("message").asText("");
    } catch (Exception ignored) {
      // A non-JSON error body says nothing more than its status.
      return "";
    }
  }
}
