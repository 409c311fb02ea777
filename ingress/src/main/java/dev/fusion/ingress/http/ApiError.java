package dev.fusion.ingress.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * An HTTP error in the OpenAI error shape:
 * {@code {"error": {"message", "type", "param", "code"}}}. Messages never echo secrets. Every error the
 * ingress HTTP server sends is built and written here, the ones Vert.x would otherwise answer itself
 * (unknown routes, undecodable URLs, oversized request lines and headers) included.
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

  /**
   * An unknown field or query parameter: the same 400 everywhere. The name is the client's, so the
   * caller bounds it (see {@code RequestReader.shown}).
   */
  public static ApiError unknownParameter(String param) {
    return invalid(param, "unknown_parameter", "Unrecognized request argument supplied: " + param);
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

  public static ApiError methodNotAllowed(String method, String path) {
    return new ApiError(405, "invalid_request_error", "method_not_allowed", null,
        method + " is not allowed on " + clip(path) + ".");
  }

  public static ApiError noRoute(String method, String path) {
    return notFound("not_found", "No route for " + method + " " + clip(path) + ".");
  }

  /** A URL the router could not decode, e.g. a bad percent-encoding in a path segment. */
  public static ApiError undecodableUrl() {
    return invalid(null, "invalid_url", "The request URL could not be decoded; check its percent-encoding.");
  }

  /** A request the HTTP codec rejected before any route saw it. */
  public static ApiError malformedRequest() {
    return invalid(null, "malformed_request", "The request is not valid HTTP/1.1 (request line, headers or framing).");
  }

  public static ApiError uriTooLong(int maxBytes) {
    return new ApiError(414, "invalid_request_error", "uri_too_long", null,
        "The request line is longer than " + maxBytes + " bytes.");
  }

  public static ApiError headersTooLarge(int maxBytes) {
    return new ApiError(431, "invalid_request_error", "headers_too_large", null,
        "The request headers are larger than " + maxBytes + " bytes.");
  }

  public static ApiError bodyTooLarge(long maxBytes) {
    return new ApiError(413, "invalid_request_error", "request_too_large", null,
        "The request body is larger than " + maxBytes + " bytes.");
  }

  public static ApiError internal() {
    return new ApiError(500, "server_error", "internal_error", null, "Internal error.");
  }

  /** Any other status a framework layer reported without an error of ours. */
  public static ApiError forStatus(int status) {
    return status >= 400 && status < 500
        ? new ApiError(status, "invalid_request_error", "bad_request", null, "The request could not be processed.")
        : internal();
  }

  /** Part of a client-supplied value for a message: a URL or ID may be kilobytes of anything. */
  public static String clip(String value) {
    return value == null || value.length() <= 100 ? value : value.substring(0, 100) + "…";
  }

  /** Writes this error as the response, unless something was already sent (then there is nothing left to say). */
  public void send(HttpServerResponse response) {
    if (response.ended() || response.headWritten() || response.closed()) {
      return;
    }
    headers.forEach(response::putHeader);
    response.setStatusCode(status).putHeader("content-type", "application/json")
        .end(Buffer.buffer(Json.toBytes(body())));
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
