package dev.fusion.common.kafka;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;

/**
 * One durable producer per process, typed by {@link TopicSpec}. The returned future completes only when
 * Kafka acknowledged the record (acks=all), which is what every stage waits for before it acknowledges
 * or commits.
 */
public final class Publisher implements AutoCloseable {
  private static final String IO_THREAD_PREFIX = "kafka-producer-network-thread";
  private final KafkaProducer<byte[], byte[]> producer;
  private final java.util.concurrent.ExecutorService handoff = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "publisher-handoff");
    t.setDaemon(true);
    return t;
  });

  public Publisher(String bootstrapServers, String clientId) {
    this(bootstrapServers, clientId, dev.fusion.common.config.RecordBudget.DEFAULT);
  }

  public Publisher(String bootstrapServers, String clientId, dev.fusion.common.config.RecordBudget budget) {
    this.producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrapServers, clientId, budget));
  }

  public <K, V> CompletableFuture<RecordMetadata> send(TopicSpec<K, V> topic, K key, V value) {
    return send(topic, key, value, null);
  }

  public <K, V> CompletableFuture<RecordMetadata> send(TopicSpec<K, V> topic, K key, V value, Headers headers) {
    byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
    byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
    return sendRaw(topic.name(), k, v, headers);
  }

  public CompletableFuture<RecordMetadata> sendRaw(String topic, byte[] key, byte[] value, Headers headers) {
    if (Thread.currentThread().getName().startsWith(IO_THREAD_PREFIX)) {
      // Called from another send's completion: send() may block on metadata that only this very
      // thread can fetch (a deadlock until max.block.ms), so hand the send to another thread.
      return CompletableFuture.supplyAsync(() -> sendRaw(topic, key, value, headers), handoff)
          .thenCompose(f -> f);
    }
    CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
    try {
      producer.send(new ProducerRecord<>(topic, null, key, value, headers), (metadata, error) -> {
        if (error != null) {
          acked.completeExceptionally(error);
        } else {
          acked.complete(metadata);
        }
      });
    } catch (RuntimeException e) {
      acked.completeExceptionally(e);
    }
    return acked;
  }

  /** Fetches topic metadata up front, so the first send on an event loop does not block on it. */
  public void warm(String topic) {
    producer.partitionsFor(topic);
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(10));
    handoff.shutdown();
  }
}
