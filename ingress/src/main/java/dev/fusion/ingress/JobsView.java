package dev.fusion.ingress;

import dev.fusion.common.Json;
import dev.fusion.common.Service;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB-backed local view of every job, materialized from the jobs, events and results topics.
 * Every ingress instance reads all partitions (no consumer group), so any instance answers any poll.
 * Topic positions are written in the same batch as the data they produced, so a restart resumes exactly
 * where it stopped; a missing directory is rebuilt from the topics.
 */
public final class JobsView implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(JobsView.class);
  private static final byte[] POSITION_PREFIX = "\u0000pos/".getBytes(StandardCharsets.UTF_8);

  static {
    RocksDB.loadLibrary();
  }

  private final FusionConfig config;
  private final Topics topics;
  private final Path dir;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CopyOnWriteArrayList<JobListener>>
      listeners = new java.util.concurrent.ConcurrentHashMap<>();
  private RocksDB db;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;

  public JobsView(FusionConfig config, Topics topics, Path dir) {
    this.config = config;
    this.topics = topics;
    this.dir = dir;
  }

  @Override
  public String name() {
    return "jobs-view";
  }

  @Override
  public void start() throws Exception {
    Files.createDirectories(dir);
    Options options = new Options().setCreateIfMissing(true);
    db = RocksDB.open(options, dir.toString());
    consumer = new KafkaConsumer<>(KafkaConfigs.consumer(config.bootstrapServers(), null, "ingress-view"));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(topics.jobs().name(), topics.events().name(), topics.results().name())) {
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
    }
    consumer.assign(partitions);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      byte[] pos = db.get(positionKey(tp));
      if (pos == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, ByteBuffer.wrap(pos).getLong());
      }
    }
    running = true;
    thread = new Thread(() -> run(ends), "ingress-view");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits until the view has read everything that was in the topics when it started. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void run(Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> remaining = new HashMap<>(ends);
    remaining.values().removeIf(end -> end == 0);
    try (WriteOptions write = new WriteOptions()) {
      while (running) {
        var records = consumer.poll(Duration.ofMillis(50));
        if (!records.isEmpty()) {
          apply(records, write);
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
      LOG.error("jobs view stopped", e);
    } finally {
      consumer.close();
      running = false;
    }
  }

  private void apply(Iterable<ConsumerRecord<byte[], byte[]>> records, WriteOptions write) throws RocksDBException {
    Map<String, JobView> touched = new HashMap<>();
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      positions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
      if (r.key() == null || r.value() == null) {
        continue;
      }
      String jobId = new String(r.key(), StandardCharsets.UTF_8);
      try {
        JobView current = touched.containsKey(jobId) ? touched.get(jobId) : read(jobId);
        JobView next = fold(current, jobId, r);
        if (next != current) {
          touched.put(jobId, next);
        }
      } catch (RuntimeException e) {
        LOG.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      }
    }
    try (WriteBatch batch = new WriteBatch()) {
      for (var e : touched.entrySet()) {
        batch.put(e.getKey().getBytes(StandardCharsets.UTF_8), Json.toBytes(e.getValue()));
      }
      for (var e : positions.entrySet()) {
        batch.put(positionKey(e.getKey()), ByteBuffer.allocate(8).putLong(e.getValue()).array());
      }
      db.write(write, batch);
    }
    if (!listeners.isEmpty()) {
      notifyListeners(records);
    }
  }

  /** Live events and results reach listeners only after they are stored, so a replay never misses one. */
  private void notifyListeners(Iterable<ConsumerRecord<byte[], byte[]>> records) {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.key() == null || r.value() == null) {
        continue;
      }
      var subscribed = listeners.get(new String(r.key(), StandardCharsets.UTF_8));
      if (subscribed == null) {
        continue;
      }
      try {
        if (r.topic().equals(topics.events().name())) {
          FusionEvent event = topics.events().valueSerde().deserializer().deserialize(r.topic(), r.value());
          subscribed.forEach(l -> l.onEvent(event, r.offset()));
        } else if (r.topic().equals(topics.results().name())) {
          FusionResult result = topics.results().valueSerde().deserializer().deserialize(r.topic(), r.value());
          subscribed.forEach(l -> l.onResult(result));
        }
      } catch (RuntimeException e) {
        LOG.warn("listener of {} failed: {}", r.topic(), e.toString());
      }
    }
  }

  /** Follows one job live; returns a handle that unsubscribes. */
  public AutoCloseable subscribe(String jobId, JobListener listener) {
    listeners.computeIfAbsent(jobId, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(listener);
    return () -> listeners.computeIfPresent(jobId, (k, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  private JobView fold(JobView current, String jobId, ConsumerRecord<byte[], byte[]> r) {
    long now = System.currentTimeMillis();
    if (r.topic().equals(topics.jobs().name())) {
      if (current != null) {
        return current;
      }
      FusionJob job = topics.jobs().valueSerde().deserializer().deserialize(r.topic(), r.value());
      return new JobView(jobId, job.tenant(), JobView.QUEUED, job.acceptedAtMs(), now, null);
    }
    if (r.topic().equals(topics.results().name())) {
      FusionResult result = topics.results().valueSerde().deserializer().deserialize(r.topic(), r.value());
      return new JobView(jobId, result.tenant(), result.status(), result.acceptedAtMs(), now, result);
    }
    // An event: the job is running unless it is already further along.
    if (current != null && JobView.rank(current.status()) >= JobView.rank(JobView.RUNNING)) {
      return current;
    }
    FusionEvent event = topics.events().valueSerde().deserializer().deserialize(r.topic(), r.value());
    if (EventTypes.QUEUED.equals(event.type()) || EventTypes.isTerminal(event.type())) {
      return current; // Terminal status comes with the result record, never from an event alone.
    }
    return current == null
        ? new JobView(jobId, null, JobView.RUNNING, event.timestampMs(), now, null)
        : new JobView(jobId, current.tenant(), JobView.RUNNING, current.acceptedAtMs(), now, null);
  }

  /** Records a job this instance just accepted, so a poll right after the 202 finds it. */
  public void accepted(FusionJob job) {
    try {
      byte[] key = job.jobId().getBytes(StandardCharsets.UTF_8);
      if (db.get(key) == null) {
        db.put(key, Json.toBytes(new JobView(job.jobId(), job.tenant(), JobView.QUEUED, job.acceptedAtMs(),
            System.currentTimeMillis(), null)));
      }
    } catch (RocksDBException e) {
      LOG.warn("cannot record accepted job {} locally; it will appear when the view reads it", job.jobId(), e);
    }
  }

  public JobView read(String jobId) {
    try {
      byte[] bytes = db.get(jobId.getBytes(StandardCharsets.UTF_8));
      return bytes == null ? null : Json.fromBytes(bytes, JobView.class);
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  private static byte[] positionKey(TopicPartition tp) {
    byte[] suffix = (tp.topic() + "/" + tp.partition()).getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[POSITION_PREFIX.length + suffix.length];
    System.arraycopy(POSITION_PREFIX, 0, key, 0, POSITION_PREFIX.length);
    System.arraycopy(suffix, 0, key, POSITION_PREFIX.length, suffix.length);
    return key;
  }

  @Override
  public void stop() {
    if (!running) {
      closeDb();
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeDb();
  }

  private void closeDb() {
    if (db != null) {
      db.close();
      db = null;
    }
  }

  @Override
  public boolean isReady() {
    return running && caughtUp.getCount() == 0;
  }
}
