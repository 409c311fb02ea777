package dev.fusion.common.kafka;

import dev.fusion.common.config.RecordBudget;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Client config factories. Producers are durable (acks=all, idempotent) and do not linger: Kafka 4's
 * default linger.ms=5 adds ~5 ms per hop. Consumers never auto-commit: workers commit finished work.
 */
public final class KafkaConfigs {
  private KafkaConfigs() {}

  /** How long a send may take, blocked or queued, before it fails: below a typical client's timeout. */
  public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

  public static Properties producer(String bootstrapServers, String clientId) {
    return producer(bootstrapServers, clientId, RecordBudget.DEFAULT, DEFAULT_SEND_TIMEOUT);
  }

  /**
   * A producer that can write the largest record the budget allows, to any Fusion topic (rejections
   * included).
   *
   * @param sendTimeout bounds both how long {@code send()} may block (metadata, a full buffer) and how
   *     long a record may wait for its acknowledgement: while Kafka is down a send fails after it rather
   *     than after Kafka's defaults (60 s blocked, 120 s queued), and a record that failed was not
   *     written later on its own (except one already in flight, which the Idempotency-Key finds)
   */
  public static Properties producer(String bootstrapServers, String clientId, RecordBudget budget,
      Duration sendTimeout) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // No compression: with linger 0 batches are a record or two, and LZ4 set-up per batch (a 64 KB
    // buffer each) cost more CPU than it saved (seen in profiles of the benchmark).
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    int timeoutMs = (int) Math.max(1_000, sendTimeout.toMillis());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
    // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, timeoutMs));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, budget.producerMaxRequestBytes());
    return p;
  }

  /**
   * Sizes for a Kafka Streams app of the pipeline: its producer writes records as large as any stage's,
   * and the topics it creates (changelogs) take them. (Consumers need nothing: since KIP-74 a fetch returns
   * a record larger than {@code max.partition.fetch.bytes} rather than getting stuck on it.)
   */
  public static void streamsSizes(Properties p, RecordBudget budget) {
    p.put(StreamsConfigKeys.PRODUCER_MAX_REQUEST_SIZE, budget.producerMaxRequestBytes());
    p.put(StreamsConfigKeys.TOPIC_MAX_MESSAGE_BYTES, String.valueOf(budget.topicMaxMessageBytes()));
  }

  /** StreamsConfig's prefixes, spelled out: common does not depend on kafka-streams. */
  private static final class StreamsConfigKeys {
    static final String PRODUCER_MAX_REQUEST_SIZE = "producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
    static final String TOPIC_MAX_MESSAGE_BYTES = "topic." + org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG;
  }

  public static Properties consumer(String bootstrapServers, String groupId, String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    if (groupId != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Stages downstream of Kafka Streams (exactly-once) must not see aborted records.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }
}
