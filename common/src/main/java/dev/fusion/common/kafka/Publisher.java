package dev.fusion.common.kafka;

import dev.fusion.common.config.RecordBudget;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;

/**
 * One durable producer per process, typed by {@link TopicSpec}. The returned future completes only when
 * Kafka acknowledged the record (acks=all), which is what every stage waits for before it acknowledges
 * or commits; it fails once the send timeout ({@code FUSION_KAFKA_SEND_TIMEOUT_MS}) has passed.
 *
 * <p>A send never blocks an event loop: {@code KafkaProducer.send} can block for the whole send timeout
 * (metadata it does not have, a full buffer), which while Kafka is down froze every request served by
 * that loop, reads and health included. Sends asked for on the producer's own I/O thread, and on a
 * Vert.x event loop unless Kafka is known to answer ({@link #directOnEventLoopsWhile}), are therefore
 * handed to one dedicated thread, in the order they were asked for; other threads (consumer loops) send
 * directly.
 */
public final class Publisher implements AutoCloseable {
  private static final String IO_THREAD_PREFIX = "kafka-producer-network-thread";
  private final KafkaProducer<byte[], byte[]> producer;
  private volatile java.util.function.BooleanSupplier kafkaReachable = () -> false;
  private final ExecutorService handoff = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "publisher-handoff");
    t.setDaemon(true);
    return t;
  });

  public Publisher(String bootstrapServers, String clientId) {
    this(bootstrapServers, clientId, RecordBudget.DEFAULT, KafkaConfigs.DEFAULT_SEND_TIMEOUT);
  }

  public Publisher(String bootstrapServers, String clientId, RecordBudget budget) {
    this(bootstrapServers, clientId, budget, KafkaConfigs.DEFAULT_SEND_TIMEOUT);
  }

  public Publisher(String bootstrapServers, String clientId, Duration sendTimeout) {
    this(bootstrapServers, clientId, RecordBudget.DEFAULT, sendTimeout);
  }

  public Publisher(String bootstrapServers, String clientId, RecordBudget budget, Duration sendTimeout) {
    this.producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrapServers, clientId, budget, sendTimeout));
  }

  public <K, V> CompletableFuture<RecordMetadata> send(TopicSpec<K, V> topic, K key, V value) {
    return send(topic, key, value, null);
  }

  public <K, V> CompletableFuture<RecordMetadata> send(TopicSpec<K, V> topic, K key, V value, Headers headers) {
    byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
    byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
    return sendRaw(topic.name(), k, v, headers);
  }

  /**
   * Sends the events and, once Kafka has acknowledged every one, the record the next stage acts on. A
   * job's events are in the log before anything that could lead to its terminal event: an event stream
   * ends on that event, so an event written after it (sent alongside, in a later request) would never
   * reach a subscriber.
   */
  @SafeVarargs
  public final <K, E, V> CompletableFuture<RecordMetadata> sendAfterEvents(TopicSpec<K, E> eventsTopic,
      TopicSpec<K, V> topic, K key, V value, Headers headers, E... events) {
    CompletableFuture<?>[] sent = new CompletableFuture<?>[events.length];
    for (int i = 0; i < events.length; i++) {
      sent[i] = send(eventsTopic, key, events[i], headers);
    }
    return CompletableFuture.allOf(sent).thenCompose(x -> send(topic, key, value, headers));
  }

  /**
   * While this says Kafka answers, an event loop sends directly: with the cluster's metadata at hand and
   * the broker reachable, {@code send()} only appends to the producer's buffer, and the hop to the
   * handoff thread for every send cost a third of the pipeline's throughput (BENCHMARKS.md, seventh
   * round). Without it (the default, or Kafka not answering the probe) event loops always hand off.
   */
  public Publisher directOnEventLoopsWhile(java.util.function.BooleanSupplier kafkaReachable) {
    this.kafkaReachable = kafkaReachable;
    return this;
  }

  public CompletableFuture<RecordMetadata> sendRaw(String topic, byte[] key, byte[] value, Headers headers) {
    if (mayNotBlock()) {
      // On the I/O thread a blocked send would also deadlock: only that very thread fetches metadata.
      try {
        return CompletableFuture.supplyAsync(() -> sendNow(topic, key, value, headers), handoff).thenCompose(f -> f);
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(new IllegalStateException("the publisher is closed", e));
      }
    }
    return sendNow(topic, key, value, headers);
  }

  private boolean mayNotBlock() {
    if (Thread.currentThread().getName().startsWith(IO_THREAD_PREFIX)) {
      return true;
    }
    return Context.isOnEventLoopThread() && !kafkaReachable.getAsBoolean();
  }

  private CompletableFuture<RecordMetadata> sendNow(String topic, byte[] key, byte[] value, Headers headers) {
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

  /** Binds the producer's own metrics (Micrometer's Kafka binder) to {@code registry}; close the binder with it. */
  public io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics bindMetrics(
      io.micrometer.core.instrument.MeterRegistry registry) {
    var binder = new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(producer);
    binder.bindTo(registry);
    return binder;
  }

  /** Fetches topic metadata up front (at start, off any event loop), so first sends find it. */
  public void warm(String topic) {
    producer.partitionsFor(topic);
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
    handoff.shutdown();
  }
}
