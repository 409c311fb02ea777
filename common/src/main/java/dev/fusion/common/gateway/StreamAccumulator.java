package dev.fusion.common.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.contract.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds the {@code chat.completion.chunk} objects of one stream into a completion: content and
 * reasoning text ({@code delta.reasoning}, or {@code delta.reasoning_content} as DeepSeek, vLLM and
 * others name it), tool calls assembled by index, the finish reason, the model that answered and the
 * usage of the final chunk. Pure: no I/O, so it is tested on recorded chunks.
 */
final class StreamAccumulator {
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final Map<Integer, ToolCallBuilder> toolCalls = new TreeMap<>();
  private String respondingModel;
  private String finishReason;
  private Usage usage;
  private boolean done;
  private boolean started;

  private static final class ToolCallBuilder {
    String id;
    String type = "function";
    String name;
    final StringBuilder arguments = new StringBuilder();
  }

  /** A chunk carried an {@code error} object (OpenRouter reports mid-stream failures this way). */
  static final class StreamError extends RuntimeException {
    StreamError(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Takes one {@code data:} payload; returns the content text it added (empty if none).
   *
   * @throws StreamError when the chunk reports an error
   */
  String accept(JsonNode chunk) {
    if (chunk.hasNonNull("error")) {
      JsonNode error = chunk.get("error");
      throw new StreamError(error.isTextual() ? error.asText() : error.path("message").asText("unknown error"));
    }
    if (chunk.hasNonNull("model")) {
      respondingModel = chunk.get("model").asText();
    }
    if (chunk.hasNonNull("usage")) {
      usage = ModelGateway.usageOf(chunk.get("usage"));
    }
    String added = "";
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue; // Fusion asks for one choice; ignore any others.
      }
      JsonNode delta = choice.path("delta");
      String text = delta.path("content").asText("");
      if (!text.isEmpty()) {
        content.append(text);
        added = text;
        started = true;
      }
      String thought = delta.hasNonNull("reasoning") ? delta.get("reasoning").asText("")
          : delta.path("reasoning_content").asText("");
      if (!thought.isEmpty()) {
        reasoning.append(thought);
        started = true;
      }
      for (JsonNode call : delta.path("tool_calls")) {
        ToolCallBuilder b = toolCalls.computeIfAbsent(call.path("index").asInt(toolCalls.size()), i -> new ToolCallBuilder());
        if (call.hasNonNull("id")) {
          b.id = call.get("id").asText();
        }
        if (call.hasNonNull("type")) {
          b.type = call.get("type").asText();
        }
        JsonNode fn = call.path("function");
        if (fn.hasNonNull("name")) {
          b.name = fn.get("name").asText();
        }
        b.arguments.append(fn.path("arguments").asText(""));
        started = true;
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
      }
    }
    return added;
  }

  void done() {
    done = true;
  }

  /** True once any content, reasoning or tool-call delta arrived (the "first token"). */
  boolean started() {
    return started;
  }

  boolean sawContent() {
    return content.length() > 0 || !toolCalls.isEmpty();
  }

  /** A stream is complete only with {@code [DONE]} or a finish reason; anything else broke off. */
  boolean complete() {
    return done || finishReason != null;
  }

  String content() {
    return content.toString();
  }

  String reasoning() {
    return reasoning.length() == 0 ? null : reasoning.toString();
  }

  List<ToolCall> toolCalls() {
    List<ToolCall> out = new ArrayList<>();
    toolCalls.values().forEach(b -> out.add(new ToolCall(b.id, b.type, b.name, b.arguments.toString())));
    return out;
  }

  String finishReason() {
    return finishReason;
  }

  String respondingModel() {
    return respondingModel;
  }

  Usage usage() {
    return usage == null ? Usage.ZERO : usage;
  }
}
