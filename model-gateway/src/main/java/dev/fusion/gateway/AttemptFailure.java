package dev.fusion.gateway;

/**
 * One attempt's failure, classified ({@code FailureClassifier}): the typed reason, the HTTP status if
 * any, whether another attempt may help, how long the provider asked us to wait, and whether text
 * already reached the caller (a stream that did cannot be retried or fall back). Cheap to throw: no
 * stack trace, it is a value.
 */
final class AttemptFailure extends RuntimeException {
  final String reason;
  final Integer status;
  final String message;
  final boolean retriable;
  final long retryAfterMs;
  final boolean streamedSomething;

  AttemptFailure(String reason, Integer status, String message, boolean retriable, long retryAfterMs,
      boolean streamedSomething) {
    super(message, null, false, false);
    this.reason = reason;
    this.status = status;
    this.message = message;
    this.retriable = retriable;
    this.retryAfterMs = retryAfterMs;
    this.streamedSomething = streamedSomething;
  }
}
