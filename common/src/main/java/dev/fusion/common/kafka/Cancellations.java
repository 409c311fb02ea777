package dev.fusion.common.kafka;

import dev.fusion.common.contract.JobCancellation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * The set of cancelled jobs, read from every partition of the compacted cancellations topic (no
 * consumer group), so each worker process can skip cancelled jobs before it calls a model. {@link
 * #start()} returns only once everything already on the topic was read; later cancellations arrive
 * within a poll interval. A tombstone (written when a job is retained away) removes the entry.
 *
 * <p>A record without a key or that is not a valid {@link JobCancellation} is poison: it is sent to the
 * dead letters and not applied. The loop and its failure policy are {@link TopicReader}'s; since the
 * topic is re-read at every start, reported poison is bookmarked in the group
 * {@code <cancellations topic>.poison-reported}, so each poison record is reported once.
 */
public final class Cancellations implements AutoCloseable {
  private final String bootstrapServers;
  private final TopicSpec<String, JobCancellation> topic;
  private final TopicReader reader;
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private boolean started;

  public Cancellations(String bootstrapServers, TopicSpec<String, JobCancellation> topic, DeadLetters deadLetters) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.reader = new TopicReader("cancellations", Duration.ofMillis(50), deadLetters,
        topic.name() + ".poison-reported", this::apply);
  }

  public boolean isCancelled(String jobId) {
    return jobId != null && cancelled.contains(jobId);
  }

  /** Reading and applying cancellations; false once stopped by a failure (see {@link #fatalFailure()}). */
  public boolean isReady() {
    return reader.isReady();
  }

  /** Why the reader stopped, or null. */
  public String fatalFailure() {
    return reader.fatalFailure();
  }

  /**
   * Starts reading and returns once everything already on the topic was read: a worker must not handle
   * a job before it knows the old cancellations. Throws, stopped, when the reader failed first or did not
   * catch up within the start timeout ({@link KafkaConfigs#startTimeout()}).
   */
  public synchronized Cancellations start() {
    if (started) {
      return this;
    }
    started = true;
    try {
      reader.start(bootstrapServers, List.of(topic.name()), tp -> null);
      Readiness.require("cancellations", KafkaConfigs.startTimeout(), reader::isReady, reader::stoppedBecause);
    } catch (RuntimeException e) {
      reader.stop();
      throw e;
    }
    return this;
  }

  private void apply(ConsumerRecords<byte[], byte[]> records, TopicReader.Rejects rejects) throws Exception {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.key() == null) {
        rejects.reject(r, "a cancellation without a key (job ID)");
        continue;
      }
      String jobId = new String(r.key(), StandardCharsets.UTF_8);
      if (r.value() == null) {
        cancelled.remove(jobId); // A tombstone: the job was retained away.
        continue;
      }
      try {
        topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
      } catch (RuntimeException e) {
        rejects.reject(r, "undeserializable cancellation: " + FailureKind.describe(e));
        continue;
      }
      cancelled.add(jobId);
    }
    rejects.awaitDurable(); // No positions are stored, but a failed dead letter reads the batch again.
  }

  @Override
  public synchronized void close() {
    reader.stop();
  }
}
