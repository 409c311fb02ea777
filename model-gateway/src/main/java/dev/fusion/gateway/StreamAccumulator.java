package dev.fusion.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.contract.Usage;
import dev.fusion.gateway.CompletionChunk.Choice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds the {@code chat.completion.chunk} objects of one stream into a completion: content and
 * reasoning text ({@code delta.reasoning}, or {@code delta.reasoning_content} as DeepSeek, vLLM and
 * others name it), tool calls assembled by index, the finish reason, the model that answered and the
 * usage of the final chunk. Each chunk is read by {@link CompletionChunk}. Pure: no I/O, so it is tested
 * on recorded chunks.
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
   * Takes one {@code data:} payload, the UTF-8 bytes {@code buf[from, to)}; returns the content text it
   * added (empty if none). Nothing of a chunk is applied unless all of it was read.
   *
   * @throws StreamError when the chunk reports an error
   * @throws CompletionChunk.InvalidChunk when the payload is not valid JSON
   */
  String accept(byte[] buf, int from, int to) {
    CompletionChunk chunk = CompletionChunk.read(buf, from, to - from);
    if (chunk.error != null) {
      JsonNode error = chunk.error;
      throw new StreamError(error.isTextual() ? error.asText() : error.path("message").asText("unknown error"));
    }
    if (chunk.model != null) {
      respondingModel = chunk.model;
    }
    if (chunk.usage != null) {
      usage = CompletionChunk.usageOf(chunk.usage);
    }
    String added = "";
    for (Choice choice : chunk.choices) {
      if (choice.index != 0) {
        continue; // Fusion asks for one choice; ignore any others.
      }
      if (!choice.content.isEmpty()) {
        content.append(choice.content);
        added = choice.content;
        started = true;
      }
      String thought = choice.reasoning();
      if (thought != null && !thought.isEmpty()) {
        reasoning.append(thought);
        started = true;
      }
      if (choice.toolCalls != null) {
        for (JsonNode call : choice.toolCalls) {
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
      }
      if (choice.finishReason != null) {
        finishReason = choice.finishReason;
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
