package dev.fusion.gateway;

import dev.fusion.common.contract.Usage;
import java.util.List;

/**
 * A finished completion: what the provider said (content, reasoning, tool calls), which concrete model
 * said it (a fallback, or the provider's own name for the model), what it cost, and every attempt it
 * took, across fallbacks.
 */
public record ChatResult(String requestedModel, String respondingModel, String content, String reasoning,
    List<ToolCall> toolCalls, String finishReason, Usage usage, List<AttemptRecord> history, long latencyMs) {

  public ChatResult {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    history = history == null ? List.of() : List.copyOf(history);
  }

  /** HTTP attempts made, retries and fallbacks included. */
  public int attempts() {
    return history.size();
  }
}
