package dev.fusion.ingress.kafka;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which topics a Kafka submitter may name as {@code reply_to}. Never one of Fusion's own topics (a reply
 * to {@code fusion.results} keyed by another tenant's job ID would replace that job's result, and the
 * forwarder would read its own reply back forever), never a Kafka or platform internal topic (a leading
 * underscore, e.g. {@code __consumer_offsets}), and always under one of the allowed prefixes
 * ({@code FUSION_REPLY_TOPIC_PREFIXES}; by default the deployment's topic prefix, so with no topic
 * prefix any other topic). One policy, checked when a request is read and again before every reply.
 */
public final class ReplyTopics {
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
  /** Fusion's namespace: its topics ({@code fusion.}) and Kafka Streams' ({@code fusion-judge-worker-...}). */
  private static final List<String> FUSION_NAMESPACE = List.of("fusion.", "fusion-", "fusion_");

  private final List<String> allowedPrefixes;

  /**
   * @param topicPrefix the deployment's {@code FUSION_TOPIC_PREFIX}
   * @param allowedPrefixes the allowed reply-topic prefixes; empty means the topic prefix alone
   */
  public ReplyTopics(String topicPrefix, List<String> allowedPrefixes) {
    this.allowedPrefixes = allowedPrefixes == null || allowedPrefixes.isEmpty()
        ? List.of(topicPrefix == null ? "" : topicPrefix) : List.copyOf(allowedPrefixes);
  }

  /** Null if replies may go to {@code topic}; otherwise why not, for the rejection and the reply. */
  public String violation(String topic) {
    if (topic == null || !TOPIC.matcher(topic).matches()) {
      return "reply_to must be a Kafka topic name.";
    }
    if (isReserved(topic)) {
      return "reply_to may not name a Fusion or internal topic ('" + topic + "').";
    }
    if (allowedPrefixes.stream().noneMatch(topic::startsWith)) {
      return "reply_to must start with one of " + allowedPrefixes + " (FUSION_REPLY_TOPIC_PREFIXES).";
    }
    return null;
  }

  public boolean allows(String topic) {
    return violation(topic) == null;
  }

  /**
   * Fusion's own topics and internal ones. Fusion's names are matched anywhere in the name, so another
   * pipeline on the same broker (another topic prefix) is off limits too; Kafka treats '.' and '_'
   * alike in topic names, hence both.
   */
  boolean isReserved(String topic) {
    return topic.startsWith("_") || FUSION_NAMESPACE.stream().anyMatch(topic::contains);
  }
}
