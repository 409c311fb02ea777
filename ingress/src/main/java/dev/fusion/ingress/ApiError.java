package dev.fusion.ingress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;

/**
 * An HTTP error in the OpenAI error shape:
 * {@code {"error": {"message", "type", "param", "code"}}}. Messages never echo secrets.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;

  public ApiError(int status, String type, String code, String param, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  public static ApiError invalid(String param, String code, String message) {
    return new ApiError(400, "invalid_request_error", code, param, message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(404, "invalid_request_error", code, null, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }

  public ObjectNode body() {
    ObjectNode root = Json.object();
    ObjectNode error = root.putObject("error");
    error.put("message", getMessage()).put("type", type);
    if (param != null) {
      error.put("param", param);
    } else {
      error.putNull("param");
    }
    error.put("code", code);
    return root;
  }
}
