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
  private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

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

  public static ApiError unauthorized(String message) {
    return new ApiError(401, "invalid_request_error", "invalid_api_key", null, message)
        .withHeader("WWW-Authenticate", "Bearer");
  }

  public static ApiError conflict(String code, String message) {
    return new ApiError(409, "invalid_request_error", code, null, message);
  }

  public static ApiError rateLimited(long retryAfterSeconds) {
    return new ApiError(429, "rate_limit_error", "rate_limit_exceeded", null,
        "Rate limit reached for this API key; retry after " + retryAfterSeconds + " s.")
        .withHeader("Retry-After", Long.toString(retryAfterSeconds));
  }

  /** An HTTP header to send with the error (Retry-After, WWW-Authenticate). */
  public ApiError withHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public java.util.Map<String, String> headers() {
    return headers;
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
