package dev.fusion.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.contract.ChatMessage;
import java.util.List;

/**
 * One chat-completions call. {@code extra} holds provider-specific fields (e.g. OpenRouter's
 * {@code plugins}, {@code provider}, {@code reasoning}, or {@code tools} and {@code tool_choice}) that
 * pass through untouched. {@code wireMessages}, when present, is sent verbatim instead of
 * {@code messages}: a client's conversation with tool turns (assistant {@code tool_calls}, {@code tool}
 * messages with {@code tool_call_id}) has more than role and content.
 */
public record ChatRequest(
    String model,
    List<ChatMessage> messages,
    Double temperature,
    Integer maxCompletionTokens,
    JsonNode responseFormat,
    ObjectNode extra,
    ArrayNode wireMessages) {

  public ChatRequest(String model, List<ChatMessage> messages, Double temperature, Integer maxCompletionTokens,
      JsonNode responseFormat, ObjectNode extra) {
    this(model, messages, temperature, maxCompletionTokens, responseFormat, extra, null);
  }

  public static ChatRequest of(String model, List<ChatMessage> messages) {
    return new ChatRequest(model, messages, null, null, null, null);
  }

  /**
   * The {@code extra} of a panel or judge call: a fusion config's {@code reasoning} object as the client
   * gave it, or null when there is none.
   */
  public static ObjectNode reasoningExtra(JsonNode reasoning) {
    if (reasoning == null || !reasoning.isObject()) {
      return null;
    }
    ObjectNode extra = dev.fusion.common.Json.object();
    extra.set("reasoning", reasoning.deepCopy());
    return extra;
  }

  /** The same call with the conversation as OpenAI wire messages, sent as given. */
  public ChatRequest withWireMessages(ArrayNode raw) {
    return new ChatRequest(model, messages, temperature, maxCompletionTokens, responseFormat, extra, raw);
  }
}
