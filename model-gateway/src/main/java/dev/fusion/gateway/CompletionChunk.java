package dev.fusion.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code chat.completion.chunk} says: the top-level fields Fusion uses, and its choices. A whole
 * (non-streamed) completion has the same shape with {@code message} where a chunk has {@code delta}, so
 * it is read the same way. Read with a streaming parser that descends only into the fields used (error,
 * model, usage, and each choice's index, delta and finish reason) and skips the rest: a stream has
 * dozens of chunks, and building each as a tree was the gateway's largest cost.
 */
final class CompletionChunk {
  /** False when the JSON was valid but not an object (it then says nothing). */
  boolean object;
  JsonNode error;
  String model;
  JsonNode usage;
  final List<Choice> choices = new ArrayList<>(1);

  /** A payload that is not valid JSON. */
  static final class InvalidChunk extends RuntimeException {
    InvalidChunk(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads a whole completion body (JSON). */
  static CompletionChunk read(byte[] json) {
    return read(json, 0, json.length);
  }

  /**
   * Reads the JSON in {@code json[offset, offset + length)}.
   *
   * @throws InvalidChunk when it is not valid JSON
   */
  static CompletionChunk read(byte[] json, int offset, int length) {
    try (JsonParser p = Json.MAPPER.createParser(json, offset, length)) {
      return read(p);
    } catch (IOException e) {
      throw new InvalidChunk(e.getMessage());
    }
  }

  private static CompletionChunk read(JsonParser p) throws IOException {
    CompletionChunk c = new CompletionChunk();
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

  /** The token counts (and the provider's cost, when it reported one) of a {@code usage} object. */
  static Usage usageOf(JsonNode usage) {
    if (usage == null || usage.isMissingNode() || usage.isNull()) {
      return Usage.ZERO;
    }
    JsonNode cost = usage.get("cost");
    return new Usage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
        usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0),
        cost != null && cost.isNumber() ? cost.asDouble() : null);
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
    static Choice read(JsonParser p) throws IOException {
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

    private void readDelta(JsonParser p) throws IOException {
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
  private static String text(JsonParser p, JsonToken t, String fallback) throws IOException {
    if (t.isScalarValue() && t != JsonToken.VALUE_NULL) {
      return p.getText();
    }
    return skip(p, fallback);
  }

  private static <T> T skip(JsonParser p, T value) throws IOException {
    p.skipChildren();
    return value;
  }
}
