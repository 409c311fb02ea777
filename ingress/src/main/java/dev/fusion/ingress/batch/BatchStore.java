package dev.fusion.ingress.batch;

import dev.fusion.common.Json;
import dev.fusion.common.Service;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.kafka.DeadLetters;
import dev.fusion.common.kafka.FailureKind;
import dev.fusion.common.kafka.TopicReader;
import dev.fusion.common.kafka.Topics;
import dev.fusion.ingress.view.TopicMaterializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local RocksDB view of every batch: states and items, materialized from the compacted
 * {@code fusion.batches} and {@code fusion.batch.items} topics (all partitions, no consumer group), with
 * topic positions stored in the same write batch. Items are stored by ordinal, so reading a batch in
 * input order is a range scan and never needs the whole batch in memory. A batch's status only moves
 * forward, so a replayed older state never overwrites a newer one. A record that is not a valid item
 * or state is poison: it goes to the dead letters and the store moves on ({@link TopicMaterializer}).
 */
public final class BatchStore implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(BatchStore.class);
  private static final String STATE = "s/";
  private static final String ITEM = "i/";

  static {
    RocksDB.loadLibrary();
  }

  private final FusionConfig config;
  private final Topics topics;
  private final Path dir;
  private final TopicMaterializer materializer;
  private volatile Consumer<BatchState> stateListener = s -> { };
  private RocksDB db;

  /** @param deadLetters where records of the batch topics that cannot be read go (with the reason) */
  public BatchStore(FusionConfig config, Topics topics, DeadLetters deadLetters, Path dir) {
    this.config = config;
    this.topics = topics;
    this.dir = dir;
    this.materializer = new TopicMaterializer("ingress-batch-store", Duration.ofMillis(500), deadLetters,
        config.topicPrefix() + "fusion-ingress-batch-store.poison-reported", this::apply);
  }

  @Override
  public String name() {
    return "batch-store";
  }

  /** Told of every state that was applied (moved a batch forward), on the store's thread. */
  void onState(Consumer<BatchState> listener) {
    this.stateListener = listener;
  }

  @Override
  public void start() throws Exception {
    Files.createDirectories(dir);
    db = TopicMaterializer.openStore(dir);
    materializer.start(config.bootstrapServers(), List.of(topics.batches().name(), topics.batchItems().name()), db);
  }

  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return materializer.awaitCaughtUp(timeout);
  }

  /**
   * Reads the batch outside the lock (a record that is not a valid item or state is poison, reported
   * and skipped), waits for the poison's dead letters (on this store's thread, not holding the lock
   * that request handlers take), then writes.
   */
  private void apply(ConsumerRecords<byte[], byte[]> records, TopicReader.Rejects rejects) throws Exception {
    List<Parsed> parsed = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.value() == null) {
        continue; // A tombstone on a compacted batch topic.
      }
      if (r.key() == null) {
        rejects.reject(r, "a batch record without a key");
        continue;
      }
      try {
        parsed.add(new Parsed(r.topic().equals(topics.batchItems().name())
            ? topics.batchItems().valueSerde().deserializer().deserialize(r.topic(), r.value())
            : topics.batches().valueSerde().deserializer().deserialize(r.topic(), r.value()), r.value()));
      } catch (RuntimeException e) {
        rejects.reject(r, "unreadable batch record: " + FailureKind.describe(e));
      }
    }
    rejects.awaitDurable();
    List<BatchState> applied;
    try (WriteOptions write = new WriteOptions()) {
      applied = write(parsed, records, write);
    }
    applied.forEach(s -> {
      try {
        stateListener.accept(s);
      } catch (RuntimeException e) {
        LOG.warn("batch state listener failed", e);
      }
    });
  }

  /** A record read from a batch topic, with the bytes it arrived in (stored as they are). */
  private record Parsed(Object value, byte[] bytes) {}

  /** Synchronized with {@link #putState}, so a local write and a replayed older state cannot interleave. */
  private synchronized List<BatchState> write(List<Parsed> parsed, Iterable<ConsumerRecord<byte[], byte[]>> records,
      WriteOptions write) throws RocksDBException {
    List<BatchState> applied = new ArrayList<>();
    Map<String, BatchState> pending = new HashMap<>();
    try (WriteBatch batch = new WriteBatch()) {
      TopicMaterializer.putPositions(batch, records);
      for (Parsed record : parsed) {
        if (record.value() instanceof BatchItem item) {
          batch.put(itemKey(item.batchId(), item.ordinal()), record.bytes());
        } else if (record.value() instanceof BatchState state) {
          BatchState current = pending.containsKey(state.batchId()) ? pending.get(state.batchId()) : state(state.batchId());
          if (advances(current, state)) {
            pending.put(state.batchId(), state);
            batch.put(bytes(STATE + state.batchId()), record.bytes());
            applied.add(state);
          }
        }
      }
      db.write(write, batch);
    }
    return applied;
  }

  /** Status ranks: a state is applied only if it is at least as far along as the stored one. */
  static int rank(String status) {
    return switch (status) {
      case BatchState.VALIDATING -> 0;
      case BatchState.IN_PROGRESS -> 1;
      case BatchState.CANCELLING, BatchState.FINALIZING -> 2;
      default -> 3;
    };
  }

  static boolean advances(BatchState current, BatchState next) {
    return current == null || (!current.isTerminal() && rank(next.status()) >= rank(current.status()));
  }

  /** Records a state this instance just made durable, so a read right after the acknowledgement sees it. */
  synchronized boolean putState(BatchState state) {
    try {
      BatchState current = state(state.batchId());
      if (!advances(current, state)) {
        return false;
      }
      db.put(bytes(STATE + state.batchId()), Json.toBytes(state));
      return true;
    } catch (RocksDBException e) {
      throw new IllegalStateException("batch store unwritable", e);
    }
  }

  /** Records an item this instance just made durable. */
  void putItem(BatchItem item) {
    try {
      db.put(itemKey(item.batchId(), item.ordinal()), Json.toBytes(item));
    } catch (RocksDBException e) {
      throw new IllegalStateException("batch store unwritable", e);
    }
  }

  public BatchState state(String batchId) {
    try {
      byte[] v = db.get(bytes(STATE + batchId));
      return v == null ? null : Json.fromBytes(v, BatchState.class);
    } catch (RocksDBException e) {
      throw new IllegalStateException("batch store unreadable", e);
    }
  }

  public BatchItem item(String batchId, long ordinal) {
    try {
      byte[] v = db.get(itemKey(batchId, ordinal));
      return v == null ? null : Json.fromBytes(v, BatchItem.class);
    } catch (RocksDBException e) {
      throw new IllegalStateException("batch store unreadable", e);
    }
  }

  /** Every batch state, in batch-ID order (callers filter by tenant). */
  public List<BatchState> states() {
    List<BatchState> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      byte[] prefix = bytes(STATE);
      for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
        out.add(Json.fromBytes(it.value(), BatchState.class));
      }
    }
    return out;
  }

  private static byte[] itemKey(String batchId, long ordinal) {
    return bytes(ITEM + batchId + "/" + String.format("%012d", ordinal));
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    if (key.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void stop() {
    materializer.stop();
    if (db != null) {
      db.close();
      db = null;
    }
  }

  @Override
  public boolean isReady() {
    return materializer.isReady();
  }
}
