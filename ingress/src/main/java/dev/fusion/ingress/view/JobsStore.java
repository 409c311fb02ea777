package dev.fusion.ingress.view;

import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Submission;
import dev.fusion.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The jobs view's RocksDB database: the key layout, reads, and writes in batches that carry the topic
 * positions they reach (docs/architecture.md, "What the view stores"). Knows nothing of the rules that
 * decide what to write ({@link JobStateMachine}) or of Kafka beyond positions.
 *
 * <table>
 *   <tr><td>{@code <jobId>}</td><td>the job's state ({@link JobView} without its result)</td></tr>
 *   <tr><td>{@code \0res/<jobId>}</td><td>the result record, as it arrived</td></tr>
 *   <tr><td>{@code \0ev/<jobId>/<offset, 20 digits>}</td><td>an event record, as it arrived</td></tr>
 *   <tr><td>{@code \0tj/<tenant>/<inverted accepted time>/<jobId>}</td><td>the tenant's jobs, newest first</td></tr>
 *   <tr><td>{@code \0idem/<tenant>/<key>}</td><td>the job an idempotency key names</td></tr>
 *   <tr><td>{@code \0fin/<completed time>/<jobId>}</td><td>finished jobs, for retention</td></tr>
 *   <tr><td>{@code \0pos/<topic>/<partition>}</td><td>the next offset to read ({@link TopicMaterializer})</td></tr>
 * </table>
 */
