package dev.fusion.ingress;

import dev.fusion.common.Json;
import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.JsonSerde;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each final result of a Kafka-submitted job that named a reply topic to that topic, keyed by the
 * correlation ID (headers {@code fusion-correlation-id} and {@code fusion-job-id} too), so the producer
 * can match it. One consumer group over the results topic shared by every ingress instance. Replies are
 * at-least-once; a reply that cannot be delivered is logged and skipped (the result stays on the results
 * topic and the HTTP API), so the results partition never stalls.
 */
public final class ResultReplies implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ResultReplies.class);
  public static final String GROUP = "fusion-ingress-replies";
  /**
   * Stands in for a record that needs no reply: a tombstone (retention), which the shared worker loop
   * would otherwise reject, or a result without a reply topic (most), which is not worth building.
   */
  private static final FusionResult NO_REPLY = new FusionResult(0, null, null, null, null, null, null, null, null,
      null, null, null, null, null, 0, 0);

  private final StageContext ctx;
  private final AsyncConsumerWorker<FusionResult> worker;

  public ResultReplies(StageContext ctx) {
    this.ctx = ctx;
    var results = ctx.topics().results();
    Deserializer<FusionResult> json = new JsonSerde<>(FusionResult.class).deserializer();
    Serde<FusionResult> serde = Serdes.serdeFrom(results.valueSerde().serializer(),
        (topic, bytes) -> bytes == null || !wantsReply(bytes) ? NO_REPLY : json.deserialize(topic, bytes));
    var topic = new TopicSpec<>(results.name(), results.keySerde(), serde, true, Map.of());
    this.worker = new AsyncConsumerWorker<>("result-replies", topic,
        KafkaConfigs.consumer(ctx.config().bootstrapServers(), ctx.config().topicPrefix() + GROUP, "result-replies"),
        this::handle, ctx.deadLetters(), 1000, null);
  }

  CompletionStage<?> handle(String jobId, FusionResult result) {
    if (result == NO_REPLY || result.replyTopic() == null || result.correlationId() == null) {
      return CompletableFuture.completedFuture(null);
    }
    return send(ctx, result.replyTopic(), result.correlationId(), jobId, result);
  }

  /** Whether a result names where to reply; unreadable bytes say yes, so the worker reports them. */
  private static boolean wantsReply(byte[] result) {
    try {
      String[] f = Json.topLevelFields(result, "reply_topic", "correlation_id");
      return f[0] != null && f[1] != null;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /**
   * One reply, keyed and headed by the correlation ID (and the job ID when there is one). Best effort:
   * a reply that cannot be delivered is logged and completes normally, so nothing stalls on it.
   */
  static CompletableFuture<?> send(StageContext ctx, String topic, String correlationId, String jobId, Object body) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(KafkaRequests.CORRELATION_HEADER, correlationId.getBytes(StandardCharsets.UTF_8));
    if (jobId != null) {
      headers.add(KafkaRequests.JOB_ID_HEADER, jobId.getBytes(StandardCharsets.UTF_8));
    }
    return ctx.publisher().sendRaw(topic, correlationId.getBytes(StandardCharsets.UTF_8), Json.toBytes(body), headers)
        .exceptionally(e -> {
          LOG.warn("reply (job {}) to {} could not be delivered: {}", jobId, topic, e.toString());
          return null;
        });
  }

  @Override
  public void start() {
    worker.start();
  }

  @Override
  public void stop() {
    worker.stop();
  }

  @Override
  public boolean isReady() {
    return worker.isReady();
  }

  @Override
  public String name() {
    return "result-replies";
  }
}
