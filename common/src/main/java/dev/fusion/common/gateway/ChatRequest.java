package dev.fusion.common.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.contract.ChatMessage;
import java.util.List;

/**
 * One chat-completions call. {@code extra} holds provider-specific fields (e.g. OpenRouter's
 * {@code plugins}, {@code provider}, {@code reasoning}) that pass through untouched.
 */
public record ChatRequest(
    String model,
    List<ChatMessage> messages,
    Double temperature,
    Integer maxCompletionTokens,
    JsonNode responseFormat,
    ObjectNode extra) {

  public static ChatRequest of(String model, List<ChatMessage> messages) {
    return new ChatRequest(model, messages, null, null, null, null);
  }

  public ChatRequest withModel(String otherModel) {
    return new ChatRequest(otherModel, messages, temperature, maxCompletionTokens, responseFormat, extra);
  }
}
