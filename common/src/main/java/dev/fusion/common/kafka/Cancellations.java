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
 */
public final class Cancellations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Cancellations.class);

  private final String bootstrapServers;
  private final TopicSpec<String, JobCancellation> topic;
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;

  public Cancellations(String bootstrapServers, TopicSpec<String, JobCancellation> topic) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
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
    try {
      while (running) {
        consumer.poll(Duration.ofMillis(50)).forEach(this::apply);
      }
    } catch (WakeupException e) {
      // close()
    } catch (RuntimeException e) {
      LOG.error("cancellations reader stopped; cancelled jobs may be worked on", e);
    } finally {
      consumer.close();
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      return;
    }
    String jobId = new String(r.key(), StandardCharsets.UTF_8);
    if (r.value() == null) {
      cancelled.remove(jobId);
    } else {
      cancelled.add(jobId);
    }
  }

  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
