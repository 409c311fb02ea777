package dev.fusion.ingress.view;

import dev.fusion.common.kafka.DeadLetters;
import dev.fusion.common.kafka.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A local view materialized from topics (the jobs view, the batch store): its RocksDB store and the
 * topic positions kept in it. The read loop is {@link TopicReader}'s (every partition, no consumer
 * group, the shared failure policy): it resumes from the positions the owner stored alongside its
 * data, hands each polled batch to the owner and reports when it has read all that was in the topics
 * at start. Owners keep their data in RocksDB and store each partition's next offset under {@link
 * #positionKey} in the same write batch (see {@link #putPositions}), so a restart resumes exactly where
 * the data stopped. Poison goes to the dead letters before the positions that pass it are stored; a
 * rebuilt view reads the topics again, and the reader's bookmark group keeps it from reporting the
 * same poison again.
 */
public final class TopicMaterializer {
  private final TopicReader reader;

  /** @param reportedGroup the bookmark of reported poison, shared by every instance's view of this kind */
  public TopicMaterializer(String name, Duration pollTimeout, DeadLetters deadLetters, String reportedGroup,
      TopicReader.Sink sink) {
    this.reader = new TopicReader(name, pollTimeout, deadLetters, reportedGroup, sink);
  }

  private static final String POSITION_PREFIX = "\u0000pos/";
  /** Where a view keeps the next offset to read of one partition. */
  static byte[] positionKey(TopicPartition tp) {
    return (POSITION_PREFIX + tp.topic() + "/" + tp.partition()).getBytes(StandardCharsets.UTF_8);
  }

  /** Records, in the owner's write batch, that everything up to these records has been applied. */
  public static void putPositions(WriteBatch batch, Iterable<ConsumerRecord<byte[], byte[]>> records)
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
  public static RocksDB openStore(Path dir) throws RocksDBException {
    Options options = new Options()
        .setCreateIfMissing(true)
        .setEnableBlobFiles(true)
        .setMinBlobSize(256)
        .setBlobCompressionType(CompressionType.LZ4_COMPRESSION);
    return RocksDB.open(options, dir.toString());
  }

  /** Starts reading {@code topicNames} where the positions stored in {@code db} say (from the start when none). */
  public void start(String bootstrapServers, List<String> topicNames, RocksDB db) {
    reader.start(bootstrapServers, topicNames, tp -> {
      try {
        byte[] pos = db.get(positionKey(tp));
        return pos == null ? null : ByteBuffer.wrap(pos).getLong();
      } catch (RocksDBException e) {
        throw new IllegalStateException("view store unreadable", e);
      }
    });
  }

  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return reader.awaitCaughtUp(timeout);
  }

  boolean isRunning() {
    return reader.isRunning();
  }

  public boolean isReady() {
    return reader.isReady();
  }

  /** Why the view stopped reading, or null. */
  String fatalFailure() {
    return reader.fatalFailure();
  }

  /** Wakes the loop and waits for it to close the consumer; returns false if it was not running. */
  public boolean stop() {
    return reader.stop();
  }
}
