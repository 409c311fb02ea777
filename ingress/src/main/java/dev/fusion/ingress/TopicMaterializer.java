package dev.fusion.ingress;

import dev.fusion.common.kafka.ConsumerThreads;
import dev.fusion.common.kafka.KafkaConfigs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read loop of a local view materialized from topics (the jobs view, the batch store): one thread
 * reads every partition of its topics (no consumer group, so every ingress instance sees everything),
 * resumes from positions the owner stored alongside its data, hands each polled batch to the owner,
 * and reports when it has read all that was in the topics at start. Owners keep their data in RocksDB
 * and store each partition's next offset under {@link #positionKey} in the same write batch (see
 * {@link #putPositions}), so a restart resumes exactly where the data stopped.
 */
final class TopicMaterializer {
  private static final Logger LOG = LoggerFactory.getLogger(TopicMaterializer.class);

  /** Applies one polled batch; must store the positions with the data it writes. */
  interface Sink {
    void apply(ConsumerRecords<byte[], byte[]> records) throws Exception;
  }

  private final String name;
  private final Duration pollTimeout;
  private final Sink sink;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;

  TopicMaterializer(String name, Duration pollTimeout, Sink sink) {
    this.name = name;
    this.pollTimeout = pollTimeout;
    this.sink = sink;
  }

  private static final String POSITION_PREFIX = "\u0000pos/";

  /** Where a view keeps the next offset to read of one partition. */
  static byte[] positionKey(TopicPartition tp) {
    return (POSITION_PREFIX + tp.topic() + "/" + tp.partition()).getBytes(StandardCharsets.UTF_8);
  }

  /** Records, in the owner's write batch, that everything up to these records has been applied. */
  static void putPositions(WriteBatch batch, Iterable<ConsumerRecord<byte[], byte[]>> records)
      throws RocksDBException {
    Map<TopicPartition, Long> next = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
    }
    for (var e : next.entrySet()) {
      batch.put(positionKey(e.getKey()), ByteBuffer.allocate(Long.BYTES).putLong(e.getValue()).array());
    }
  }

  /**
   * Opens (creating if needed) the RocksDB store of a view. Values of 256 bytes or more (results, events,
   * batch result lines) go to blob files: a view is written far more than it is read, and with the
   * values inside the sorted tables every compaction rewrote them, so the background compaction of the
   * jobs view cost more CPU than the view's own thread at 1,000 jobs/s. Blob garbage collection stays
   * off: it relocates the oldest blobs on every compaction, and a view deletes by age (retention), so a
   * blob file's values are deleted together and the file is dropped once no table refers to it.
   */
  static RocksDB openStore(Path dir) throws RocksDBException {
    Options options = new Options()
        .setCreateIfMissing(true)
        .setEnableBlobFiles(true)
        .setMinBlobSize(256)
        .setBlobCompressionType(CompressionType.LZ4_COMPRESSION);
    return RocksDB.open(options, dir.toString());
  }

  /** Starts reading {@code topicNames} where the positions stored in {@code db} say (from the start when none). */
  void start(String bootstrapServers, List<String> topicNames, RocksDB db) {
    start(bootstrapServers, topicNames, tp -> {
      try {
        byte[] pos = db.get(positionKey(tp));
        return pos == null ? null : ByteBuffer.wrap(pos).getLong();
      } catch (RocksDBException e) {
        throw new IllegalStateException(name + " unreadable", e);
      }
    });
  }

  /** @param storedPosition the next offset to read per partition, or null to read from the beginning */
  private void start(String bootstrapServers, List<String> topicNames, Function<TopicPartition, Long> storedPosition) {
    consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrapServers, null, name));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topicNames) {
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
    }
    consumer.assign(partitions);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      Long pos = storedPosition.apply(tp);
      if (pos == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, pos);
      }
    }
    running = true;
    thread = new Thread(() -> run(ends), name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run(Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> remaining = new HashMap<>(ends);
    remaining.values().removeIf(end -> end == 0);
    try {
      while (running) {
        // poll returns as soon as records arrive; the timeout only bounds idle wake-ups.
        var records = consumer.poll(pollTimeout);
        if (!records.isEmpty()) {
          sink.apply(records);
        }
        if (caughtUp.getCount() > 0) {
          remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
          if (remaining.isEmpty()) {
            caughtUp.countDown();
          }
        }
      }
    } catch (WakeupException e) {
      // stop()
    } catch (Exception e) {
      LOG.error("{} stopped", name, e);
    } finally {
      consumer.close();
      running = false;
    }
  }

  boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isRunning() {
    return running;
  }

  boolean isReady() {
    return running && caughtUp.getCount() == 0;
  }

  /** Wakes the loop and waits for it to close the consumer; returns false if it was not running. */
  boolean stop() {
    if (!running) {
      return false;
    }
    running = false;
    ConsumerThreads.wakeAndJoin(consumer, thread, Duration.ofSeconds(10));
    return true;
  }
}
