package dev.fusion.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One chat request as the simulator received it: method, path, the headers worth asserting on, the model
 * ID as sent (with its {@code ;options}) and the body. The body is kept as the bytes that arrived and
 * parsed on first use, so recording costs the hot path nothing but a reference.
 */
public final class RecordedRequest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final long sequence;
  private final String method;
  private final String path;
  private final Map<String, String> headers;
  private final String model;
  private final byte[] body;
  private volatile JsonNode json;

  RecordedRequest(long sequence, String method, String path, Map<String, String> headers, String model,
      byte[] body) {
    this.sequence = sequence;
    this.method = method;
    this.path = path;
    this.headers = Map.copyOf(headers);
    this.model = model;
    this.body = body;
  }

  /** 1 for the first request the simulator received, then counting up (also across {@code clearRequests}). */
  public long sequence() {
    return sequence;
  }

  public String method() {
    return method;
  }

  /** The request path, e.g. {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /**
   * The request's headers by lower-case name, except credentials ({@code authorization}, cookies, and any
   * name with {@code key}, {@code token} or {@code secret} in it): {@code x-fusion-depth}, {@code
   * x-openrouter-fusion-depth}, {@code x-sim-options}, {@code content-type}, ...
   */
  public Map<String, String> headers() {
    return headers;
  }

  /** A header by name (any case), or null. */
  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  /** The model ID as sent, options included ({@code sim/alpha;web_steps=2}); null if the body named none. */
  public String model() {
    return model;
  }

  /** The model ID without its options ({@code sim/alpha}); null if the body named none. */
  public String modelName() {
    if (model == null) {
      return null;
    }
    int semi = model.indexOf(';');
    return semi >= 0 ? model.substring(0, semi).trim() : model;
  }

  /** The body as received. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The size of the body in bytes. */
  public int bodyBytes() {
    return body.length;
  }

  /**
   * The body as JSON, parsed on first call and shared by later calls (do not change it); a {@code
   * MissingNode} when it was not JSON.
   */
  public JsonNode body() {
    JsonNode j = json;
    if (j == null) {
      try {
        j = MAPPER.readTree(body);
      } catch (IOException e) {
        j = null;
      }
      j = j == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : j;
      json = j;
    }
    return j;
  }

  @Override
  public String toString() {
    return "RecordedRequest#" + sequence + " " + method + " " + path + " model=" + model + " (" + body.length
        + " bytes)";
  }
}
