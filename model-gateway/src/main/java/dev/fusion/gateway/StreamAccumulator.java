package dev.fusion.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
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

  /** A {@code data:} payload that is not valid JSON. */
  static final class InvalidChunk extends RuntimeException {
    InvalidChunk(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Takes one {@code data:} payload, the UTF-8 bytes {@code buf[from, to)}; returns the content text it
   * added (empty if none). The payload is read with a streaming parser that descends only into the
   * fields used here: a stream has dozens of chunks, and building each as a tree was the gateway's
   * largest cost. Nothing of a chunk is applied unless all of it was read.
   *
   * @throws StreamError when the chunk reports an error
   * @throws InvalidChunk when the payload is not valid JSON
   */
  String accept(byte[] buf, int from, int to) {
    Chunk chunk = Chunk.read(buf, from, to - from);
    if (chunk.error != null) {
      JsonNode error = chunk.error;
      throw new StreamError(error.isTextual() ? error.asText() : error.path("message").asText("unknown error"));
    }
    if (chunk.model != null) {
      respondingModel = chunk.model;
    }
    if (chunk.usage != null) {
      usage = ModelGateway.usageOf(chunk.usage);
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

  /**
   * What one chunk says: the top-level fields used, and its choices. A whole (non-streamed) completion
   * has the same shape with {@code message} where a chunk has {@code delta}, so it is read the same way.
   */
  static final class Chunk {
    /** False when the JSON was valid but not an object (it then says nothing). */
    boolean object;
    JsonNode error;
    String model;
    JsonNode usage;
    final List<Choice> choices = new ArrayList<>(1);

    /** Reads a whole completion body (JSON). */
    static Chunk read(byte[] json) {
      return read(json, 0, json.length);
    }

    /** Reads the JSON in {@code json[offset, offset + length)}. */
    static Chunk read(byte[] json, int offset, int length) {
      try (JsonParser p = Json.MAPPER.createParser(json, offset, length)) {
        return read(p);
      } catch (java.io.IOException e) {
        throw new InvalidChunk(e.getMessage());
      }
    }

    private static Chunk read(JsonParser p) throws java.io.IOException {
      Chunk c = new Chunk();
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        p.skipChildren(); // Not an object: valid JSON that says nothing.
        return c;
      }
      c.object = true;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "error" -> c.error = t == JsonToken.VALUE_NULL ? null : p.readValueAsTree();
          case "usage" -> c.usage = t == JsonToken.VALUE_NULL ? null : p.readValueAsTree();
          case "model" -> c.model = text(p, t, c.model);
          case "choices" -> {
            if (t == JsonToken.START_ARRAY) {
              while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                if (t == JsonToken.START_OBJECT) {
                  c.choices.add(Choice.read(p));
                } else {
                  p.skipChildren();
                }
              }
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      return c;
    }
  }

  /** One choice of a chunk: its index, what its delta (or a completion's message) says, and its finish reason. */
  static final class Choice {
    int index;
    String content = "";
    /** {@code reasoning}, or null where absent or null. */
    String reasoning;
    /** {@code reasoning_content} (DeepSeek, vLLM), or null where absent or null. */
    String reasoningContent;
    JsonNode toolCalls;
    String finishReason;

    /** The reasoning text under either name ({@code reasoning} first), or null. */
    String reasoning() {
      return reasoning != null ? reasoning : reasoningContent;
    }

    /** Reads the choice object the parser is at the start of. */
    static Choice read(JsonParser p) throws java.io.IOException {
      Choice c = new Choice();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "index" -> {
            c.index = t.isScalarValue() ? p.getValueAsInt(0) : 0;
            p.skipChildren();
          }
          case "finish_reason" -> c.finishReason = text(p, t, null);
          case "delta", "message" -> {
            if (t == JsonToken.START_OBJECT) {
              c.readDelta(p);
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      return c;
    }

    private void readDelta(JsonParser p) throws java.io.IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "content" -> content = text(p, t, "");
          case "reasoning" -> reasoning = t == JsonToken.VALUE_NULL ? null : text(p, t, "");
          case "reasoning_content" -> reasoningContent = t == JsonToken.VALUE_NULL ? null : text(p, t, "");
          case "tool_calls" -> toolCalls = t == JsonToken.START_ARRAY ? p.readValueAsTree() : skip(p, null);
          default -> p.skipChildren();
        }
      }
    }
  }

  /** The current value as text if it is a non-null scalar; otherwise {@code fallback} (and skipped). */
  private static String text(JsonParser p, JsonToken t, String fallback) throws java.io.IOException {
    if (t.isScalarValue() && t != JsonToken.VALUE_NULL) {
      return p.getText();
    }
    return skip(p, fallback);
  }

  private static <T> T skip(JsonParser p, T value) throws java.io.IOException {
    p.skipChildren();
    return value;
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
