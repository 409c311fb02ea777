package dev.fusion.gateway;

import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.FailureReasons;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Every way one attempt can fail, mapped to a typed reason from {@link FailureReasons} and to whether
 * another attempt may help: 429, 5xx, 408, connection errors, timeouts and broken or malformed answers
 * are retriable; 400/422, 401/403, 402 and 404 are not. Messages never carry the provider's key.
 * The one table of failures: the transport, the wire format and the stream reader report through it.
 */
final class FailureClassifier {
  private FailureClassifier() {}

  /** A response with a status other than 200; {@code upstream} is the error message its body carried, or "". */
  static AttemptFailure http(Provider provider, int status, String retryAfterHeader, String upstream) {
    // Some servers echo the request (headers included) in their errors: never pass the key on.
    String message = "HTTP " + status + " from " + provider.name()
        + (upstream.isEmpty() ? "" : ": " + truncate(provider.redact(upstream), 300));
    long retryAfterMs = parseRetryAfter(retryAfterHeader);
    return switch (status) {
      case 429 -> new AttemptFailure(FailureReasons.RATE_LIMITED, status, message, true, retryAfterMs, false);
      case 400, 422 -> new AttemptFailure(FailureReasons.BAD_REQUEST, status, message, false, 0, false);
      case 401, 403 -> new AttemptFailure(FailureReasons.AUTH_FAILED, status, message, false, 0, false);
      case 402 -> new AttemptFailure(FailureReasons.INSUFFICIENT_CREDITS, status, message, false, 0, false);
      case 404 -> new AttemptFailure(FailureReasons.MODEL_NOT_FOUND, status, message, false, 0, false);
      case 408 -> new AttemptFailure(FailureReasons.TIMEOUT, status, message, true, retryAfterMs, false);
      default -> new AttemptFailure(FailureReasons.UPSTREAM_ERROR, status, message, status >= 500, retryAfterMs, false);
    };
  }

  /** Whatever ended an attempt: a classified failure as it is, anything else a connection error. */
  static AttemptFailure of(Throwable e, Provider provider) {
    if (e instanceof AttemptFailure f) {
      return f;
    }
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new AttemptFailure(FailureReasons.CONNECTION_ERROR, null,
        "connection to " + provider.name() + " failed: " + provider.redact(detail), true, 0, false);
  }

  static AttemptFailure noCompleteAnswer(String model, long timeoutMs, boolean streamedSomething) {
    return new AttemptFailure(FailureReasons.TIMEOUT, null,
        "no complete answer from " + model + " within " + timeoutMs + " ms", true, 0, streamedSomething);
  }

  static AttemptFailure noFirstToken(String model, long timeoutMs) {
    return new AttemptFailure(FailureReasons.TIMEOUT, null,
        "no first token from " + model + " within " + timeoutMs + " ms", true, 0, false);
  }

  /** A 200 response whose body broke off before it was read whole. */
  static AttemptFailure responseBrokeOff(String model, Provider provider, Throwable e) {
    return new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
        "response of " + model + " broke off: " + provider.redact(String.valueOf(e.getMessage())), true, 0, false);
  }

  static AttemptFailure streamBrokeOff(String model, Throwable e, boolean streamedSomething) {
    return new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
        "stream of " + model + " broke off: " + e.getMessage(), true, 0, streamedSomething);
  }

  /** A stream that ended without a finish reason or {@code [DONE]}: cut short, not a short answer. */
  static AttemptFailure streamEndedEarly(String model, boolean streamedSomething) {
    return new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
        "stream of " + model + " ended before it finished", true, 0, streamedSomething);
  }

  static AttemptFailure invalidChunk(String model, boolean streamedSomething) {
    return new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200,
        "stream of " + model + " carried a chunk that is not valid JSON", true, 0, streamedSomething);
  }

  static AttemptFailure streamError(String model, String error, boolean streamedSomething) {
    return new AttemptFailure(FailureReasons.UPSTREAM_ERROR, 200,
        "stream of " + model + " reported an error: " + truncate(error, 300), true, 0, streamedSomething);
  }

  static AttemptFailure notJson(String model) {
    return invalidResponse(model, " is not valid JSON");
  }

  static AttemptFailure notAnObject(String model) {
    return invalidResponse(model, " is not a JSON object");
  }

  static AttemptFailure noChoices(String model) {
    return invalidResponse(model, " has no choices");
  }

  /** A 200 completion whose body is an error object (OpenRouter reports some upstream failures so). */
  static AttemptFailure errorBody(String model, String error) {
    return new AttemptFailure(FailureReasons.UPSTREAM_ERROR, 200, "response of " + model + " is an error: "
        + truncate(error, 300), true, 0, false);
  }

  private static AttemptFailure invalidResponse(String model, String what) {
    return new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + model + what, true, 0, false);
  }

  /** {@code Retry-After} in seconds or as an HTTP date, in ms from now; 0 when absent or unreadable. */
  static long parseRetryAfter(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(header.trim()) * 1000));
    } catch (NumberFormatException e) {
      try {
        var when = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, when.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException unparseable) {
        return 0;
      }
    }
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