final class JobsStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] EMPTY = new byte[0];
  private static final String EVENTS = "\u0000ev/";
  private static final String TENANT_JOBS = "\u0000tj/";
  private static final String IDEMPOTENCY = "\u0000idem/";
  private static final String FINISHED = "\u0000fin/";
  private static final String RESULTS = "\u0000res/";

  private final RocksDB db;
  private final Topics topics;

  private JobsStore(RocksDB db, Topics topics) {
    this.db = db;
    this.topics = topics;
  }

  static JobsStore open(Path dir, Topics topics) throws Exception {
    Files.createDirectories(dir);
    return new JobsStore(TopicMaterializer.openStore(dir), topics);
  }

  /** The database, for the materializer that reads the stored positions. */
  RocksDB db() {
    return db;
  }

  // ---- writes ----

  /** One atomic write: everything a polled batch (or a local change) does, with the positions it reaches. */
  final class Writes implements AutoCloseable {
    private final WriteBatch batch = new WriteBatch();

    void appendEvent(String jobId, long offset, byte[] event) throws RocksDBException {
      batch.put(eventKey(jobId, offset), event);
    }

    /** The result as it arrived: a read of the job builds it only for a reader. */
    void putResult(String jobId, byte[] result) throws RocksDBException {
      batch.put(resultKey(jobId), result);
    }

    /** The job's state, without its result (which has a key of its own and is written once). */
    void putState(JobView view) throws RocksDBException {
      batch.put(view.jobId().getBytes(StandardCharsets.UTF_8), Json.toBytes(view.withoutResult()));
      if (view.result() != null) {
        putResult(view.jobId(), Json.toBytes(view.result()));
      }
    }

    /** The secondary keys a step adds: the owner's job list, the idempotency key, the retention index. */
    void index(JobStateMachine.Step step) throws RocksDBException {
      JobView next = step.next();
      if (step.becameOwned()) {
        batch.put(tenantKey(next.tenant(), next.acceptedAtMs(), next.jobId()), EMPTY);
      }
      if (step.idempotencyKeyBecameKnown()) {
        batch.put(idempotencyKey(next.tenant(), next.submission().idempotencyKey()),
            next.jobId().getBytes(StandardCharsets.UTF_8));
      }
      if (step.becameTerminal()) {
        batch.put(finishedKey(next.finishedAtMs(), next.jobId()), EMPTY);
      }
    }

    /** The job, its result and events, and every key indexed for it. */
    void delete(JobView current) throws RocksDBException {
      String jobId = current.jobId();
      batch.delete(jobId.getBytes(StandardCharsets.UTF_8));
      batch.delete(resultKey(jobId));
      batch.deleteRange(key(EVENTS, jobId + "/"), key(EVENTS, jobId + "0")); // '0' follows '/'.
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

    /** Everything up to these records is applied (stored in the same write). */
    void positions(Iterable<ConsumerRecord<byte[], byte[]>> records) throws RocksDBException {
      TopicMaterializer.putPositions(batch, records);
    }

    void commit() throws RocksDBException {
      try (WriteOptions write = new WriteOptions()) {
        db.write(write, batch);
      }
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  Writes writes() {
    return new Writes();
  }

  // ---- reads ----

  /** The job's state without its result (what folding the next record needs); null if not held. */
  JobView state(String jobId) {
    try {
      byte[] bytes = db.get(jobId.getBytes(StandardCharsets.UTF_8));
      return bytes == null ? null : Json.fromBytes(bytes, JobView.class);
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  /** The job with its result, if it has one; null if not held. */
  JobView read(String jobId) {
    JobView state = state(jobId);
    if (state == null || state.result() != null || !state.isTerminal()) {
      return state; // A state written before results had their own key still holds its result.
    }
    try {
      byte[] result = db.get(resultKey(jobId));
      return result == null ? state : state.withResult(
          topics.results().valueSerde().deserializer().deserialize(topics.results().name(), result));
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  /** The job's stored events after {@code afterOffset} (exclusive), in order. */
  List<JobsView.StoredEvent> events(String jobId, long afterOffset) {
    List<JobsView.StoredEvent> out = new ArrayList<>();
    byte[] prefix = key(EVENTS, jobId + "/");
    try (RocksIterator it = db.newIterator()) {
      it.seek(eventKey(jobId, Math.max(0, afterOffset + 1)));
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        long offset = Long.parseLong(new String(it.key(), prefix.length, it.key().length - prefix.length,
            StandardCharsets.UTF_8));
        FusionEvent event = topics.events().valueSerde().deserializer().deserialize(topics.events().name(),
            it.value());
        out.add(new JobsView.StoredEvent(offset, event));
      }
    }
    return out;
  }

  /**
   * The tenant's jobs, newest first, optionally only those with {@code status}, starting after the job
   * {@code afterJobId} (a cursor from an earlier page; unknown cursors start from the top).
   */
  JobsView.Page list(String tenant, JobStatus status, int limit, String afterJobId) {
    byte[] prefix = key(TENANT_JOBS, tenant + "/");
    List<JobView> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      JobView after = afterJobId == null ? null : state(afterJobId);
      if (after != null && after.ownedBy(tenant)) {
        it.seek(tenantKey(tenant, after.acceptedAtMs(), after.jobId()));
        if (it.isValid()) {
          it.next();
        }
      } else {
        it.seek(prefix);
      }
      for (; it.isValid() && startsWith(it.key(), prefix); it.next()) {
        JobView job = read(lastSegment(it.key()));
        if (job == null || (status != null && status != job.status())) {
          continue;
        }
        if (out.size() == limit) {
          return new JobsView.Page(out, true);
        }
        out.add(job);
      }
    }
    return new JobsView.Page(out, false);
  }

  /** The job a tenant's idempotency key names, or null. */
  String jobForIdempotencyKey(String tenant, String idempotencyKey) {
    try {
      byte[] v = db.get(idempotencyKey(tenant, idempotencyKey));
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    } catch (RocksDBException e) {
      throw new IllegalStateException("jobs view unreadable", e);
    }
  }

  /** Finished jobs whose completion is before {@code cutoffMs}, oldest first (at most {@code max}), without results. */
  List<JobView> finishedBefore(long cutoffMs, int max) {
    List<JobView> out = new ArrayList<>();
    byte[] prefix = key(FINISHED, "");
    byte[] end = finishedKey(cutoffMs, "");
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(prefix); it.isValid() && out.size() < max && startsWith(it.key(), prefix)
          && Arrays.compareUnsigned(it.key(), end) < 0; it.next()) {
        JobView job = state(lastSegment(it.key()));
        if (job != null) {
          out.add(job);
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    db.close();
  }

  // ---- keys ----

  private static byte[] key(String prefix, String rest) {
    return (prefix + rest).getBytes(StandardCharsets.UTF_8);
  }

  private static String lastSegment(byte[] key) {
    String k = new String(key, StandardCharsets.UTF_8);
    return k.substring(k.lastIndexOf('/') + 1);
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
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
