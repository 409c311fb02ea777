package dev.fusion.ingress.view;

import dev.fusion.common.Json;
import dev.fusion.common.Service;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Submission;
import dev.fusion.common.kafka.DeadLetters;
import dev.fusion.common.kafka.FailureKind;
import dev.fusion.common.kafka.TopicReader;
import dev.fusion.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The RocksDB-backed local view of every job, materialized from the jobs, events and results topics.
 * Every ingress instance reads all partitions (no consumer group), so any instance answers any poll.
 * Topic positions are written in the same batch as the data they produced, so a restart resumes exactly
 * where it stopped; a missing directory is rebuilt from the topics.
 */
public final class JobsView implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(JobsView.class);

  static {
    RocksDB.loadLibrary();
  }

  private final FusionConfig config;
  private final Topics topics;
  private final Path dir;
  private final TopicMaterializer materializer;
  private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CopyOnWriteArrayList<JobListener>>
      listeners = new java.util.concurrent.ConcurrentHashMap<>();
  private RocksDB db;
  /**
   * Jobs the view already holds as running or further (status only moves forward), recently seen. An
   * event of such a job changes nothing but its event log, so it is stored without reading and
   * re-writing the job's state: 11 of a job's ~12 events. Used by the materializer thread only.
   */
  private final java.util.Set<String> started = java.util.Collections.newSetFromMap(
      new java.util.LinkedHashMap<>(1_024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > STARTED_JOBS_REMEMBERED;
        }
      });
  private static final int STARTED_JOBS_REMEMBERED = 50_000;

  private final Duration retention;

  public JobsView(FusionConfig config, Topics topics, DeadLetters deadLetters, Path dir) {
    this(config, topics, deadLetters, dir, Duration.ofDays(7));
  }

  /**
   * @param deadLetters where records the view cannot read go (with the reason)
   * @param retention how long finished jobs are kept (see {@link Retention})
   */
  public JobsView(FusionConfig config, Topics topics, DeadLetters deadLetters, Path dir, Duration retention) {
    this.config = config;
    this.topics = topics;
    this.dir = dir;
    this.retention = retention;
    this.materializer = new TopicMaterializer("ingress-view", Duration.ofMillis(50), deadLetters,
        config.topicPrefix() + "fusion-ingress-view.poison-reported", this::applyPolled);
  }

  @Override
  public String name() {
    return "jobs-view";
  }

  @Override
  public void start() throws Exception {
    Files.createDirectories(dir);
    db = TopicMaterializer.openStore(dir);
    materializer.start(config.bootstrapServers(),
        List.of(topics.jobs().name(), topics.events().name(), topics.results().name()), db);
  }

  /** Waits until the view has read everything that was in the topics when it started. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return materializer.awaitCaughtUp(timeout);
  }

  private void applyPolled(ConsumerRecords<byte[], byte[]> records, TopicReader.Rejects rejects) throws Exception {
    try (WriteOptions write = new WriteOptions()) {
      apply(records, rejects, write);
    }
  }

  /**
   * Folds one polled batch into the store. A record the view cannot read (no key, no value where the
   * topic has no tombstones, not a valid job, event or result) is poison: reported and skipped, and its
   * dead letter is durable before the positions that pass it are stored.
   */
  private void apply(ConsumerRecords<byte[], byte[]> records, TopicReader.Rejects rejects, WriteOptions write)
      throws Exception {
    // Final state per job in this batch; a null value means the job was deleted (a results tombstone).
    Map<String, JobView> touched = new HashMap<>();
    List<String> nowStarted = new ArrayList<>();
    try (WriteBatch batch = new WriteBatch()) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (r.key() == null) {
          rejects.reject(r, "a record without a key (job ID)");
          continue;
        }
        boolean results = r.topic().equals(topics.results().name());
        if (r.value() == null && !results) {
          rejects.reject(r, "a record without a value (only results have tombstones)");
          continue;
        }
        String jobId = new String(r.key(), StandardCharsets.UTF_8);
        boolean event = r.topic().equals(topics.events().name());
        try {
          EventHeader header = event ? EventHeader.of(r.value()) : null;
          if (event && !touched.containsKey(jobId) && started.contains(jobId)) {
            batch.put(eventKey(jobId, r.offset()), r.value());
            continue;
          }
          JobView current = touched.containsKey(jobId) ? touched.get(jobId) : readState(jobId);
          if (r.value() == null) {
            if (current != null) {
              deleteJob(batch, jobId, current);
              touched.put(jobId, null);
            }
            continue;
          }
          if (event) {
            if (current == null && header.timestampMs() < System.currentTimeMillis() - maxAgeMs()) {
              continue; // An event of a job already retained away (a rebuild re-reads it).
            }
            batch.put(eventKey(jobId, r.offset()), r.value());
          }
          JobView next = fold(current, jobId, r, header);
          if (next != current && r.topic().equals(topics.results().name())) {
            batch.put(resultKey(jobId), r.value()); // As it arrived: read() builds it only for a reader.
          }
          if (next != null && JobView.rank(next.status()) >= JobView.rank(JobView.RUNNING)) {
            nowStarted.add(jobId);
          }
          if (next != current) {
            index(batch, current, next);
            touched.put(jobId, next);
          }
        } catch (RuntimeException e) {
          if (e.getCause() instanceof RocksDBException) {
            throw e; // The store, not the record: the reader reads the batch again.
          }
          rejects.reject(r, "unreadable record: " + FailureKind.describe(e));
        }
      }
      for (var e : touched.entrySet()) {
        if (e.getValue() != null) {
          putState(batch, e.getValue());
        }
      }
      rejects.awaitDurable();
      TopicMaterializer.putPositions(batch, records);
      db.write(write, batch);
    }
    // Only once stored: until then a failed write could leave a job's state behind what this says.
    started.addAll(nowStarted);
    touched.forEach((jobId, view) -> {
      if (view == null) {
        started.remove(jobId);
      }
    });
    if (!listeners.isEmpty()) {
      notifyListeners(records);
    }
  }

  /** Secondary keys: the tenant's job list, idempotency keys, and finished jobs by completion time. */
  private void index(WriteBatch batch, JobView current, JobView next) throws RocksDBException {
    if (next.tenant() != null && (current == null || current.tenant() == null)) {
      batch.put(tenantKey(next.tenant(), next.acceptedAtMs(), next.jobId()), EMPTY);
      Submission s = next.submission();
      if (s != null && s.idempotencyKey() != null) {
        batch.put(idempotencyKey(next.tenant(), s.idempotencyKey()), next.jobId().getBytes(StandardCharsets.UTF_8));
      }
    }
    if (next.isTerminal() && (current == null || !current.isTerminal())) {
      batch.put(finishedKey(next.finishedAtMs(), next.jobId()), EMPTY);
    }
  }

  private void deleteJob(WriteBatch batch, String jobId, JobView current) throws RocksDBException {
    batch.delete(jobId.getBytes(StandardCharsets.UTF_8));
    batch.delete(resultKey(jobId));
    byte[] from = key(EVENTS, jobId + "/");
    byte[] to = key(EVENTS, jobId + "0"); // '0' follows '/': the end of this job's event range.
    batch.deleteRange(from, to);
    if (current.tenant() != null) {
      batch.delete(tenantKey(current.tenant(), current.acceptedAtMs(), jobId));
      Submission s = current.submission();
      if (s != null && s.idempotencyKey() != null) {
        byte[] idem = idempotencyKey(current.tenant(), s.idempotencyKey());
        byte[] owner = db.get(idem);
        if (owner != null && jobId.equals(new String(owner, StandardCharsets.UTF_8))) {
          batch.delete(idem);
        }
      }
    }
    if (current.isTerminal()) {
      batch.delete(finishedKey(current.finishedAtMs(), jobId));
    }
  }

  /**
   * A job's state without its result, which has a key of its own ({@link #resultKey}): the state is
   * rewritten as the job moves, the result only once.
   */
  private static void putState(WriteBatch batch, JobView view) throws RocksDBException {
    JobView state = view.result() == null ? view
        : new JobView(view.jobId(), view.tenant(), view.status(), view.acceptedAtMs(), view.finishedAtMs(), null,
            view.submission());
    batch.put(view.jobId().getBytes(StandardCharsets.UTF_8), Json.toBytes(state));
    if (view.result() != null) {
      batch.put(resultKey(view.jobId()), Json.toBytes(view.result()));
    }
  }

  /** Job and event records older than this with no state here belong to jobs already retained away. */
  private long maxAgeMs() {
    return retention.toMillis() + Duration.ofDays(1).toMillis();
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

  /**
   * The two fields of an event the view needs to fold it, read with a streaming parser that stops
   * before the event's data (which may carry a whole panel answer): the view stores events as the bytes
   * they arrived in and builds them only for a replay or a live listener.
   */
  record EventHeader(String type, long timestampMs) {
    static EventHeader of(byte[] json) {
      // These fields come before the data, where the parser stops; the contract's own check judges them.
      String[] f = Json.topLevelFields(json, "schema_version", "job_id", "type", "timestamp_ms");
      long timestampMs = f[3] == null ? 0 : Long.parseLong(f[3]);
      new FusionEvent(version(f[0]), f[1], f[2], timestampMs, null).validate();
      return new EventHeader(f[2], timestampMs);
    }
  }

  /** A schema version as read by {@link Json#topLevelFields}; 0 (unknown) when absent or not a number. */
  private static int version(String field) {
    try {
      return field == null ? 0 : Integer.parseInt(field);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * What the view keeps of a result in the job's own state; the result itself is stored as the bytes
   * it arrived in, so neither is it built nor is the job's state re-serialized with it.
   */
  record ResultHeader(String tenant, String status, long acceptedAtMs, long completedAtMs) {
    static ResultHeader of(byte[] json) {
      String[] f = Json.topLevelFields(json, "tenant", "status", "accepted_at_ms", "completed_at_ms",
          "schema_version", "job_id");
      ResultHeader header = new ResultHeader(f[0], f[1], f[2] == null ? 0 : Long.parseLong(f[2]),
          f[3] == null ? 0 : Long.parseLong(f[3]));
      // The contract's own check, on the fields read (the result itself is built only for a reader).
      new FusionResult(version(f[4]), f[5], header.tenant(), header.status(), null, null, null, null, null, null,
          null, null, null, null, header.acceptedAtMs(), header.completedAtMs()).validate();
      return header;
    }
  }

  private JobView fold(JobView current, String jobId, ConsumerRecord<byte[], byte[]> r, EventHeader event) {
    long now = System.currentTimeMillis();
    if (r.topic().equals(topics.jobs().name())) {
      FusionJob job = topics.jobs().valueSerde().deserializer().deserialize(r.topic(), r.value());
      if (current == null) {
        if (job.acceptedAtMs() < now - maxAgeMs()) {
          return null; // Retained away already; a rebuild must not bring it back as queued.
        }
        return new JobView(jobId, job.tenant(), JobView.QUEUED, job.acceptedAtMs(), now, null, job.submission());
      }
      if (current.tenant() == null) {
        // Events arrived before the job record: now the owner is known.
        return new JobView(jobId, job.tenant(), current.status(), job.acceptedAtMs(),
            current.isTerminal() ? current.finishedAtMs() : now, current.result(), job.submission());
      }
      return current;
    }
    if (r.topic().equals(topics.results().name())) {
      ResultHeader result = ResultHeader.of(r.value());
      if (current != null && current.isCancelled() && !FusionResult.CANCELLED.equals(result.status())) {
        return current; // A stage that finished just as the job was cancelled: cancelled stays.
      }
      if (current != null && current.tenant() != null && !current.tenant().equals(result.tenant())) {
        // Only the job's own pipeline writes its result, and that carries the job's tenant.
        LOG.warn("ignoring a result for job {} that names another tenant", jobId);
        return current;
      }
      // The completion time stands in as the last update: the result itself is stored beside the state.
      return new JobView(jobId, result.tenant(), result.status(), result.acceptedAtMs(), result.completedAtMs(),
          null, current == null ? null : current.submission());
    }
    // An event: the job is running unless it is already further along.
    if (current != null && JobView.rank(current.status()) >= JobView.rank(JobView.RUNNING)) {
      return current;
    }
    if (EventTypes.QUEUED.equals(event.type()) || EventTypes.isTerminal(event.type())) {
      return current; // Terminal status comes with the result record, never from an event alone.
    }
    return current == null
        ? new JobView(jobId, null, JobView.RUNNING, event.timestampMs(), now, null, null)
        : new JobView(jobId, current.tenant(), JobView.RUNNING, current.acceptedAtMs(), now, null,
            current.submission());
  }

  /** Records a job this instance just accepted, so a poll right after the 202 finds it. */
  public void accepted(FusionJob job) {
    try {
      if (db.get(job.jobId().getBytes(StandardCharsets.UTF_8)) == null) {
        recordLocally(new JobView(job.jobId(), job.tenant(), JobView.QUEUED, job.acceptedAtMs(),
            System.currentTimeMillis(), null, job.submission()));
      }
    } catch (RocksDBException e) {
      LOG.warn("cannot record accepted job {} locally; it will appear when the view reads it", job.jobId(), e);
    }
  }

  /** Writes a state this instance caused (accepted, cancelled) before the topics bring it back. */
  public void recordLocally(JobView next) {
    try (WriteBatch batch = new WriteBatch(); WriteOptions write = new WriteOptions()) {
      JobView current = readState(next.jobId());
      index(batch, current, next);
      putState(batch, next);
      db.write(write, batch);
    } catch (RocksDBException e) {
      LOG.warn("cannot record job {} locally; it will appear when the view reads it", next.jobId(), e);
    }
  }

  /** One stored event of a job, with its offset in its partition (the SSE event ID). */
  public record StoredEvent(long offset, FusionEvent event) {}

  /** The job's stored events after {@code afterOffset} (exclusive), in order. */
  public List<StoredEvent> events(String jobId, long afterOffset) {
    List<StoredEvent> out = new ArrayList<>();
    byte[] prefix = key(EVENTS, jobId + "/");
    try (RocksIterator it = db.newIterator()) {
      it.seek(eventKey(jobId, Math.max(0, afterOffset + 1)));
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        long offset = Long.parseLong(new String(it.key(), prefix.length, it.key().length - prefix.length,
            StandardCharsets.UTF_8));
        out.add(new StoredEvent(offset, topics.events().valueSerde().deserializer()
            .deserialize(topics.events().name(), it.value())));
      }
    }
    return out;
  }

  /** A page of a tenant's jobs, newest first. */
  public record Page(List<JobView> jobs, boolean hasMore) {}

  /**
   * The tenant's jobs, newest first, optionally only those with {@code status}, starting after the job
   * {@code afterJobId} (a cursor from an earlier page; unknown cursors start from the top).
   */
  public Page list(String tenant, String status, int limit, String afterJobId) {
    byte[] prefix = key(TENANT_JOBS, tenant + "/");
    List<JobView> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      JobView after = afterJobId == null ? null : readState(afterJobId);
      if (after != null && after.ownedBy(tenant)) {
        it.seek(tenantKey(tenant, after.acceptedAtMs(), after.jobId()));
        if (it.isValid()) {
          it.next();
        }
      } else {
        it.seek(prefix);
      }
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        String k = new String(it.key(), StandardCharsets.UTF_8);
        JobView job = read(k.substring(k.lastIndexOf('/') + 1));
        if (job == null || (status != null && !status.equals(job.status()))) {
          continue;
        }
        if (out.size() == limit) {
          return new Page(out, true);
        }
        out.add(job);
      }
    }
    return new Page(out, false);
  }

  /** The job a tenant's idempotency key names, or null. */
  public String jobForIdempotencyKey(String tenant, String idempotencyKey) {
    try {
      byte[] v = db.get(idempotencyKey(tenant, idempotencyKey));
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  /**
   * Finished jobs whose completion is before {@code cutoffMs}, oldest first (at most {@code max}),
   * without their results.
   */
  public List<JobView> finishedBefore(long cutoffMs, int max) {
    List<JobView> out = new ArrayList<>();
    byte[] end = finishedKey(cutoffMs, "");
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(key(FINISHED, "")); it.isValid() && out.size() < max && startsWith(it.key(), key(FINISHED, ""))
          && compare(it.key(), end) < 0; it.next()) {
        String k = new String(it.key(), StandardCharsets.UTF_8);
        JobView job = readState(k.substring(k.lastIndexOf('/') + 1));
        if (job != null) {
          out.add(job);
        }
      }
    }
    return out;
  }

  /** Removes a job and everything indexed for it from this instance's view. */
  public void delete(String jobId) {
    try (WriteBatch batch = new WriteBatch(); WriteOptions write = new WriteOptions()) {
      JobView current = readState(jobId);
      if (current != null) {
        deleteJob(batch, jobId, current);
        db.write(write, batch);
      }
    } catch (RocksDBException e) {
      LOG.warn("cannot delete job {} from the view", jobId, e);
    }
  }

  private static final byte[] EMPTY = new byte[0];
  private static final String EVENTS = "\u0000ev/";
  private static final String TENANT_JOBS = "\u0000tj/";
  private static final String IDEMPOTENCY = "\u0000idem/";
  private static final String FINISHED = "\u0000fin/";
  private static final String RESULTS = "\u0000res/";

  private static byte[] key(String prefix, String rest) {
    return (prefix + rest).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] eventKey(String jobId, long offset) {
    return key(EVENTS, jobId + "/" + zeroPadded(offset, 20));
  }

  /** Newest first: the time part is inverted so RocksDB's ascending order lists recent jobs first. */
  static byte[] tenantKey(String tenant, long acceptedAtMs, String jobId) {
    return key(TENANT_JOBS, tenant + "/" + zeroPadded(Long.MAX_VALUE - acceptedAtMs, 19) + "/" + jobId);
  }

  static byte[] resultKey(String jobId) {
    return key(RESULTS, jobId);
  }

  static byte[] idempotencyKey(String tenant, String idempotencyKey) {
    return key(IDEMPOTENCY, tenant + "/" + idempotencyKey);
  }

  static byte[] finishedKey(long finishedAtMs, String jobId) {
    return key(FINISHED, zeroPadded(Math.max(0, finishedAtMs), 19) + "/" + jobId);
  }

  /** {@code value} (not negative) in decimal, left-padded with zeros to {@code width}: sorts as numbers do. */
  static String zeroPadded(long value, int width) {
    String digits = Long.toString(value);
    return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
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

  private static int compare(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }

  /** The job with its result, if it has one; null if the view does not hold it. */
  public JobView read(String jobId) {
    JobView state = readState(jobId);
    if (state == null || state.result() != null || !state.isTerminal()) {
      return state; // A state written before results had their own key still holds its result.
    }
    try {
      byte[] result = db.get(resultKey(jobId));
      return result == null ? state
          : state.withResult(topics.results().valueSerde().deserializer().deserialize(topics.results().name(), result));
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  /** The job's state without its result (what folding the next record needs). */
  private JobView readState(String jobId) {
    try {
      byte[] bytes = db.get(jobId.getBytes(StandardCharsets.UTF_8));
      return bytes == null ? null : Json.fromBytes(bytes, JobView.class);
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  @Override
  public void stop() {
    materializer.stop();
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
    return materializer.isReady();
  }
}
