package dev.fusion.common.contract;

/**
 * How a job came in, travelling with it so every ingress instance (and the reply forwarder) can act on
 * it: the channel ({@code http} or {@code kafka}), the caller's idempotency key with a hash of the
 * request it named, and for Kafka submissions the correlation ID and optional reply topic.
 */
public record Submission(String channel, String idempotencyKey, String requestHash, String correlationId,
    String replyTopic) {
  public static final String HTTP = "http";
  public static final String KAFKA = "kafka";

  public static Submission http(String idempotencyKey, String requestHash) {
    return new Submission(HTTP, idempotencyKey, requestHash, null, null);
  }

  public static Submission kafka(String correlationId, String replyTopic) {
    return new Submission(KAFKA, null, null, correlationId, replyTopic);
  }
}
