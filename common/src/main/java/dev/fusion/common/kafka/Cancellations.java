package dev.fusion.common.kafka;

import dev.fusion.common.contract.JobCancellation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The set of cancelled jobs, read from every partition of the compacted cancellations topic (no
 * consumer group), so each worker process can skip cancelled jobs before it calls a model. {@link
 * #start()} returns only once everything already on the topic was read; later cancellations arrive
 * within a poll interval. A tombstone (written when a job is retained away) removes the entry.
 *
 * <p>Failures follow {@link FailureKind}: a record without a key or that is not a valid
 * {@link JobCancellation} is poison, sent to the dead letters and not applied; a retriable failure of
 * the consumer backs off and polls again; a fatal one stops the reader, which then reports not ready
 * ({@link #isReady()}). Having no consumer group, the reader re-reads the topic at every start, so a
 * poison record still on the (compacted) topic is reported again once per process start.
 */
public final class Cancellations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Cancellations.class);

  private final String bootstrapServers;
  private final TopicSpec<String, JobCancellation> topic;
  private final DeadLetters deadLetters;
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;
  private volatile String fatalFailure;

  public Cancellations(String bootstrapServers, TopicSpec<String, JobCancellation> topic, DeadLetters deadLetters) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.deadLetters = deadLetters;
  }

  /** Reading and applying cancellations; false once stopped by a fatal failure (see {@link #fatalFailure()}). */
  public boolean isReady() {
    return running && fatalFailure == null;
  }

  /** Why the reader stopped on a fatal failure, or null. */
  public String fatalFailure() {
    return fatalFailure;
  }

  public boolean isCancelled(String jobId) {
    return jobId != null && cancelled.contains(jobId);
  }

  public synchronized Cancellations start() {
    if (running) {
      return this;
    }
    consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrapServers, null, "cancellations"));
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(topic.name())) {
      partitions.add(new TopicPartition(topic.name(), p.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
    // Catch up on the caller's thread: a worker must not handle a job before it knows the old cancellations.
    long deadline = System.currentTimeMillis() + 60_000;
    ends.values().removeIf(end -> end == 0);
    while (!ends.isEmpty() && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(100)).forEach(this::apply);
      ends.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    }
    running = true;
    thread = new Thread(this::run, "cancellations");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  private void run() {
    long backoffMs = 100;
    try {
      while (running) {
        try {
          consumer.poll(Duration.ofMillis(50)).forEach(this::apply);
          backoffMs = 100;
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          if (FailureKind.classify(e) == FailureKind.FATAL) {
            fatalFailure = FailureKind.describe(e);
            LOG.error("cancellations reader stopped (not ready); cancelled jobs may be worked on: {}", fatalFailure, e);
            return;
          }
          LOG.warn("cancellations reader: {}; polling again in {} ms", FailureKind.describe(e), backoffMs);
          Thread.sleep(backoffMs); // This reader's own thread; the consumer keeps its positions.
          backoffMs = Math.min(backoffMs * 2, 10_000);
        }
      }
    } catch (WakeupException e) {
      // close()
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer.close();
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      reject(r, "a cancellation without a key (job ID)");
      return;
    }
    String jobId = new String(r.key(), StandardCharsets.UTF_8);
    if (r.value() == null) {
      cancelled.remove(jobId); // A tombstone: the job was retained away.
      return;
    }
    try {
      topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
    } catch (RuntimeException e) {
      reject(r, "undeserializable cancellation: " + FailureKind.describe(e));
      return;
    }
    cancelled.add(jobId);
  }

  /** Poison is reported, not applied; the dead letter is not waited for (the reader keeps no position to commit). */
  private void reject(ConsumerRecord<byte[], byte[]> r, String reason) {
    try {
      deadLetters.reject(r, "cancellations: " + reason).whenComplete((ok, error) -> {
        if (error != null) {
          LOG.warn("cancellations: dead letter of {}-{}@{} failed: {}", r.topic(), r.partition(), r.offset(),
              FailureKind.describe(error));
        }
      });
    } catch (RuntimeException e) {
      LOG.warn("cancellations: dead letter of {}-{}@{} failed: {}", r.topic(), r.partition(), r.offset(),
          FailureKind.describe(e));
    }
  }

  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    ConsumerThreads.wakeAndJoin(consumer, thread, Duration.ofSeconds(10));
  }
}
